"""The rules for one value of a row: e-mail, phone, graduation year and entry dates."""

from __future__ import annotations

import re

from producer.ingest.outcomes import Reject
from shared.dates import is_present, parse_date

_EMAIL = re.compile(
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}"
)
_DIGIT = re.compile(r"\d")
_GRAD_CLASS = re.compile(r"(?:class\s+of\s+)?(\d{4})(?:\.0+)?\s*(?:届|级)?", re.IGNORECASE)


def check_contacts(email: str | None, phone: str | None, columns: dict[str, str]) -> None:
    """Raise Reject when the e-mail is not an address or the phone has fewer than 7 digits."""
    if email is not None and (len(email) > 254 or _EMAIL.fullmatch(email) is None):
        raise Reject(columns["email"], f"email {email!r} is not a valid e-mail address")
    if phone is not None and len(_DIGIT.findall(phone)) < 7:
        raise Reject(columns["phone"], f"phone {phone!r} has fewer than 7 digits")


def grad_year(value: str, column: str) -> str:
    """A plain year, "class of 2024"/"2024届", or a date ("2024-06", "2024年6月") whose precision
    is kept; raise Reject when it is none of these or outside 1950-2100."""
    match = _GRAD_CLASS.fullmatch(value)
    date = match[1] if match else parse_date(value)
    if date is None or not 1950 <= int(date[:4]) <= 2100:
        raise Reject(column, f"grad_year {value!r} is not a year between 1950 and 2100")
    return date


def entry_date(value: str, column: str) -> str | None:
    """A start or end date cell as a partial date; None for an open end ("present", "至今",
    any word of shared.dates.PRESENT_WORDS); raise Reject when it is not a date."""
    if is_present(value):
        return None
    date = parse_date(value)
    if date is None:
        raise Reject(column, f"{value!r} is not a date; write 2021, 2021-06 or 2021-06-30")
    return date
