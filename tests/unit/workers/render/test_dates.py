"""Dates keep their precision: a year stays a year, a month never gains a day."""

from __future__ import annotations

import pytest

from workers.render.dates import format_date, format_range


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        ("2024", "2024", "2024年"),
        ("2024-06", "Jun 2024", "2024年6月"),
        ("2024-06-30", "30 Jun 2024", "2024年6月30日"),
        ("2024-01", "Jan 2024", "2024年1月"),
        (None, "", ""),
        ("", "", ""),
        # Not a partial ISO date: shown as given, never guessed into one.
        ("Spring 2024", "Spring 2024", "Spring 2024"),
        ("2024-13", "2024-13", "2024-13"),
    ],
)
def test_format_date(value: str | None, en: str, zh: str) -> None:
    assert format_date(value, "en") == en
    assert format_date(value, "zh") == zh


@pytest.mark.parametrize(
    ("start", "end", "en", "zh"),
    [
        ("2020", "2024", "2020 – 2024", "2020年 – 2024年"),
        ("2023-06", None, "Jun 2023 – Present", "2023年6月 – 至今"),
        (None, "2024", "2024", "2024年"),
        ("2022", "2022", "2022", "2022年"),
        (None, None, "", ""),
    ],
)
def test_format_range(start: str | None, end: str | None, en: str, zh: str) -> None:
    assert format_range(start, end, "en") == en
    assert format_range(start, end, "zh") == zh


def test_a_bare_year_never_becomes_a_month() -> None:
    for language in ("en", "zh"):
        shown = format_range("2021", None, language)  # type: ignore[arg-type]
        assert "Jan" not in shown and "1月" not in shown and "-01" not in shown
