"""Display forms of JSON Resume partial ISO dates that keep the precision they came with."""

from __future__ import annotations

import re
from typing import Final

from shared.profile import Language
from workers.render.labels import word

_ISO: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
RANGE_SEPARATOR: Final = " – "


def format_date(value: str | None, language: Language) -> str:
    """`2024` → "2024"/"2024年", `2024-06` → "Jun 2024"/"2024年6月", a day adds the day.

    A bare year never gains a month. Text that is not a partial ISO date is shown verbatim
    rather than guessed at.
    """
    if not value:
        return ""
    match = _ISO.fullmatch(value.strip())
    if match is None:
        return value
    year, month_text, day_text = match.groups()
    month = int(month_text) if month_text else 0
    day = int(day_text) if day_text else 0
    if (month_text and not 1 <= month <= 12) or (day_text and not 1 <= day <= 31):
        return value
    if language == "zh":
        if not month:
            return f"{year}年"
        if not day:
            return f"{year}年{month}月"
        return f"{year}年{month}月{day}日"
    if not month:
        return year
    if not day:
        return f"{_MONTHS[month - 1]} {year}"
    return f"{day} {_MONTHS[month - 1]} {year}"


def format_range(start: str | None, end: str | None, language: Language) -> str:
    """A start–end range; a start with no end is ongoing ("Present"/"至今")."""
    start_text = format_date(start, language)
    end_text = format_date(end, language)
    if start_text and end_text:
        if start_text == end_text:
            return start_text
        return f"{start_text}{RANGE_SEPARATOR}{end_text}"
    if start_text:
        return f"{start_text}{RANGE_SEPARATOR}{word('present', language)}"
    return end_text
