"""Normalisation: the same fact written in different ways reads the same on both sides."""

from __future__ import annotations

import pytest

from shared.grounding.normalise import en_number, normalise, zh_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("百分之三十", "30%"),
        ("30 percent", "30%"),
        ("30 per cent", "30%"),
        ("３０％", "30%"),
        ("thirty percent", "30%"),
        ("两年", "2年"),
        ("two years", "2 years"),
        ("两万三千元", "23000元"),
        ("二〇二三年", "2023年"),
        ("三点五", "3.5"),
        ("十五个项目", "15个项目"),
        ("twenty-five users", "25 users"),
        ("two hundred and ten", "210"),
        ("ＰＹＴＨＯＮ", "python"),
        ("Jun 2023 – Aug 2023", "jun 2023 - aug 2023"),
    ],
)
def test_one_fact_many_spellings(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["统一管理", "一起完成", "之一", "one of the best", "进一步"])
def test_words_holding_numerals_stay_words(text: str) -> None:
    # "统一" is not the number 1; "one of" is not a count.
    assert not any(c.isdigit() for c in normalise(text))


def test_numeral_parsers() -> None:
    assert zh_number("两万") == 20000
    assert zh_number("十") == 10
    assert zh_number("一百零五") == 105
    assert zh_number("abc") is None
    assert en_number("three thousand two hundred") == 3200
    assert en_number("banana") is None


def _normalise_every_pattern(text: str) -> str:
    """normalise as defined: every pattern run on every text (the fast paths must agree)."""
    import unicodedata

    from shared.grounding import normalise as module

    text = unicodedata.normalize("NFKC", text).translate(module._QUOTES)
    text = module._DASHES.sub("-", text)
    text = module._ZH_RUN.sub(module._zh_sub, text)
    text = module._EN_RUN.sub(module._en_sub, text)
    text = module._PERCENT_WORD.sub("%", text)
    return text.casefold()


def test_fast_paths_change_nothing() -> None:
    import random

    from shared.grounding import normalise as module

    for word in (*module._EN_UNITS, *module._EN_TENS, *module._EN_SCALE):
        assert any(stem in word for stem in module._EN_STEMS), word
    rng = random.Random(37)
    pieces = ["Twenty-Five", "twenty", "five", "hundred", "and", "one", "PER CENT", "percent",
              "pct", "30", "百分之三十", "两年", "二〇二三", "—", "“x”", "`", "’", "ＴＷＯ", "Ｋ",
              "SİX", "sıx", "ſix", "Kelvin", "K", "thirteen", "Fifty", "Illion", " ", "-", ".",
              "Acme", "3.5", "%", "ninety-nine", "a dozen", "ten", "tent", "perhaps", "ｐｃｔ"]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 8)))
        assert normalise.__wrapped__(text) == _normalise_every_pattern(text), text
