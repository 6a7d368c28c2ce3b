"""store_batch on SQLite and PostgreSQL: jobs hold the row's facts exactly (COPY escaping
included), workers build the same Profile from them, and unchanged rows reuse written resumes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from producer.dispatch import store_batch
from producer.ingest.pipeline import AcceptedRow, open_ingestion
from shared.db import resumes
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.models import Job, JobStage
from shared.facts import build_profile

ROWS = [
    ["id", "name", "email", "summary", "experience", "work_1_company", "work_1_end"],
    ["s\\1", "Ann \\ Lee", "a@example.com", "line one\nline\ttwo \\n not a newline", "", "", ""],
    ["s2", "Bo\tTab", "", 'quote " and \\\\ two', "Dev at Foo (2018 - 2019): x", "Initech", "now"],
    ["s3\nnext", "李雷", "", "", "", "", ""],
    ["s4", "Dee", "not-an-email", "", "", "", ""],
]


@pytest.fixture
def engine(db_url: str) -> Engine:
    upgrade(db_url)
    return make_engine(db_url)


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(ROWS)
    return path


def _jobs(engine: Engine, batch_id: str) -> list[Job]:
    with engine.connect() as conn:
        return list(conn.execute(select(Job).where(Job.batch_id == batch_id).order_by(Job.line)))


def test_jobs_hold_the_facts_and_build_the_same_profile(engine: Engine, cohort: Path) -> None:
    accepted = [r for r in open_ingestion(cohort) if isinstance(r, AcceptedRow)]
    stored = store_batch(engine, open_ingestion(cohort), institution_id="uni", options={})
    assert (stored.accepted, stored.rejected, stored.reused) == (3, 1, 0)
    jobs = _jobs(engine, stored.id)
    assert [(j.line, j.external_id, j.name) for j in jobs] == [
        (r.line, r.external_id, r.name) for r in accepted
    ]
    assert jobs[0].name == "Ann \\ Lee" and jobs[1].name == "Bo\tTab"
    assert jobs[2].external_id == "s3\nnext"
    for job, row in zip(jobs, accepted, strict=True):
        assert job.profile == json.loads(row.facts_json)
        assert job.content_hash == row.content_hash
        assert job.stage == JobStage.WRITE and job.resume_id is None
        assert build_profile(job.profile) == row.profile
    assert accepted[0].profile.basics.summary == "line one\nline\ttwo \\n not a newline"


def test_an_unchanged_row_reuses_its_written_resume(engine: Engine, cohort: Path) -> None:
    first = store_batch(engine, open_ingestion(cohort), institution_id="uni", options={})
    job = _jobs(engine, first.id)[0]
    [resume_id] = resumes.store_resumes(
        engine,
        [
            resumes.NewResume(
                institution_id="uni", person_key=job.person_key, content_hash=job.content_hash,
                variant=f"{job.language}:template", writer="template", document={},
            )
        ],
    )  # fmt: skip
    again = store_batch(engine, open_ingestion(cohort), institution_id="uni", options={})
    assert again.reused == 1
    reused = _jobs(engine, again.id)[0]
    assert (reused.stage, reused.resume_id) == (JobStage.RENDER, resume_id)
    assert all(j.resume_id is None for j in _jobs(engine, again.id)[1:])
