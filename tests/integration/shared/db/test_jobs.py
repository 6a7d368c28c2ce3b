"""The job state machine on SQLite and on the real PostgreSQL: redelivery never finishes a job twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select, update

from shared.db import batches, jobs, resumes
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.models import Batch, Job, JobStage, JobStatus, ResumeRecord, utcnow


@pytest.fixture
def engine(db_url: str) -> Engine:
    upgrade(db_url)
    return make_engine(db_url)


def make_batch(engine: Engine, n: int, batch_id: str = "b1") -> list[int]:
    batches.ensure_institution(engine, "uni")
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Batch).values(
                id=batch_id, institution_id="uni", filename="x.csv", status="queued",
                options={"formats": ["md"]}, warnings=[], rows=n, accepted=n, created_at=now,
            )
        )  # fmt: skip
        conn.execute(
            insert(Job),
            [
                {
                    "batch_id": batch_id, "institution_id": "uni", "line": i + 2,
                    "external_id": f"s{i}", "name": f"Person {i}", "person_key": f"k{i}",
                    "content_hash": f"h{i}", "language": "en",
                    "profile": {"basics": {"name": f"Person {i}"}},
                    "status": jobs.PENDING, "stage": JobStage.WRITE, "attempts": 0,
                    "updated_at": now,
                }
                for i in range(n)
            ],
        )  # fmt: skip
        return list(conn.scalars(select(Job.id).where(Job.batch_id == batch_id).order_by(Job.id)))


def a_resume(engine: Engine) -> int:
    record = resumes.NewResume(
        "uni", "k", "h", "en:template", "template", {"basics": {"name": "A"}}
    )
    return resumes.store_resumes(engine, [record])[0]


def statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Job.status, func.count()).group_by(Job.status)).all())


def test_window_bounds_what_is_sent_and_interleaves(engine: Engine) -> None:
    ids = make_batch(engine, 100)
    sent = jobs.release_window(engine, "b1", chunk_size=10, window_chunks=3, deadline_s=60)
    assert [len(c) for _, c in sent] == [10, 10, 10]
    assert sent[0][1] == ids[:10]
    # Full window: nothing more until a chunk finishes.
    assert jobs.release_window(engine, "b1", 10, 3, 60) == []
    claim = jobs.claim(engine, sent[0][1], JobStage.WRITE, 3, 60)
    jobs.advance_to_render(engine, {j.id: a_resume(engine) for j in claim.jobs}, 60)
    claim = jobs.claim(engine, sent[0][1], JobStage.RENDER, 3, 60)
    assert jobs.finish(engine, [j.id for j in claim.jobs]) == sent[0][1]
    nxt = jobs.release_window(engine, "b1", 10, 3, 60)
    assert [c for _, c in nxt] == [ids[30:40]]


def test_redelivered_chunk_does_not_finish_twice(engine: Engine) -> None:
    ids = make_batch(engine, 5)
    jobs.release_window(engine, "b1", 5, 1, 60)
    first = jobs.claim(engine, ids, JobStage.WRITE, 3, 60)
    assert [j.id for j in first.jobs] == ids
    jobs.advance_to_render(engine, {i: a_resume(engine) for i in ids}, 60)
    jobs.claim(engine, ids, JobStage.RENDER, 3, 60)
    assert jobs.finish(engine, ids) == ids
    # The same message again, for both stages: nothing is claimed, nothing is finished again.
    assert jobs.claim(engine, ids, JobStage.WRITE, 3, 60).jobs == []
    assert jobs.claim(engine, ids, JobStage.RENDER, 3, 60).jobs == []
    assert jobs.finish(engine, ids) == []
    assert statuses(engine) == {JobStatus.DONE: 5}


def test_attempts_are_capped_and_dead_keeps_last_error(engine: Engine) -> None:
    ids = make_batch(engine, 2)
    for _ in range(3):
        claim = jobs.claim(engine, ids, JobStage.WRITE, max_attempts=3, deadline_s=60)
        assert len(claim.jobs) == 2
        jobs.fail(engine, {ids[0]: "boom"}, max_attempts=10)
    # The fourth delivery: job 0 failed three times, job 1 was lost three times (worker killed).
    claim = jobs.claim(engine, ids, JobStage.WRITE, max_attempts=3, deadline_s=60)
    assert claim.jobs == [] and sorted(claim.dead) == ids
    with engine.connect() as conn:
        errors = dict(conn.execute(select(Job.id, Job.last_error)).all())
    assert errors[ids[0]].startswith("boom")
    assert "gave up after 3 attempts" in errors[ids[1]]


def test_stale_jobs_are_resent_once_per_deadline(engine: Engine) -> None:
    ids = make_batch(engine, 4)
    jobs.release_window(engine, "b1", 4, 1, 60)
    jobs.claim(engine, ids[:2], JobStage.WRITE, 3, 60)
    past = utcnow() - timedelta(seconds=1)
    with engine.begin() as conn:
        conn.execute(update(Job).values(deadline_at=past))
    # Broker queue not empty: only the running jobs past their deadline come back.
    groups = jobs.take_stale(engine, retry_delay_s=5, deadline_s=60, include_queued=False)
    assert [(g.stage, g.job_ids) for g in groups] == [(JobStage.WRITE, ids[:2])]
    # Broker empty (messages lost): the queued ones too, and each only once per deadline.
    groups = jobs.take_stale(engine, retry_delay_s=5, deadline_s=60, include_queued=True)
    assert [g.job_ids for g in groups] == [ids[2:]]
    assert jobs.take_stale(engine, retry_delay_s=5, deadline_s=60, include_queued=True) == []


def test_resume_store_is_idempotent(engine: Engine) -> None:
    batches.ensure_institution(engine, "uni")
    record = resumes.NewResume(
        "uni", "k1", "h1", "en:template", "template", {"basics": {"name": "A"}}
    )
    first = resumes.store_resumes(engine, [record])
    again = resumes.store_resumes(engine, [record, record])
    assert again == first * 2
    resumes.store_outputs(engine, [(first[0], "md", b"# A")])
    resumes.store_outputs(engine, [(first[0], "md", b"# A"), (first[0], "json", b"{}")])
    assert resumes.stored_formats(engine, first) == {first[0]: {"md", "json"}}
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ResumeRecord)) == 1
    found = resumes.find_existing(engine, "uni", "en:template", [("k1", "h1"), ("k2", "h2")])
    assert found == {("k1", "h1"): first[0]}


def test_batch_completion_is_detected_in_sql(engine: Engine) -> None:
    ids = make_batch(engine, 3)
    assert batches.refresh_status(engine, "b1") == "queued"
    jobs.release_window(engine, "b1", 3, 1, 60)
    jobs.claim(engine, ids, JobStage.WRITE, 3, 60)
    assert batches.refresh_status(engine, "b1") == "in_progress"
    jobs.advance_to_render(engine, {i: a_resume(engine) for i in ids}, 60)
    jobs.claim(engine, ids, JobStage.RENDER, 3, 60)
    jobs.finish(engine, ids)
    obj = batches.batch_object(engine, "b1")
    assert obj["status"] == "completed" and obj["finished_at"]
    assert obj["counts"]["done"] == 3 and obj["counts"]["queued"] == 0
