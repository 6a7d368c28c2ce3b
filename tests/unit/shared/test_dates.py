"""Dates keep the precision they were written with; one list of words means "still ongoing"."""

from __future__ import annotations

import pytest

from shared.dates import PRESENT_WORDS, find_dates, is_present, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021", "2021"),
        ("Jun 2021", "2021-06"),
        ("June 2021", "2021-06"),
        ("2021年6月", "2021-06"),
        ("2021.06", "2021-06"),
        ("2021-06", "2021-06"),
        ("2021/6", "2021-06"),
        ("06/2021", "2021-06"),
        ("2021-06-30", "2021-06-30"),
        ("2021年6月3日", "2021-06-03"),
        ("2021.13", None),
        ("1949", None),
        ("summer", None),
    ],
)
def test_dates_keep_their_precision(text, expected) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("word", PRESENT_WORDS)
def test_every_open_end_word_in_any_case_is_present_alone_and_ends_a_range(word) -> None:
    for spelling in (word, word.upper(), word.title(), f"  {word.capitalize()}. "):
        assert is_present(spelling), spelling
        found = find_dates(f"Analyst, Acme (2021-06 - {spelling.strip()})")
        assert found is not None and (found.start, found.end) == ("2021-06", None), spelling


@pytest.mark.parametrize("text", ["2021", "presently", "nowhere", "current job", "今年", ""])
def test_other_text_is_not_an_open_end(text) -> None:
    assert not is_present(text)


def test_a_long_word_is_preferred_over_its_prefix() -> None:
    found = find_dates("Tutor (2019 – currently): reading club")
    assert found is not None and found.end is None
    assert "currently" in "Tutor (2019 – currently): reading club"[found.span[0] : found.span[1]]


@pytest.mark.parametrize(
    "text",
    ["Tutor (2019 to date)", "Tutor, Library, 2019 till now", "Tutor 2019 until present",
     "2019年9月至今 图书馆 助理", "2019年9月迄今 图书馆 助理", "Tutor (2019 - To Date)"],
)  # fmt: skip
def test_an_open_end_without_a_separator_is_still_open(text) -> None:
    found = find_dates(text)
    assert found is not None and found.start.startswith("2019") and found.end is None
