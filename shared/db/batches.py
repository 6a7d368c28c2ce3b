"""Batches as users see them: per-status counts, the batch object of DESIGN §8, completion in SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from shared.db import generation, heartbeats
from shared.db.jobs import ACTIVE, PENDING
from shared.db.models import (
    Batch,
    BatchStatus,
    Heartbeat,
    Institution,
    Job,
    JobStatus,
    RowErrorRecord,
    utcnow,
)
from shared.errors import NotFoundError
from shared.policy import ABANDONED_VALIDATING_S, STALLED_AFTER_S

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


def _unfindable(batch_id: str) -> bool:
    # No id holds a NUL, and PostgreSQL refuses one in a query: such an id is simply not found.
    return "\x00" in batch_id


def get_batch(engine: Engine, batch_id: str, institution_id: str | None = None) -> Batch:
    if _unfindable(batch_id):
        raise NotFoundError(f"no batch {batch_id!r}")
    with Session(engine) as session:
        batch = session.get(Batch, batch_id)
    if batch is None or (institution_id is not None and batch.institution_id != institution_id):
        raise NotFoundError(f"no batch {batch_id!r}")
    return batch


def _iso(value: datetime | None) -> str | None:
    # Always with its offset (+00:00): SQLite hands the UTC times back without one.
    return heartbeats.aware(value).astimezone(UTC).isoformat() if value is not None else None


def batch_object(
    engine: Engine, batch_id: str, institution_id: str | None = None
) -> dict[str, Any]:
    """The batch object shared by the API and `cohortcv status --json`.

    Clients poll it without pause while uploads are validated, so it is a few statements on
    one connection: the batch row, one aggregate over its jobs, the generation totals. Only a
    status that the counts show has moved goes through `refresh_status`'s write.
    """
    now = utcnow()
    if _unfindable(batch_id):
        raise NotFoundError(f"no batch {batch_id!r}")
    with Session(engine) as session:
        batch = session.get(Batch, batch_id)
        if batch is None or (institution_id is not None and batch.institution_id != institution_id):
            raise NotFoundError(f"no batch {batch_id!r}")
        per_status = session.execute(
            select(
                Job.status,
                func.count(),
                func.sum(case((Job.finished_at >= now - timedelta(seconds=60), 1), else_=0)),
                func.max(Job.finished_at),
            )
            .where(Job.batch_id == batch_id)
            .group_by(Job.status)
        ).all()
        tokens, seconds = generation.totals_on(session.connection(), batch_id)
    present = {status for status, n, _, _ in per_status if n}
    if _derived_status(batch.status, present) != batch.status or _cancel_ended(batch, present):
        refresh_status(engine, batch_id)
        batch = get_batch(engine, batch_id, institution_id)
    jobs = {status: 0 for status in JobStatus.ALL}
    recent, finishes = 0, []
    for status, n, recent_n, last in per_status:
        jobs[JobStatus.QUEUED if status == PENDING else status] += int(n)
        if status == JobStatus.DONE:
            recent = int(recent_n or 0)
        if last is not None:
            finishes.append(heartbeats.aware(last))
    counts = {
        "rows": batch.rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "queued": jobs[JobStatus.QUEUED],
        "running": jobs[JobStatus.RUNNING],
        "done": jobs[JobStatus.DONE],
        "failed": jobs[JobStatus.FAILED],
        "dead": jobs[JobStatus.DEAD],
        "cancelled": jobs[JobStatus.CANCELLED],
    }
    pace = progress(engine, batch, counts, recent, max(finishes, default=None), now)
    if batch.status in FINISHED and batch.finished_at is not None:
        pace["rate_per_s"] = _run_rate(batch, counts["done"])
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
        **pace,
        "tokens_per_s": tokens / seconds if tokens and seconds > 0 else None,
    }


# A batch in one of these has ended: its rate is its average over its run, not the last minute's.
FINISHED = (BatchStatus.COMPLETED, BatchStatus.CANCELLED, BatchStatus.FAILED)


def _run_rate(batch: Batch, done: int) -> float | None:
    """Resumes per second over the whole run, from the upload to the last job's end."""
    assert batch.finished_at is not None and batch.created_at is not None
    seconds = (
        heartbeats.aware(batch.finished_at) - heartbeats.aware(batch.created_at)
    ).total_seconds()
    return round(done / seconds, 3) if seconds > 0 else None


