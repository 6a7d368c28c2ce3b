"""The batch object's pace: rate over the last minute, ETA, and a stalled flag that names the cause."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, update

from shared import batch_status
from shared.db import batches, heartbeats
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.models import Batch, Job, JobStatus, utcnow
from tests.integration.shared.db.test_jobs import make_batch


@pytest.fixture
def engine(db_url: str) -> Engine:
    upgrade(db_url)
    return make_engine(db_url)


def _finish(engine: Engine, ids: list[int], seconds_ago: float) -> None:
    at = utcnow() - timedelta(seconds=seconds_ago)
    with engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(status=JobStatus.DONE, finished_at=at, updated_at=at)
        )


def test_rate_and_eta_count_the_last_minute(engine: Engine) -> None:
    ids = make_batch(engine, 100)
    with engine.begin() as conn:
        conn.execute(update(Batch).values(status="in_progress"))
    _finish(engine, ids[:30], seconds_ago=600)  # long ago: not in the rate
    _finish(engine, ids[30:60], seconds_ago=10)  # 30 in the last minute: 0.5/s
    obj = batch_status.batch_object(engine, "b1")
    assert obj.rate_per_s == 0.5
    assert obj.eta_s == 80.0  # 40 left at 0.5/s
    assert obj.stalled is False and obj.stalled_reason is None


def test_a_batch_with_no_finish_for_90_s_is_stalled_and_says_why(engine: Engine) -> None:
    ids = make_batch(engine, 10)
    with engine.begin() as conn:
        conn.execute(update(Batch).values(status="in_progress"))
    _finish(engine, ids[:2], seconds_ago=120)
    obj = batch_status.batch_object(engine, "b1")
    assert obj.status == "in_progress" and obj.stalled is True
    assert obj.eta_s is None and obj.rate_per_s == 0
    reason = obj.stalled_reason
    assert reason.startswith("no job has finished for 120 s")
    assert "start `cohortcv worker`" in reason and "start `cohortcv beat`" in reason
    # A worker and a reconciler alive: the cause is elsewhere, and the flag says so.
    heartbeats.beat(engine, "w1", heartbeats.Kind.WORKER)
    heartbeats.beat(engine, "reconciler", heartbeats.Kind.RECONCILER)
    reason = batch_status.batch_object(engine, "b1").stalled_reason
    assert "cohortcv beat" not in reason and "a chunk may be stuck" in reason
    # A completed batch is never stalled.
    _finish(engine, ids[2:], seconds_ago=200)
    obj = batch_status.batch_object(engine, "b1")
    assert obj.status == "completed" and obj.stalled is False and obj.eta_s == 0


def test_a_completed_batch_reports_its_average_rate_over_its_run(engine: Engine) -> None:
    ids = make_batch(engine, 50)
    with engine.begin() as conn:  # uploaded 100 s ago
        conn.execute(update(Batch).values(created_at=utcnow() - timedelta(seconds=100)))
    _finish(engine, ids, seconds_ago=5)  # all 50 in the last minute: 0.833/s over it
    obj = batch_status.batch_object(engine, "b1")
    assert obj.status == "completed" and obj.finished_at is not None
    run = (
        datetime.fromisoformat(obj.finished_at) - datetime.fromisoformat(obj.created_at)
    ).total_seconds()
    assert 95 <= run <= 110
    assert obj.rate_per_s == round(50 / run, 3)  # 50 resumes over the whole run, ~0.5/s
    # It stays the same later: no "last minute" of a batch that has ended.
    with engine.begin() as conn:
        conn.execute(update(Job).values(finished_at=utcnow() - timedelta(seconds=3600)))
    assert batch_status.batch_object(engine, "b1").rate_per_s == obj.rate_per_s


def test_a_cancelled_batch_counts_its_cancelled_jobs_and_ends_with_its_last_running_job(
    engine: Engine,
) -> None:
    from shared.db.retention import stop_waiting

    ids = make_batch(engine, 40)
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id.in_(ids[:8])).values(status=JobStatus.RUNNING))
    stop_waiting(engine, "b1")
    batches.set_status(engine, "b1", "cancelled")
    obj = batch_status.batch_object(engine, "b1")
    assert obj.status == "cancelled"
    assert obj.counts.cancelled == 32 and obj.counts.running == 8
    assert obj.finished_at is None  # 8 jobs still run
    _finish(engine, ids[:8], seconds_ago=0)
    batches.refresh_status(engine, "b1")  # what a worker does after each chunk
    obj = batch_status.batch_object(engine, "b1")
    assert obj.counts.running == 0 and obj.counts.done == 8
    assert obj.finished_at is not None and obj.status == "cancelled"


def test_a_cancelled_batch_seen_after_its_last_job_ended_has_its_end(engine: Engine) -> None:
    ids = make_batch(engine, 4)
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id.in_(ids[:2])).values(status=JobStatus.RUNNING))
        conn.execute(update(Job).where(Job.id.in_(ids[2:])).values(status=JobStatus.CANCELLED))
    batches.set_status(engine, "b1", "cancelled")
    assert batch_status.batch_object(engine, "b1").finished_at is None
    _finish(engine, ids[:2], seconds_ago=0)  # no refresh by the worker: the poll notices
    assert batch_status.batch_object(engine, "b1").finished_at is not None


def test_times_carry_their_utc_offset(engine: Engine) -> None:
    ids = make_batch(engine, 2)
    _finish(engine, ids, seconds_ago=1)
    obj = batch_status.batch_object(engine, "b1")
    for key in ("created_at", "finished_at", "last_progress_at"):
        value = getattr(obj, key)
        at = datetime.fromisoformat(value)
        assert at.utcoffset() == timedelta(0), (key, value)
        assert value.endswith("+00:00")

def _started(engine: Engine, n: int, writer: str = "template") -> list[int]:
    ids = make_batch(engine, n)
    with engine.begin() as conn:
        conn.execute(update(Batch).values(status="in_progress", options={"writer": writer}))
    return ids


def test_no_eta_until_the_rate_is_known_then_a_close_one(engine: Engine) -> None:
    ids = _started(engine, 1000)
    obj = batch_status.batch_object(engine, "b1")
    assert obj.eta_s is None and obj.eta_state == "estimating"
    # The first chunk just finished: one instant says nothing about the pace yet.
    _finish(engine, ids[:32], seconds_ago=3)
    obj = batch_status.batch_object(engine, "b1")
    assert obj.eta_s is None and obj.eta_state == "estimating"
    assert "ETA estimating" in _pace_line(obj)
    # 25 s into the batch, a chunk of 32 every 5 s (6.4/s): 872 left, about 136 s.
    for k, ago in enumerate((25, 20, 15, 10, 5)):
        _finish(engine, ids[32 * k : 32 * (k + 1)], seconds_ago=ago)
    obj = batch_status.batch_object(engine, "b1")
    true_eta = (1000 - 160) / 6.4
    assert obj.eta_state == "known"
    assert obj.eta_s == pytest.approx(true_eta, rel=0.1)  # was 3× (160 jobs over 60 s)
    assert obj.rate_per_s == pytest.approx(6.4, rel=0.1)


def test_a_batch_that_stops_finishing_has_no_eta(engine: Engine) -> None:
    ids = _started(engine, 1000)
    # Two minutes at 8 jobs every 2 s, then nothing for 25 s (a worker killed).
    for k, ago in enumerate(range(145, 24, -2)):
        _finish(engine, ids[8 * k : 8 * (k + 1)], seconds_ago=ago)
    obj = batch_status.batch_object(engine, "b1")
    assert obj.stalled is False  # not yet 90 s: the flag waits, the ETA does not
    assert obj.eta_s is None and obj.eta_state == "stalled"
    assert "ETA none (stalled)" in _pace_line(obj)


def _pace_line(obj: dict[str, object]) -> str:
    from producer.cli import batches as cli

    with cli.out.capture() as captured:
        cli._print_pace(obj)  # type: ignore[arg-type]
    return captured.get()


def test_a_queue_with_jobs_and_no_consumer_is_named_with_what_to_start(engine: Engine) -> None:
    ids = _started(engine, 10, writer="llm")
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id.in_(ids)).values(status="queued"))
    # A host without a GPU: only CPU workers run (as docker-compose.yml's worker-cpu).
    heartbeats.beat(
        engine, "h/1:10", heartbeats.Kind.WORKER, "cpu@h", ["control", "render", "write"]
    )
    heartbeats.beat(engine, "reconciler", heartbeats.Kind.RECONCILER)
    obj = batch_status.batch_object(engine, "b1")
    assert [(q.queue, q.queued) for q in obj.stuck_queues] == [("generate", 10)]
    assert "cohortcv worker --queues generate" in obj.stuck_queues[0].start
    assert "waiting: queue 'generate' holds 10 jobs" in _pace_line(obj)
    assert [q.queue for q in batch_status.stuck_queues(engine)] == ["generate"]
    # Stalled, the reason names the queue rather than "a chunk may be stuck".
    with engine.begin() as conn:
        conn.execute(update(Batch).values(created_at=utcnow() - timedelta(seconds=120)))
    reason = batch_status.batch_object(engine, "b1").stalled_reason
    assert "queue 'generate'" in reason and "a chunk may be stuck" not in reason
    # A GPU worker for generate starts: nothing is stuck any more.
    heartbeats.beat(engine, "g/1:11", heartbeats.Kind.WORKER, "gpu0@g", ["generate"])
    assert batch_status.batch_object(engine, "b1").stuck_queues == []


def test_template_writes_wait_for_cpu_workers_not_a_gpu(engine: Engine) -> None:
    ids = _started(engine, 10, writer="template")
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id.in_(ids)).values(status="queued"))
    heartbeats.beat(
        engine, "h/1:10", heartbeats.Kind.WORKER, "cpu@h", ["control", "render", "write"]
    )
    assert batch_status.batch_object(engine, "b1").stuck_queues == []
    # A GPU-only fleet cannot take them, and says so.
    heartbeats.forget(engine, "h/1:10")
    heartbeats.beat(engine, "g/1:11", heartbeats.Kind.WORKER, "gpu0@g", ["generate"])
    stuck = batch_status.batch_object(engine, "b1").stuck_queues
    assert [q.queue for q in stuck] == ["write"]
