"""Retention: batches older than N days are purged (the beat task and `purge --older-than`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from producer.service import batches
from producer.service.context import Service
from shared.celery_config import celery_config
from shared.db.models import Batch, Job, RowErrorRecord, utcnow
from shared.db.retention import purge_expired
from shared.tasks import PURGE_EXPIRED
from tests.integration.producer.api.conftest import COHORT, Api


def _age(api: Api, batch_id: str, days: int) -> None:
    with api.engine.begin() as conn:
        conn.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )


def _left(api: Api, batch_id: str) -> int:
    with api.engine.connect() as conn:
        return sum(
            conn.scalar(select(func.count()).select_from(t).where(c == batch_id)) or 0
            for t, c in (
                (Batch, Batch.id),
                (Job, Job.batch_id),
                (RowErrorRecord, RowErrorRecord.batch_id),
            )
        )


def test_the_beat_task_purges_batches_older_than_the_retention(api: Api) -> None:
    old = api.upload(api.a, "old.csv", COHORT)["id"]
    new = api.upload(api.b, "new.csv", COHORT)["id"]
    _age(api, str(old), 31)
    _age(api, str(new), 29)
    assert purge_expired(api.engine, 0) == []  # 0: keep everything
    assert purge_expired(api.engine, 30) == [old]
    assert _left(api, str(old)) == 0
    assert _left(api, str(new)) > 0


def test_purge_older_than_through_the_service(api: Api) -> None:
    old = str(api.upload(api.a, "old.csv", COHORT)["id"])
    _age(api, old, 3)
    svc = Service(api.settings, api.engine)
    assert [p.batch_id for p in batches.purge_older_than(svc, batches.parse_age("2d"))] == [old]
    assert _left(api, old) == 0
    assert batches.parse_age("12h") == timedelta(hours=12)


def test_the_schedule_holds_the_purge_only_when_retention_is_set(api: Api) -> None:
    assert "purge-expired" not in celery_config(api.settings)["beat_schedule"]
    settings = api.settings.model_copy(
        update={"api": api.settings.api.model_copy(update={"retention_days": 30})}
    )
    assert celery_config(settings)["beat_schedule"]["purge-expired"]["task"] == PURGE_EXPIRED
