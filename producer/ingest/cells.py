"""One cell's text as the row rules see it: control characters removed, NFC, trimmed, or missing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Values that mean "nothing here" (docs/design.md §3.3 plus the spellings exports produce: null, NaN).
MISSING = frozenset({"", "n/a", "-", "none", "无", "null", "nan", "—", "暂无"})
# NUL and C0 controls except tab/newline, DEL and C1, zero-width characters, bidi controls.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]"
)


def clean(value: str) -> str | None:
    """Remove control, zero-width and bidi characters, NFC-normalise, trim; None when missing."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(value) is not None:
        value = _CONTROL.sub("", value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    value = value.strip()
    if len(value) <= 5 and value.casefold() in MISSING:
        return None
    return value


def trim(value: str) -> str | None:
    """`clean` for a value known to hold no CR, control character or non-NFC text."""
    value = value.strip()
    if len(value) <= 5 and value.casefold() in MISSING:
        return None
    return value


def cleaner(cells: list[str]) -> Callable[[str], str | None]:
    """`clean`, or the cheaper `trim` when the whole row shows that `clean` would only trim.

    Cells are joined with newlines, which no rule touches and nothing composes across, so the
    row holds a CR, a control character or non-NFC text exactly when one of its cells does.
    """
    joined = "\n".join(cells)
    if "\r" in joined or _CONTROL.search(joined) is not None:
        return clean
    if joined.isascii() or unicodedata.is_normalized("NFC", joined):
        return trim
    return clean