def _cancel_ended(batch: Batch, present: set[str]) -> bool:
    """A cancelled batch whose last running job has ended since, its end not yet written."""
    return (
        batch.status == BatchStatus.CANCELLED
        and batch.finished_at is None
        and not present & set(ACTIVE)
    )


# The reconciler runs every 30 s by default; unseen for this long, it is not running.
RECONCILER_ABSENT_S = 120


def _ago(at: datetime | None, now: datetime) -> float | None:
    return None if at is None else max(0.0, (now - heartbeats.aware(at)).total_seconds())


def progress(
    engine: Engine,
    batch: Batch,
    counts: dict[str, int],
    recent: int,
    last_finish: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    """Rate (resumes/s over the last minute), ETA, and whether the batch is stalled and why.

    `recent` is how many jobs finished in the last minute, `last_finish` the latest finish.
    """
    rate = int(recent or 0) / 60.0
    left = counts["queued"] + counts["running"] + counts["failed"]
    active = batch.status in (BatchStatus.QUEUED, BatchStatus.IN_PROGRESS)
    eta = None
    if not active:
        eta = 0.0 if batch.status == BatchStatus.COMPLETED else None
    elif rate > 0:
        eta = round(left / rate, 1)
    last = last_finish or batch.created_at
    idle = _ago(last, now) or 0.0
    reason = None
    if active and idle >= STALLED_AFTER_S:
        reason = _stall_reason(engine, idle, now)
    return {
        "rate_per_s": round(rate, 3),
        "eta_s": eta,
        "last_progress_at": _iso(heartbeats.aware(last)) if last else None,
        "stalled": reason is not None,
        "stalled_reason": reason,
    }


def _stall_reason(engine: Engine, idle: float, now: datetime) -> str:
    worker = _ago(heartbeats.last_seen(engine, heartbeats.Kind.WORKER), now)
    reconciler = _ago(heartbeats.last_seen(engine, heartbeats.Kind.RECONCILER), now)
    causes = []
    if worker is None or worker > heartbeats.STALE_S:
        causes.append("no worker is running: start `cohortcv worker`")
    if reconciler is None or reconciler > RECONCILER_ABSENT_S:
        seen = "has never run" if reconciler is None else f"last ran {reconciler:.0f} s ago"
        causes.append(
            f"the reconciler {seen}, so lost messages are not re-sent: start `cohortcv beat` "
            "(or one `cohortcv worker -B`)"
        )
    if not causes:
        causes.append(
            "workers and the reconciler are running: a chunk may be stuck (see the worker logs)"
        )
    return f"no job has finished for {idle:.0f} s; " + "; ".join(causes)


def clean_abandoned(engine: Engine) -> int:
    """Fail the batches whose upload was abandoned (the submit process killed while it stored
    the file) and delete their orphan jobs and row errors; returns how many were cleaned."""
    now = utcnow()
    with engine.connect() as conn:
        validating = conn.execute(
            select(Batch.id, Batch.created_at).where(Batch.status == BatchStatus.VALIDATING)
        ).all()
        if not validating:
            return 0
        beats = conn.execute(
            select(Heartbeat.id, Heartbeat.seen_at).where(Heartbeat.kind == heartbeats.Kind.SUBMIT)
        ).all()
    by_batch = {name.split("|", 1)[0]: (name, at) for name, at in beats}
    cleaned = 0
    for batch_id, created in validating:
        name, seen = by_batch.get(batch_id, (None, None))
        if name is not None and seen is not None:
            owner = name.split("|", 1)[1]
            gone = heartbeats.gone_here(owner) or (_ago(seen, now) or 0) > SUBMIT_STALE_S
        else:
            gone = (_ago(created, now) or 0) > ABANDONED_VALIDATING_S
        if gone:
            _abandon(engine, batch_id, name)
            cleaned += 1
    return cleaned


# A submit beats every few seconds; a long SQLite lock may delay a beat, so be generous.
SUBMIT_STALE_S = 120


def submit_heartbeat_id(batch_id: str) -> str:
    return f"{batch_id}|{heartbeats.identity()}"


def _abandon(engine: Engine, batch_id: str, heartbeat: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(delete(Job).where(Job.batch_id == batch_id))
        conn.execute(delete(RowErrorRecord).where(RowErrorRecord.batch_id == batch_id))
        if heartbeat is not None:
            conn.execute(delete(Heartbeat).where(Heartbeat.id == heartbeat))
        conn.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.status == BatchStatus.VALIDATING)
            .values(
                status=BatchStatus.FAILED,
                finished_at=utcnow(),
                warnings=[
                    "abandoned: the submit stopped (killed?) before the whole file was stored; "
                    "nothing of it was processed: submit the file again"
                ],
            )
        )


