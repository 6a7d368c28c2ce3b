"""One value's rules: e-mail, phone, graduation year and entry dates, with the reason a user reads."""

from __future__ import annotations

import pytest

from producer.ingest.outcomes import Reject
from producer.ingest.values import check_contacts, entry_date, grad_year
from shared.dates import PRESENT_WORDS

COLUMNS = {"email": "E-mail", "phone": "手机"}


@pytest.mark.parametrize("word", [*PRESENT_WORDS, "Currently", "目前", "TO DATE", "Present."])
def test_an_open_end_word_is_no_date_and_no_error(word) -> None:
    assert entry_date(word, "work_1_end") is None


@pytest.mark.parametrize(("text", "date"), [("2021", "2021"), ("Jun 2021", "2021-06"),
                                            ("2021年6月", "2021-06")])  # fmt: skip
def test_an_entry_date_keeps_its_precision(text, date) -> None:
    assert entry_date(text, "work_1_start") == date


def test_a_word_that_is_not_a_date_rejects_naming_the_column() -> None:
    with pytest.raises(Reject) as caught:
        entry_date("summer", "work_1_end")
    assert caught.value.column == "work_1_end"
    assert caught.value.reason == "'summer' is not a date; write 2021, 2021-06 or 2021-06-30"


def test_graduation_years() -> None:
    assert grad_year("class of 2024", "grad_year") == "2024"
    assert grad_year("2024届", "grad_year") == "2024"
    with pytest.raises(Reject, match="not a year between 1950 and 2100"):
        grad_year("2101", "grad_year")


def test_contacts_reject_with_the_column_the_file_names() -> None:
    check_contacts("ann@example.com", "+86 138-0013-8000", COLUMNS)
    check_contacts(None, None, COLUMNS)
    with pytest.raises(Reject) as caught:
        check_contacts("ann@", None, COLUMNS)
    assert caught.value.column == "E-mail"
    with pytest.raises(Reject) as caught:
        check_contacts(None, "12-34", COLUMNS)
    assert caught.value.reason == "phone '12-34' has fewer than 7 digits"
