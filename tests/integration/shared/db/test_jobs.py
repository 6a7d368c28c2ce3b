"""The job state machine on SQLite and on the real PostgreSQL: redelivery never finishes a job twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select, update

from shared import batch_status
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
    jobs.advance_to_render(engine, claim.jobs, {j.id: a_resume(engine) for j in claim.jobs}, 60)
    claim = jobs.claim(engine, sent[0][1], JobStage.RENDER, 3, 60)
    assert jobs.finish(engine, claim.jobs) == sent[0][1]
    nxt = jobs.release_window(engine, "b1", 10, 3, 60)
    assert [c for _, c in nxt] == [ids[30:40]]


def test_redelivered_chunk_does_not_finish_twice(engine: Engine) -> None:
    ids = make_batch(engine, 5)
    jobs.release_window(engine, "b1", 5, 1, 60)
    first = jobs.claim(engine, ids, JobStage.WRITE, 3, 60)
    assert [j.id for j in first.jobs] == ids
    jobs.advance_to_render(engine, first.jobs, {i: a_resume(engine) for i in ids}, 60)
    rendering = jobs.claim(engine, ids, JobStage.RENDER, 3, 60)
    assert jobs.finish(engine, rendering.jobs) == ids
    # The same message again, for both stages: nothing is claimed, nothing is finished again.
    assert jobs.claim(engine, ids, JobStage.WRITE, 3, 60).jobs == []
    assert jobs.claim(engine, ids, JobStage.RENDER, 3, 60).jobs == []
    assert jobs.finish(engine, rendering.jobs) == []
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


def _backoff(attempts: int) -> int:
    return 5 * 2 ** (attempts - 1)


def test_stale_jobs_are_resent_once_per_deadline(engine: Engine) -> None:
    ids = make_batch(engine, 4)
    jobs.release_window(engine, "b1", 4, 1, 60)
    jobs.claim(engine, ids[:2], JobStage.WRITE, 3, 60)
    past = utcnow() - timedelta(seconds=1)
    with engine.begin() as conn:
        conn.execute(update(Job).values(deadline_at=past))
    # Broker queue not empty: only the running jobs past their deadline come back.
    groups = jobs.take_stale(engine, retry_after_s=_backoff, deadline_s=60)
    assert [(g.stage, g.job_ids) for g in groups] == [(JobStage.WRITE, ids[:2])]
    # The write queue is empty but the queued jobs were sent a moment ago: not lost yet.
    assert (
        jobs.take_stale(
            engine, retry_after_s=_backoff, deadline_s=60, empty_stages={"write": ["b1"]}
        )
        == []
    )
    with engine.begin() as conn:
        conn.execute(update(Job).values(updated_at=utcnow() - timedelta(seconds=20)))
    # Queued for 20 s with nothing in the queue: lost, re-sent once.
    groups = jobs.take_stale(
        engine, retry_after_s=_backoff, deadline_s=60, empty_stages={"write": ["b1"]},
        lost_queued_after_s=15,
    )  # fmt: skip
    assert [g.job_ids for g in groups] == [ids]
    assert (
        jobs.take_stale(
            engine, retry_after_s=_backoff, deadline_s=60, empty_stages={"write": ["b1"]}
        )
        == []
    )


def test_running_jobs_of_a_gone_claimer_are_resent_at_once(engine: Engine) -> None:
    from shared.db import heartbeats

    ids = make_batch(engine, 4)
    jobs.release_window(engine, "b1", 4, 1, 600)
    jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    me = heartbeats.identity()
    # Alive (this process): nothing to re-send before the 600 s deadline.
    assert heartbeats.gone(engine, jobs.running_claimers(engine)) == set()
    # Two other claimers: a pid of this machine that no longer exists, and a process on
    # another host whose heartbeat row stopped 30 s ago.
    dead_here = heartbeats.identity(pid=2**22 + 12345)
    elsewhere = "other-host/1:42"
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == ids[1]).values(claimed_by=dead_here))
        conn.execute(update(Job).where(Job.id == ids[2]).values(claimed_by=elsewhere))
        conn.execute(update(Job).where(Job.id == ids[3]).values(claimed_by="third-host/1:7"))
    heartbeats.beat(engine, elsewhere, heartbeats.Kind.CLAIMER)
    heartbeats.beat(engine, "third-host/1:7", heartbeats.Kind.CLAIMER)
    from shared.db.models import Heartbeat

    with engine.begin() as conn:
        conn.execute(
            update(Heartbeat)
            .where(Heartbeat.id == elsewhere)
            .values(seen_at=utcnow() - timedelta(seconds=30))
        )
    gone = heartbeats.gone(engine, jobs.running_claimers(engine))
    assert gone == {dead_here, elsewhere}
    groups = jobs.take_stale(engine, retry_after_s=_backoff, deadline_s=600, gone_claimers=gone)
    assert [g.job_ids for g in groups] == [[ids[1], ids[2]]]
    with engine.connect() as conn:
        status = dict(conn.execute(select(Job.id, Job.status)).all())
    assert status[ids[0]] == status[ids[3]] == JobStatus.RUNNING
    assert me != dead_here


def test_failed_jobs_wait_for_their_backoff(engine: Engine) -> None:
    ids = make_batch(engine, 1)
    jobs.release_window(engine, "b1", 4, 1, 600)
    for attempt in (1, 2):
        jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
        failed = jobs.fail_claimed(engine, ids, JobStage.WRITE, "database error: no", 3)
        assert failed == ids
        wait = _backoff(attempt)
        with engine.begin() as conn:
            conn.execute(update(Job).values(updated_at=utcnow() - timedelta(seconds=wait - 2)))
        assert jobs.take_stale(engine, retry_after_s=_backoff, deadline_s=600) == []
        with engine.begin() as conn:
            conn.execute(update(Job).values(updated_at=utcnow() - timedelta(seconds=wait + 1)))
        assert [
            g.job_ids for g in jobs.take_stale(engine, retry_after_s=_backoff, deadline_s=600)
        ] == [ids]
    jobs.claim(engine, ids, JobStage.WRITE, 3, 600)
    jobs.fail_claimed(engine, ids, JobStage.WRITE, "database error: still no", 3)
    with engine.connect() as conn:
        status, error = conn.execute(select(Job.status, Job.last_error)).one()
    assert (status, error) == (JobStatus.DEAD, "database error: still no")


def test_abandoned_upload_is_failed_and_its_jobs_removed(engine: Engine) -> None:
    from shared.db import heartbeats

    make_batch(engine, 5)
    with engine.begin() as conn:
        conn.execute(update(Batch).values(status="validating"))
    # The submit that stored it was a process of this machine that is gone.
    dead = f"b1|{heartbeats.identity(pid=2**22 + 4321)}"
    heartbeats.beat(engine, dead, heartbeats.Kind.SUBMIT)
    make_batch(engine, 3, batch_id="b2")
    with engine.begin() as conn:
        conn.execute(update(Batch).where(Batch.id == "b2").values(status="validating"))
    heartbeats.beat(engine, batches.submit_heartbeat_id("b2"), heartbeats.Kind.SUBMIT)
    assert batches.clean_abandoned(engine) == 1
    obj = batch_status.batch_object(engine, "b1")
    assert obj.status == "failed" and "abandoned" in obj.warnings[0]
    with engine.connect() as conn:
        left = dict(conn.execute(select(Job.batch_id, func.count()).group_by(Job.batch_id)).all())
    assert left == {"b2": 3}


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
    writing = jobs.claim(engine, ids, JobStage.WRITE, 3, 60)
    assert batches.refresh_status(engine, "b1") == "in_progress"
    jobs.advance_to_render(engine, writing.jobs, {i: a_resume(engine) for i in ids}, 60)
    jobs.finish(engine, jobs.claim(engine, ids, JobStage.RENDER, 3, 60).jobs)
    obj = batch_status.batch_object(engine, "b1")
    assert obj.status == "completed" and obj.finished_at
    assert obj.counts.done == 3 and obj.counts.queued == 0


def test_a_batch_the_broker_refused_never_runs_later(engine: Engine) -> None:
    from shared.policy import Policy
    from shared.reconcile import reconcile

    make_batch(engine, 6)
    jobs.release_window(engine, "b1", 4, 1, 600)  # moved to queued, then the send failed
    batches.fail_unqueued(engine, "b1", "the broker refused the work (invalid password)")
    sent: list[tuple[str, str, list[int]]] = []
    policy = Policy(chunk_size=4, window_chunks=2, deadline_s=600, retry_delay_s=5)
    reconcile(engine, lambda t, b, ids: sent.append((t, b, ids)), policy, lambda q: 0)
    assert sent == []
    obj = batch_status.batch_object(engine, "b1")
    assert obj.status == "failed" and "invalid password" in obj.warnings[0]
    assert obj.counts.queued == 0 and obj.stalled is False