def _any_job(batch_id: str, statuses: tuple[str, ...]) -> Any:
    # An index probe on (batch_id, status), not a count over the whole batch: this runs after
    # every chunk, so its cost must not grow with the size of the batch.
    return exists().where(Job.batch_id == batch_id, Job.status.in_(statuses))


def _next_status(
    current: str, any_active: Callable[[], bool], any_started: Callable[[], bool]
) -> str:
    """The status a batch's jobs imply: final states stay; no active job is completed; a job
    that ever started is in progress; else queued (each question asked only when needed)."""
    if current in (BatchStatus.VALIDATING, BatchStatus.CANCELLED, BatchStatus.FAILED):
        return current
    if not any_active():
        return BatchStatus.COMPLETED
    return BatchStatus.IN_PROGRESS if any_started() else BatchStatus.QUEUED


def _derived_status(current: str, present: set[str]) -> str:
    """`_next_status` from the set of job statuses present (the batch object has counted them)."""
    return _next_status(
        current, lambda: bool(present & set(ACTIVE)), lambda: bool(present & set(STARTED))
    )


def refresh_status(engine: Engine, batch_id: str) -> str:
    """Derive the batch status from its jobs: completion is detected in SQL, not with chords."""
    with engine.begin() as conn:
        status = conn.scalar(select(Batch.status).where(Batch.id == batch_id))
        if status is None:
            raise NotFoundError(f"no batch {batch_id!r}")
        new = _next_status(
            str(status),
            lambda: bool(conn.scalar(select(_any_job(batch_id, ACTIVE)))),
            lambda: bool(conn.scalar(select(_any_job(batch_id, STARTED)))),
        )
        if new != status:
            values: dict[str, Any] = {"status": new}
            if new == BatchStatus.COMPLETED:
                values["finished_at"] = utcnow()
            conn.execute(update(Batch).where(Batch.id == batch_id).values(**values))
        elif new == BatchStatus.CANCELLED and not conn.scalar(select(_any_job(batch_id, ACTIVE))):
            # A cancelled batch ends when its last running chunk does.
            conn.execute(
                update(Batch)
                .where(Batch.id == batch_id, Batch.finished_at.is_(None))
                .values(finished_at=utcnow())
            )
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
        # A cancelled batch with chunks still running ends with the last (`refresh_status`).
        if status == BatchStatus.FAILED or (
            status == BatchStatus.CANCELLED and not conn.scalar(select(_any_job(batch_id, ACTIVE)))
        ):
            values["finished_at"] = utcnow()
        conn.execute(update(Batch).where(Batch.id == batch_id).values(**values))


def list_batches(engine: Engine, limit: int = 20) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Batch.id).order_by(Batch.created_at.desc()).limit(limit)))


def fail_unqueued(engine: Engine, batch_id: str, reason: str) -> None:
    """A stored batch that could not be queued (the broker refused it): failed, its jobs
    cancelled, so no reconciler runs it later behind the user's back."""
    with engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.batch_id == batch_id, Job.status.in_(ACTIVE))
            .values(status=JobStatus.CANCELLED, updated_at=utcnow())
        )
        conn.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(
                status=BatchStatus.FAILED,
                finished_at=utcnow(),
                warnings=[f"not queued: {reason}; submit the file again"],
            )
        )
