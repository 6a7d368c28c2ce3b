"""Who a row is about: one duplicate-id rule and one name rule for tables and JSON Resume lines."""

from __future__ import annotations

import json

from producer.ingest.identity import person_key
from producer.ingest.outcomes import ID_MAX_CHARS, NAME_MAX_CHARS
from producer.ingest.pipeline import AcceptedRow, RejectedRow
from shared.db.models import Job, RowErrorRecord

from .conftest import by_line


def test_duplicate_ids_reject_later_rows_naming_the_first(ingest) -> None:
    _, outcomes = ingest("学号,姓名\nS1,Ann\nS2,Bo\nS1,Ann again\nS1,Ann thrice\n")
    rows = by_line(outcomes)
    assert isinstance(rows[2], AcceptedRow) and isinstance(rows[3], AcceptedRow)
    for line in (4, 5):
        rejected = rows[line]
        assert isinstance(rejected, RejectedRow)
        assert (rejected.column, rejected.reason) == ("学号", "id 'S1' is a duplicate of line 2")
        assert rejected.external_id == "S1"


def test_duplicate_ids_in_json_resume_lines_follow_the_same_rule(ingest) -> None:
    lines = [
        {"id": "S1", "basics": {"name": "Ann"}},
        {"id": "S1", "basics": {"name": "Ann again"}},
        # A duplicate is named as one even when the line has other faults too, as in tables.
        {"id": "S1", "basics": {}},
        {"id": 7, "basics": {"name": "Bo"}},
        {"id": "7", "basics": {"name": "Bo again"}},
    ]
    _, outcomes = ingest("".join(json.dumps(x) + "\n" for x in lines), name="p.jsonl")
    rows = by_line(outcomes)
    assert isinstance(rows[1], AcceptedRow) and isinstance(rows[4], AcceptedRow)
    for line, first, name in ((2, 1, "Ann again"), (3, 1, None), (5, 4, "Bo again")):
        rejected = rows[line]
        assert isinstance(rejected, RejectedRow)
        assert rejected.column == "id"
        assert rejected.reason == f"id {rejected.external_id!r} is a duplicate of line {first}"
        assert rejected.name == name


def test_the_first_row_with_an_id_claims_it_even_when_rejected(ingest) -> None:
    _, outcomes = ingest("id,name,email\nS1,Ann,ann@\nS1,Ann,ann@example.com\n")
    assert [o.reason for o in outcomes if isinstance(o, RejectedRow)] == [
        "email 'ann@' is not a valid e-mail address",
        "id 'S1' is a duplicate of line 2",
    ]


def test_ids_and_names_longer_than_the_database_holds_are_rejected_not_stored(ingest) -> None:
    """A 201-character id or a 501-character name would fail the INSERT on PostgreSQL."""
    long_id, long_name = "S" * 201, "N" * 501
    _, outcomes = ingest(f"id,name\n{long_id},Ann\nS2,{long_name}\nS3,{'N' * 500}\n")
    first, second, third = outcomes
    assert isinstance(first, RejectedRow) and first.column == "id"
    assert first.reason == "id has 201 characters; the limit is 200"
    assert first.external_id == "S" * 199 + "…" and first.name == "Ann"
    assert isinstance(second, RejectedRow) and second.column == "name"
    assert second.reason == "name has 501 characters; the limit is 500"
    assert second.name == "N" * 499 + "…" and second.external_id == "S2"
    assert isinstance(third, AcceptedRow) and third.name == "N" * 500
    _, outcomes = ingest(json.dumps({"basics": {"name": long_name}}) + "\n", name="p.jsonl")
    assert outcomes[0].reason == "name has 501 characters; the limit is 500"


def test_the_limits_are_the_lengths_of_the_columns_that_store_them() -> None:
    for table in (Job, RowErrorRecord):
        assert table.__table__.c.external_id.type.length == ID_MAX_CHARS
        assert table.__table__.c.name.type.length == NAME_MAX_CHARS


def test_person_key_prefers_id_then_email_then_name_and_phone() -> None:
    by_id = person_key("uni", "S1", "a@example.com", "Ann", "555 0100")
    assert by_id == person_key("uni", "S1", "other@example.com", "Other", None)
    assert by_id != person_key("agency", "S1", "a@example.com", "Ann", "555 0100")
    assert person_key("uni", None, "A@Example.com", "Ann", None) == person_key(
        "uni", None, "a@example.com", "Someone", "1"
    )
    assert person_key("uni", None, None, "Ann", "555-0100") == person_key(
        "uni", None, None, "Ann", "(555) 0100"
    )
    assert len(by_id) == 32
