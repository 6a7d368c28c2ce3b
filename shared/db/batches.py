"""Batches as users see them: per-status counts, the batch object of DESIGN §8, completion in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, exists, func, insert, select, update
from sqlalchemy.orm import Session

from shared.db.jobs import ACTIVE, PENDING
from shared.db.models import Batch, BatchStatus, Institution, Job, JobStatus, utcnow
from shared.errors import NotFoundError

DEFAULT_INSTITUTION = "default"
# A batch with any of these has started working.
STARTED = (JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED, JobStatus.DEAD)


def ensure_institution(engine: Engine, institution_id: str, name: str | None = None) -> None:
    with engine.begin() as conn:
        exists = conn.scalar(select(Institution.id).where(Institution.id == institution_id))
        if exists is None:
            conn.execute(
                insert(Institution).values(
                    id=institution_id, name=name or institution_id, created_at=utcnow()
                )
            )


def job_counts(engine: Engine, batch_id: str) -> dict[str, int]:
    """Jobs per status; pending (stored, not yet sent) counts as queued."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Job.status, func.count()).where(Job.batch_id == batch_id).group_by(Job.status)
        ).all()
    counts = {status: 0 for status in JobStatus.ALL}
    for status, n in rows:
        key = JobStatus.QUEUED if status == PENDING else status
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def get_batch(engine: Engine, batch_id: str, institution_id: str | None = None) -> Batch:
    with Session(engine) as session:
        batch = session.get(Batch, batch_id)
    if batch is None or (institution_id is not None and batch.institution_id != institution_id):
        raise NotFoundError(f"no batch {batch_id!r}")
    return batch


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def batch_object(
    engine: Engine, batch_id: str, institution_id: str | None = None
) -> dict[str, Any]:
    """The batch object shared by the API and `cohortcv status --json`."""
    refresh_status(engine, batch_id)
    batch = get_batch(engine, batch_id, institution_id)
    jobs = job_counts(engine, batch_id)
    counts = {
        "rows": batch.rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "queued": jobs[JobStatus.QUEUED],
        "running": jobs[JobStatus.RUNNING],
        "done": jobs[JobStatus.DONE],
        "failed": jobs[JobStatus.FAILED],
        "dead": jobs[JobStatus.DEAD],
    }
    return {
        "id": batch.id,
        "institution_id": batch.institution_id,
        "filename": batch.filename,
        "status": batch.status,
        "counts": counts,
        "created_at": _iso(batch.created_at),
        "finished_at": _iso(batch.finished_at),
        "options": batch.options,
        "warnings": batch.warnings,
    }


def _any_job(batch_id: str, statuses: tuple[str, ...]) -> Any:
    # An index probe on (batch_id, status), not a count over the whole batch: this runs after
    # every chunk, so its cost must not grow with the size of the batch.
    return exists().where(Job.batch_id == batch_id, Job.status.in_(statuses))


def refresh_status(engine: Engine, batch_id: str) -> str:
    """Derive the batch status from its jobs: completion is detected in SQL, not with chords."""
    with engine.begin() as conn:
        status = conn.scalar(select(Batch.status).where(Batch.id == batch_id))
        if status is None:
            raise NotFoundError(f"no batch {batch_id!r}")
        if status in (BatchStatus.VALIDATING, BatchStatus.CANCELLED, BatchStatus.FAILED):
            return str(status)
        if not conn.scalar(select(_any_job(batch_id, ACTIVE))):
            new = BatchStatus.COMPLETED
        elif conn.scalar(select(_any_job(batch_id, STARTED))):
            new = BatchStatus.IN_PROGRESS
        else:
            new = BatchStatus.QUEUED
        if new != status:
            values: dict[str, Any] = {"status": new}
            if new == BatchStatus.COMPLETED:
                values["finished_at"] = utcnow()
            conn.execute(update(Batch).where(Batch.id == batch_id).values(**values))
        return new


def active_batch_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(Batch.id)
                .where(Batch.status.in_((BatchStatus.QUEUED, BatchStatus.IN_PROGRESS)))
                .order_by(Batch.created_at)
            )
        )


def set_status(engine: Engine, batch_id: str, status: str) -> None:
    with engine.begin() as conn:
        values: dict[str, Any] = {"status": status}
        if status in (BatchStatus.CANCELLED, BatchStatus.FAILED):
            values["finished_at"] = utcnow()
        conn.execute(update(Batch).where(Batch.id == batch_id).values(**values))


def list_batches(engine: Engine, limit: int = 20) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Batch.id).order_by(Batch.created_at.desc()).limit(limit)))
