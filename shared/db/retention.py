"""Retention: batches older than the configured number of days are deleted with everything derived."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select, update

from shared.db.jobs import PENDING
from shared.db.models import Batch, Job, JobStatus, utcnow
from shared.db.purge import purge_batch_rows, purge_unreferenced, release_deleted_pages
from shared.errors import NotFoundError

# Jobs no worker has taken yet: stopped before their batch is deleted.
WAITING = (PENDING, JobStatus.QUEUED, JobStatus.FAILED)


def expired_batches(
    engine: Engine, older_than: timedelta, institution_id: str | None = None
) -> list[str]:
    """Ids of batches created longer ago than `older_than`, oldest first."""
    query = select(Batch.id).where(Batch.created_at < utcnow() - older_than)
    if institution_id is not None:
        query = query.where(Batch.institution_id == institution_id)
    with engine.connect() as conn:
        return list(conn.scalars(query.order_by(Batch.created_at)))


def stop_waiting(engine: Engine, batch_id: str) -> int:
    """Cancel the jobs of a batch that no worker has taken; running chunks finish."""
    with engine.begin() as conn:
        result = conn.execute(
            update(Job)
            .where(Job.batch_id == batch_id, Job.status.in_(WAITING))
            .values(status=JobStatus.CANCELLED, updated_at=utcnow())
        )
    return int(result.rowcount or 0)


def purge_expired(engine: Engine, days: int) -> list[str]:
    """The beat task's work: delete every batch older than `days` (0: keep everything), and
    every resume no job names any more."""
    if days <= 0:
        return []
    purged = []
    for batch_id in expired_batches(engine, timedelta(days=days)):
        stop_waiting(engine, batch_id)
        try:
            purge_batch_rows(engine, batch_id)
        except NotFoundError:  # deleted meanwhile
            continue
        purged.append(batch_id)
    purge_unreferenced(engine)
    release_deleted_pages(engine)
    return purged
