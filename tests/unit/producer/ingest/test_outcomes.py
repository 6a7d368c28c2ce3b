"""A rejected row names whose row it was, cut to the lengths the report and database hold."""

from __future__ import annotations

from producer.ingest.outcomes import (
    COLUMN_MAX_CHARS,
    ID_MAX_CHARS,
    NAME_MAX_CHARS,
    RejectedRow,
    shorten,
)
from shared.db.models import RowErrorRecord


def test_a_rejected_row_cuts_a_huge_id_and_name_and_marks_the_cut() -> None:
    row = RejectedRow(2, "summary", "too long", "S" * 10_000, "王" * 10_000)
    assert row.external_id == "S" * (ID_MAX_CHARS - 1) + "…"
    assert row.name == "王" * (NAME_MAX_CHARS - 1) + "…"
    kept = RejectedRow(2, "email", "bad", "S" * ID_MAX_CHARS, "Ann")
    assert kept.external_id == "S" * ID_MAX_CHARS and kept.name == "Ann"
    assert RejectedRow(2, "", "bad", None, None).name is None


def test_shorten() -> None:
    assert shorten("abc", 3) == "abc"
    assert shorten("abcd", 3) == "ab…"
    assert shorten(None, 3) is None


def test_a_huge_header_cell_is_cut_to_what_row_errors_holds() -> None:
    row = RejectedRow(2, "h" * 5_000, "the cell has 25,000 characters", "S1", "Ann")
    assert row.column == "h" * (COLUMN_MAX_CHARS - 1) + "…"
    assert RowErrorRecord.__table__.c.column.type.length == COLUMN_MAX_CHARS
