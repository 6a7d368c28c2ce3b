"""Text normalisation shared by input and output: width, case, dashes, numerals and percent signs.

Both sides go through the same function, so "３０％", "30 percent", "百分之三十" and "thirty per cent"
all read "30%", and "两年" and "two years" both carry the number 2.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

_ZH_DIGITS: Final = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                     "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_ZH_UNITS: Final = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG: Final = {"万": 10_000, "亿": 100_000_000}
_ZH_NUMERAL: Final = "零〇一二两三四五六七八九十百千万亿"
# A lone Chinese numeral is a number only before a measure word: "一等奖", "两年", "三个项目";
# "统一", "一起", "之一" are ordinary words. Runs of two or more (二十, 三百) are always numbers.
_MEASURE: Final = (
    "年个位名人次项篇份种届等倍月天周日小时分钟秒元块场家门所本条行级期批组支台套款轮座例张页"
    "岁万千百亿%"
)
_ZH_RUN: Final = re.compile(
    rf"百分之[{_ZH_NUMERAL}点]+|[{_ZH_NUMERAL}]+点[{_ZH_NUMERAL}]+|[{_ZH_NUMERAL}]{{2,}}|[{_ZH_NUMERAL}](?=[{_MEASURE}])"
)

_EN_UNITS: Final = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12,
}  # fmt: skip
_EN_TENS: Final = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALE: Final = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 10**9}
# "one" is left alone: "one of the", "the one who" are not numbers. Its absence is the price.
_EN_WORD: Final = "|".join(sorted([*_EN_UNITS, *_EN_TENS, *_EN_SCALE], key=len, reverse=True))
_EN_RUN: Final = re.compile(
    rf"\b(?:{_EN_WORD})(?:[\s-]+(?:and\s+)?(?:{_EN_WORD}|one))*\b", re.IGNORECASE
)
_PERCENT_WORD: Final = re.compile(r"\s*(?:percent|per\s+cent|pct)\b", re.IGNORECASE)
_DASHES: Final = re.compile(r"[\u2010-\u2015\u2212\uff0d]")
_QUOTES: Final = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "`": "'"})


def zh_number(text: str) -> float | None:
    """A Chinese numeral ("两万三千", "十五", "三点五", "二〇二三") as a number; None if it is not one."""
    if "点" in text:
        whole, _, frac = text.partition("点")
        head = zh_number(whole) if whole else 0
        if head is None or not frac or any(c not in _ZH_DIGITS for c in frac):
            return None
        return head + float("0." + "".join(str(_ZH_DIGITS[c]) for c in frac))
    if all(c in _ZH_DIGITS for c in text):
        # Digit by digit: "二〇二三" is 2023, a year read out.
        return float("".join(str(_ZH_DIGITS[c]) for c in text)) if text else None
    total, section, digit = 0, 0, 0
    for c in text:
        if c in _ZH_DIGITS:
            digit = _ZH_DIGITS[c]
        elif c in _ZH_UNITS:
            section += (digit or 1) * _ZH_UNITS[c]
            digit = 0
        elif c in _ZH_BIG:
            total += (section + digit) * _ZH_BIG[c]
            section, digit = 0, 0
        else:
            return None
    return float(total + section + digit)


def en_number(text: str) -> float | None:
    """English number words ("twenty-five", "two hundred and ten", "three thousand") as a number."""
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", text.lower()):
        if word in ("and", ""):
            continue
        if word == "one":
            current += 1
        elif word in _EN_UNITS:
            current += _EN_UNITS[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word in _EN_SCALE:
            scale = _EN_SCALE[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
        else:
            return None
        seen = True
    return float(total + current) if seen else None


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _zh_sub(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.startswith("百分之"):
        value = zh_number(text[3:])
        return f"{_fmt(value)}%" if value is not None else text
    value = zh_number(text)
    return _fmt(value) if value is not None else text


def _en_sub(match: re.Match[str]) -> str:
    value = en_number(match.group(0))
    return _fmt(value) if value is not None else match.group(0)


# Every English number word holds one of these: where none occurs, no number is written out.
_EN_STEMS: Final = ("zero", "two", "thre", "four", "forty", "five", "fift", "six", "seven",
                    "eight", "nine", "ten", "eleven", "twe", "thir", "dozen", "hundred",
                    "thousand", "illion")  # fmt: skip
# Characters that re's IGNORECASE matches with an ASCII letter ("SİX" is "six" to it): where one
# occurs, the substring tests below could miss a match, so every pattern runs.
_CASE_ODD: Final = "İıſK"


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Fold width (NFKC), case, quotes and dashes; numerals to Arabic digits; percent to "%".

    Cached: the same employer, school and skill names recur across a cohort's checks. Each
    pattern runs only where it can match (most texts hold no numeral written out), which is
    most of the saving on a text seen once."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():  # quotes, dashes and Chinese numerals are not ASCII
        text = _DASHES.sub("-", text.translate(_QUOTES))
        text = _ZH_RUN.sub(_zh_sub, text)
    elif "`" in text:
        text = text.translate(_QUOTES)
    if any(c in text for c in _CASE_ODD):
        words = percent = True
    else:
        low = text.lower()
        words = any(stem in low for stem in _EN_STEMS)
        percent = "per" in low or "pct" in low
    if words:
        text = _EN_RUN.sub(_en_sub, text)
    if percent:
        text = _PERCENT_WORD.sub("%", text)
    return text.casefold()
