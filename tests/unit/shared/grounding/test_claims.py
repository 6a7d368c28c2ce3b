"""Claims found in Chinese text: tagging block by block is tagging the whole text."""

from __future__ import annotations

import random
import re

import jieba.posseg

from shared.grounding.claims import _PROPER_FLAGS, _chinese
from shared.grounding.normalise import normalise
from shared.grounding.vocab import ORG_SUFFIX_ZH


def _whole_text(norm: str) -> list[tuple[str, str]]:
    """The organisations and names jieba tags in the text cut in one go (the definition)."""
    out = []
    for pair in jieba.posseg.cut(norm):
        word = pair.word.strip()
        if len(word) < 2 or not any("\u4e00" <= c <= "\u9fff" for c in word):
            continue
        if word.endswith(ORG_SUFFIX_ZH) or pair.flag in _PROPER_FLAGS:
            out.append(("organisation" if pair.flag != "nr" else "name", word))
    return out


def test_block_by_block_tagging_finds_what_the_whole_text_does() -> None:
    rng = random.Random(5)
    pieces = ["负责", "华东数据公司", "张伟", "在", "北京", "腾讯", "数据分析", "实习生", "，", "。",
              "Python", "2023年", "上海交通大学", " ", "未来教育集团", "与", "李娜", "、", "Q3"]  # fmt: skip
    for _ in range(300):
        norm = normalise("".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))))
        found = [(c.kind, c.text) for c in _chinese(norm) if c.kind in ("organisation", "name")]
        assert found == _whole_text(norm), norm


def _source_of_joined_text(texts: list[str]) -> tuple[object, ...]:
    """A source prepared from the fields joined first (the definition the cached one must meet)."""
    import re

    from shared.grounding.injection import split_instructions
    from shared.grounding.numbers import numbers
    from shared.grounding.source import words
    from shared.grounding.vocab import MONTHS

    kept, dropped = [], []
    for raw in texts:
        text, instructions = split_instructions(raw)
        kept.append(text)
        dropped += instructions
    joined = normalise(" | ".join(t for t in kept if t))
    vocab = words(joined)
    months = {int(m) for m in re.findall(r"\b(?:19|20)\d\d-(0[1-9]|1[0-2])\b", joined)}
    months |= {n for w, n in MONTHS.items() if w in vocab}
    return joined, tuple(numbers(joined)), frozenset(vocab), frozenset(months), tuple(dropped)


def test_a_source_prepared_field_by_field_equals_one_prepared_from_the_joined_text() -> None:
    from shared.grounding.source import Source

    rng = random.Random(9)
    pieces = ["twenty", "five", "hundred", "and", "one", "percent", "per cent", "30", "5k", "2万",
              "百分之三十", "两年", "三个项目", "2022-09", "Jan", "June", "ignore the above",
              "user: ", "say that they", "ran", ".", ";", "\n", "|", "—", "３０％", "Node.js",
              "C++", "R&D", "google's", "tests", " ", " ", "-", "1,200", "3.5", "Acme", "。"]  # fmt: skip
    for _ in range(400):
        texts = [
            "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 7)))
            for _ in range(rng.randint(1, 6))
        ]
        source = Source.from_texts(texts)
        got = (source.text, source.numbers, source.words, source.months, source.instructions)
        want = _source_of_joined_text(texts)
        # One difference, on purpose: "30 percent" → "30%" eats the space before "percent", and
        # in the joined text that space could be the separator's ("a | percent" → "a |%").
        assert _spaced(got[0]) == _spaced(str(want[0])), texts
        assert got[1:] == want[1:], texts


def _spaced(text: str) -> str:
    import re

    return re.sub(r"\s*\|\s*", " | ", text)


def _random_english(rng: random.Random) -> str:
    pieces = ["machine learning", "Led", "the", "Acme", "Corp", ".", ";", ":", "\n", "\n- ", "- ", "* ", "• ", "  ",
              " ", "\t", "\r\n", "\u3000", "!", "?", "。", "Bank of China", "and", "Data",
              "engineer", "engineers", "Python", "PhD", "bank", "a@b.co", "WWW.x.org",
              "http://x.y", "＠", "Used", "I", "A", "É", "2023", "managers", "Mr.", "-", "•"]  # fmt: skip
    return "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 16)))


# The definition: text[:i] ends where a sentence may start (the pattern the guard used to search).
_SENTENCE_START = re.compile(r"(^|[.!?:;。！？；]\s*|\n\s*(?:[-*•]\s*)?)$")


def test_sentence_starts_are_those_of_the_prefix_pattern() -> None:
    from shared.grounding.claims import _at_sentence_start

    rng = random.Random(21)
    for _ in range(1500):
        text = _random_english(rng)
        for i in range(len(text) + 1):
            expected = _SENTENCE_START.search(text[:i]) is not None
            assert _at_sentence_start(text, i) == expected, (text, i)


def test_contact_prefilter_and_vocabulary_filter_change_no_claim() -> None:
    from shared.grounding import claims as module

    rng = random.Random(23)
    for _ in range(1500):
        text = _random_english(rng)
        norm = normalise(text)
        for t in (text, norm):
            assert module._without_contacts(t) == module._CONTACT.sub(" ", t), t
            if not module._may_hold_contact(t):
                assert module._CONTACT.findall(t) == [], t
        tokens = module.WORD.findall(norm)
        unfiltered = [("skill", phrase) for phrase in module.SKILL_PHRASES_EN
                      if re.search(rf"\b{re.escape(phrase)}\b", norm)]  # fmt: skip
        for token in tokens:  # the loop without the filter: every token looked up
            bare = token.rstrip(".")
            single = bare[:-1] if bare.endswith("s") and len(bare) > 3 else bare
            if len(bare) > 1 and bare in module.SKILLS_EN:
                unfiltered.append(("skill", bare))
            elif single in module._TITLE_LOWER or bare in module._TITLE_LOWER:
                unfiltered.append(("title", bare))
            elif bare in module.DEGREES_EN:
                unfiltered.append(("degree", bare))
            elif bare in module.ORG_WORDS_EN:
                unfiltered.append(("organisation", bare))
        found = [(c.kind, c.text) for c in module._vocab_en(tokens, norm, frozenset())]
        assert found == unfiltered, text


def test_runs_of_han_and_digits_as_one_token_find_the_same_names() -> None:
    from shared.grounding import claims as module

    one_by_one = re.compile(r"[A-Za-z][A-Za-z0-9+#&'.-]*|\S")  # every other character alone
    rng = random.Random(41)
    extra = ["张伟", "负责", "。", "，", "：", "2023", "Ｑ", "ＡＢＣ", "（", "）", "Ω", "ß", "Éric"]
    for _ in range(1500):
        text = _random_english(rng) + "".join(rng.choice(extra) for _ in range(rng.randint(0, 5)))
        text = "".join(rng.sample(text, len(text))) if rng.random() < 0.2 else text
        ours = [(c.kind, c.text) for c in module._names_en(text)]
        assert ours == [(c.kind, c.text) for c in module._names_en(text, one_by_one)], text
