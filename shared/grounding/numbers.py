"""Numbers in normalised text: plain values, percentages and years, with thousands and k/万 scales."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# After normalise(): digits only. "5,000", "3.5", "30%", "5k", "2万", "$1.2m", "1st".
_NUMBER: Final = re.compile(
    r"(?<![0-9A-Za-z.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(%|k\b|m\b|million\b|billion\b|万|千|亿)?",
    re.IGNORECASE,
)
_SCALE: Final = {
    "k": 1e3,
    "千": 1e3,
    "m": 1e6,
    "million": 1e6,
    "万": 1e4,
    "亿": 1e8,
    "billion": 1e9,
}
_ORDINAL_SUFFIX: Final = re.compile(r"^(st|nd|rd|th)\b")


@dataclass(frozen=True)
class Number:
    """One number as written: its value, whether it was a percentage, and the text it came from."""

    value: float
    percent: bool
    text: str

    @property
    def is_year(self) -> bool:
        return not self.percent and self.value == int(self.value) and 1950 <= self.value <= 2100


def numbers(normalised: str) -> list[Number]:
    """Every number in already-normalised text (see normalise.normalise)."""
    found: list[Number] = []
    for match in _NUMBER.finditer(normalised):
        digits, unit = match.group(1), (match.group(2) or "").lower()
        value = float(digits.replace(",", ""))
        if unit and unit != "%":
            value *= _SCALE[unit]
        found.append(Number(value=value, percent=unit == "%", text=match.group(0).strip()))
    return found


def same(a: Number, b: Number) -> bool:
    """Equal values; a percentage only matches a percentage (30% is not 30 people)."""
    return abs(a.value - b.value) < 1e-9 and (a.percent == b.percent or not a.percent)
