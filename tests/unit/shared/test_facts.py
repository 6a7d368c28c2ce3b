"""Facts are what the producer stores per job; build_profile turns them into the Profile."""

from __future__ import annotations

import json
from pathlib import Path

from producer.ingest.pipeline import AcceptedRow, open_ingestion
from shared.facts import build_profile, content_hash, facts_json
from shared.profile import Profile

TABLE = (
    "id,name,email,language,work_1_company,work_1_start,work_1_end,work_1_highlights,"
    "project_1_description,project_1_keywords,edu_1_school,edu_1_courses,grad_year,experience\n"
    '1,Ann,a@example.com,en,Initech,Jun 2021,present,"- did x\n- did y",Built it,"python, go",'
    'MIT,"Algo; OS",class of 2024,Dev at Foo (2018 - 2019): stuff\n'
)


def _accepted(path: Path) -> list[AcceptedRow]:
    return [r for r in open_ingestion(path) if isinstance(r, AcceptedRow)]


def test_table_facts_are_plain_json_and_build_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "cohort.csv"
    path.write_text(TABLE, encoding="utf-8")
    [row] = _accepted(path)
    stored = json.loads(row.facts_json)  # what a worker reads back from jobs.profile
    assert stored["values"]["grad_year"] == "2024"
    assert "id" not in stored["values"]
    work = {"name": "Initech", "startDate": "2021-06", "highlights": "- did x\n- did y"}
    assert ["work", work, 1] in stored["groups"]  # "present" leaves the end date out
    profile = build_profile(stored)
    assert profile == row.profile
    assert [w.name for w in profile.work] == ["Initech", "Foo"]
    assert profile.projects[0].name == ""
    assert row.content_hash == content_hash(stored) == content_hash(facts_json(row.facts))


def test_jsonl_facts_hold_the_validated_profile(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_text('{"basics": {"name": "Ann", "x": 1}, "meta": {"language": "en"}}\n')
    [row] = _accepted(path)
    assert build_profile(json.loads(row.facts_json)) == row.profile
    assert row.profile.basics.name == "Ann"


def test_a_stored_profile_document_still_builds() -> None:
    """Jobs queued before facts existed hold the Profile's own JSON."""
    profile = build_profile({"basics": {"name": "Ann"}})
    assert profile == Profile.model_validate({"basics": {"name": "Ann"}})


def test_hash_ignores_key_order_and_follows_values() -> None:
    a = {"values": {"name": "Ann", "email": "a@x.org"}, "language": "en"}
    b = {"language": "en", "values": {"email": "a@x.org", "name": "Ann"}}
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "language": "zh"})
