"""Dates as exports write them: one date token, a date range, and the words for an open end.

A date keeps the precision it was written with: 2021 → "2021", Jun 2021 → "2021-06". The words
that mean "still ongoing" (`present`, `至今`, …) are listed once here, in PRESENT_WORDS, and every
reader of an end date uses them: a numbered `work_1_end` cell and a free-text `experience` cell
agree on what "currently" means.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# An end date written as one of these means the entry is ongoing: its end date is left out.
# Matched whole, in any case, after trimming spaces and a trailing full stop.
PRESENT_WORDS: tuple[str, ...] = (
    "present", "current", "currently", "now", "today", "ongoing", "to date", "till now",
    "until now", "to present", "至今", "迄今", "现在", "目前", "今", "今天", "在职", "在读",
)  # fmt: skip
_PRESENT_SET = frozenset(PRESENT_WORDS)
_SPACES = re.compile(r"\s+")

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19[5-9]\d|20\d\d|2100)"
# Longest first, so "currently" wins over "current" and "今天" over "今"; spaces match any run.
PRESENT_PATTERN = "(?:" + "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(PRESENT_WORDS, key=len, reverse=True)
) + ")"  # fmt: skip

# One date, without groups, so a range pattern can use it twice.
DATE_PATTERN = (
    rf"(?:{_YEAR}\s*年\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?"
    rf"|{_YEAR}[-./]\d{{1,2}}(?!\d)(?:[-./]\d{{1,2}}(?!\d))?"
    rf"|(?:{_MONTH_NAMES})\.?,?\s+{_YEAR}"
    rf"|\d{{1,2}}/{_YEAR}"
    rf"|{_YEAR}\s*年?)"
)
_SEP = r"\s*(?:-|–|—|~|～|－|―|\bto\b|\buntil\b|至)\s*"
# An open end may also follow the start date with no separator: "2019年9月至今", "2019 to date"
# (whose "to" is part of the words, not a separator).
_RANGE = re.compile(
    rf"(?<![\w.])(?P<start>{DATE_PATTERN})(?:{_SEP}(?P<end>{DATE_PATTERN}|{PRESENT_PATTERN}"
    rf"(?![A-Za-z]))|\s*(?P<open>至今|迄今|以来)|\s+(?P<open_words>(?:to|till|until)\s+"
    rf"(?:date|now|present|today))(?![A-Za-z]))(?!\d)",
    re.IGNORECASE,
)
_SINGLE = re.compile(rf"(?<![\w.])(?P<start>{DATE_PATTERN})(?!\d)", re.IGNORECASE)

_YMD_ZH = re.compile(rf"({_YEAR})\s*年\s*(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*日)?")
_YMD = re.compile(rf"({_YEAR})[-./](\d{{1,2}})(?:[-./](\d{{1,2}}))?")
_MY_NAME = re.compile(rf"({_MONTH_NAMES})\.?,?\s+({_YEAR})", re.IGNORECASE)
_MY_NUM = re.compile(rf"(\d{{1,2}})/({_YEAR})")
_Y = re.compile(rf"({_YEAR})\s*年?")


def is_present(text: str) -> bool:
    """True when `text` is one of PRESENT_WORDS ("Present", "CURRENTLY", "至今", "to date.")."""
    if len(text) > 24:
        return False
    word = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().rstrip(".。").strip()
    return word.casefold() in _PRESENT_SET


def parse_date(text: str) -> str | None:
    """A JSON Resume partial date for one date token, or None when it is not a valid date."""
    token = text.strip()
    for pattern in (_YMD_ZH, _YMD):
        match = pattern.fullmatch(token)
        if match:
            return _partial(match[1], match[2], match[3])
    match = _MY_NAME.fullmatch(token)
    if match:
        return _partial(match[2], str(_MONTHS[match[1].lower()]), None)
    match = _MY_NUM.fullmatch(token)
    if match:
        return _partial(match[2], match[1], None)
    match = _Y.fullmatch(token)
    if match:
        return match[1]
    return None


def _partial(year: str, month: str | None, day: str | None) -> str | None:
    if month is None:
        return year
    m = int(month)
    if not 1 <= m <= 12:
        return None
    if day is None:
        return f"{year}-{m:02d}"
    d = int(day)
    if not 1 <= d <= 31:
        return None
    return f"{year}-{m:02d}-{d:02d}"


@dataclass(frozen=True)
class Dates:
    """A date span found in an entry and where it sat in the text."""

    start: str
    end: str | None  # None: ongoing ("present", "至今")
    span: tuple[int, int]


def find_dates(text: str, *, before: int | None = None) -> Dates | None:
    """The first date range (else a lone date) that starts before `before` (a header boundary)."""
    limit = len(text) if before is None else before
    for match in _RANGE.finditer(text):
        if match.start() >= limit:
            break
        start = parse_date(match["start"])
        if start is None:
            continue
        if match["open"] or match["open_words"] or is_present(match["end"] or ""):
            return Dates(start, None, match.span())
        end = parse_date(match["end"])
        if end is not None:
            return Dates(start, end, match.span())
    # A lone date only counts in brackets or at the very start, where it cannot be a number in
    # a sentence ("built a 2048 game").
    for match in _SINGLE.finditer(text):
        if match.start() >= limit:
            break
        s, e = match.span()
        bracketed = text[:s].rstrip().endswith(("(", "（", "[")) and text[e:].lstrip().startswith(
            (")", "）", "]")
        )
        if bracketed or not text[:s].strip():
            date = parse_date(match["start"])
            if date is not None:
                return Dates(date, date, (s, e))
    return None
