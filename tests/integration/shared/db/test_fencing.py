"""Stores fenced by the claim, on SQLite and PostgreSQL: a chunk whose batch was deleted, or whose
jobs another run took over, stores nothing and advances nothing; a running chunk is not taken
by a second delivery while its process lives; purge removes resumes no job names."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update

from shared.db import heartbeats, jobs, resumes
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.models import Job, JobStage, JobStatus, ResumeOutput, ResumeRecord, utcnow
from shared.db.purge import purge_batch_rows, purge_unreferenced
from tests.integration.shared.db.test_jobs import make_batch


@pytest.fixture
def engine(db_url: str) -> Engine:
    upgrade(db_url)
    return make_engine(db_url)


def _written(claimed: list[jobs.ClaimedJob]) -> dict[int, int | resumes.NewResume]:
    return {
        j.id: resumes.NewResume(
            j.institution_id,
            j.person_key,
            j.content_hash,
            "en:template",
            "template",
            {"basics": {"name": f"Person {j.id}", "email": f"p{j.id}@example.edu"}},
        )
        for j in claimed
    }


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_a_write_chunk_finishing_after_its_batch_was_deleted_stores_nothing(
    engine: Engine,
) -> None:
    ids = make_batch(engine, 4)
    claim = jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    purge_batch_rows(engine, "b1")  # the user deletes the batch while the chunk writes
    assert jobs.advance_to_render(engine, claim.jobs, _written(claim.jobs), 600) == []
    assert _count(engine, ResumeRecord) == 0


def test_a_render_chunk_finishing_after_its_batch_was_deleted_stores_nothing(
    engine: Engine,
) -> None:
    ids = make_batch(engine, 3)
    writing = jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    assert jobs.advance_to_render(engine, writing.jobs, _written(writing.jobs), 600) == ids
    rendering = jobs.claim(engine, ids, JobStage.RENDER, 3, 600)
    files = [(j.resume_id, "md", b"# Person") for j in rendering.jobs]
    rows = purge_batch_rows(engine, "b1")
    assert (rows.jobs, rows.resumes) == (3, 3)
    assert jobs.finish(engine, rendering.jobs, files) == []  # type: ignore[arg-type]
    assert _count(engine, ResumeOutput) == _count(engine, ResumeRecord) == 0


def test_a_delete_waits_for_a_store_in_flight_and_removes_what_it_stored(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The store holds the jobs' rows until it commits: the delete that comes meanwhile waits,
    then deletes the resumes just stored."""
    ids = make_batch(engine, 5)
    claim = jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    written = _written(claim.jobs)
    started = threading.Event()
    real_insert = resumes.insert_resumes

    def slow_insert(conn, records):  # type: ignore[no-untyped-def]
        # The store has fenced its jobs: let the delete start now, and commit a moment later.
        started.set()
        time.sleep(1.0)
        return real_insert(conn, records)

    outcome: dict[str, object] = {}
    monkeypatch.setattr(resumes, "insert_resumes", slow_insert)
    store = threading.Thread(
        target=lambda: outcome.update(
            moved=jobs.advance_to_render(engine, claim.jobs, written, 600)
        )
    )
    store.start()
    assert started.wait(10)
    purged = purge_batch_rows(engine, "b1")
    store.join(30)
    assert outcome["moved"] == ids  # the store went first...
    assert purged.resumes == 5  # ...and the delete saw and removed what it stored
    assert _count(engine, ResumeRecord) == 0


def test_a_stale_run_cannot_store_or_advance(engine: Engine) -> None:
    ids = make_batch(engine, 2)
    stale = jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    # The first run outlived its deadline; the reconciler re-sent the chunk and a new run took it.
    with engine.begin() as conn:
        conn.execute(update(Job).values(deadline_at=utcnow() - timedelta(seconds=1)))
    fresh = jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    assert [j.attempts for j in fresh.jobs] == [2, 2]
    assert jobs.advance_to_render(engine, stale.jobs, _written(stale.jobs), 600) == []
    assert _count(engine, ResumeRecord) == 0
    assert jobs.advance_to_render(engine, fresh.jobs, _written(fresh.jobs), 600) == ids
    with engine.connect() as conn:
        rows = conn.execute(select(Job.stage, Job.status, Job.last_error)).all()
    assert {tuple(r) for r in rows} == {(JobStage.RENDER, JobStatus.QUEUED, None)}


def test_a_running_chunk_is_left_to_its_live_process(engine: Engine) -> None:
    ids = make_batch(engine, 3)
    jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    # Held by another process that lives (this test's parent), then by one that is gone.
    alive = heartbeats.identity(pid=os.getppid())
    dead = heartbeats.identity(pid=2**22 + 999)
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id.in_(ids[:2])).values(claimed_by=alive))
        conn.execute(update(Job).where(Job.id == ids[2]).values(claimed_by=dead))
    again = jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    assert [j.id for j in again.jobs] == [ids[2]]
    # Past the job deadline the live holder's run is over (hard time limit < deadline).
    with engine.begin() as conn:
        conn.execute(
            update(Job).where(Job.id == ids[0]).values(deadline_at=utcnow() - timedelta(seconds=1))
        )
    assert [j.id for j in jobs.claim(engine, ids, JobStage.WRITE, 3, 600).jobs] == [ids[0], ids[2]]
    with engine.connect() as conn:
        attempts = dict(conn.execute(select(Job.id, Job.attempts)).all())
    assert attempts == {ids[0]: 2, ids[1]: 1, ids[2]: 3}
    # The broker's retry of a chunk whose run raised (a dropped connection): that run is over.
    retried = jobs.claim(engine, [ids[1]], JobStage.WRITE, 3, 600, retry=True)
    assert [j.id for j in retried.jobs] == [ids[1]]


def test_purge_removes_resumes_no_job_names(engine: Engine) -> None:
    ids = make_batch(engine, 2)
    claim = jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    jobs.advance_to_render(engine, claim.jobs, _written(claim.jobs), 600)
    # Left behind by a delete before stores were fenced: a resume and its file, no job.
    [orphan] = resumes.store_resumes(
        engine,
        [resumes.NewResume("uni", "gone", "h", "en:template", "template", {"basics": {}})],
    )
    resumes.store_outputs(engine, [(orphan, "md", b"# Gone Person")])
    assert purge_unreferenced(engine) == (1, 1)
    with engine.connect() as conn:
        left = set(conn.scalars(select(ResumeRecord.id)))
        named = set(conn.scalars(select(Job.resume_id)))
    assert left == named and orphan not in left
    assert purge_unreferenced(engine) == (0, 0)
