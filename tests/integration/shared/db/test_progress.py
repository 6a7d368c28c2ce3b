"""The batch object's pace: rate over the last minute, ETA, and a stalled flag that names the cause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

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
    obj = batches.batch_object(engine, "b1")
    assert obj["rate_per_s"] == 0.5
    assert obj["eta_s"] == 80.0  # 40 left at 0.5/s
    assert obj["stalled"] is False and obj["stalled_reason"] is None


def test_a_batch_with_no_finish_for_90_s_is_stalled_and_says_why(engine: Engine) -> None:
    ids = make_batch(engine, 10)
    with engine.begin() as conn:
        conn.execute(update(Batch).values(status="in_progress"))
    _finish(engine, ids[:2], seconds_ago=120)
    obj = batches.batch_object(engine, "b1")
    assert obj["status"] == "in_progress" and obj["stalled"] is True
    assert obj["eta_s"] is None and obj["rate_per_s"] == 0
    reason = obj["stalled_reason"]
    assert reason.startswith("no job has finished for 120 s")
    assert "start `cohortcv worker`" in reason and "start `cohortcv beat`" in reason
    # A worker and a reconciler alive: the cause is elsewhere, and the flag says so.
    heartbeats.beat(engine, "w1", heartbeats.Kind.WORKER)
    heartbeats.beat(engine, "reconciler", heartbeats.Kind.RECONCILER)
    reason = batches.batch_object(engine, "b1")["stalled_reason"]
    assert "cohortcv beat" not in reason and "a chunk may be stuck" in reason
    # A completed batch is never stalled.
    _finish(engine, ids[2:], seconds_ago=200)
    obj = batches.batch_object(engine, "b1")
    assert obj["status"] == "completed" and obj["stalled"] is False and obj["eta_s"] == 0
