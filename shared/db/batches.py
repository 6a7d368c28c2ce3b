"""Batches in SQL: per-status counts, the facts the batch object is built from, completion, abandoned uploads.

The words users read about a batch (stall reasons, what to start) are in shared.batch_status."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, delete, exists, func, insert, or_, select, tuple_, update
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
from shared.policy import ABANDONED_VALIDATING_S
from shared.tasks import stage_queue

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


@dataclass(frozen=True)
class JobTally:
    """One job status's count in a batch, how many of them finished in the last minute, and
    the latest finish."""

    status: str
    count: int
    recent: int
    last_finish: datetime | None


@dataclass(frozen=True)
class BatchFacts:
    """What the batch object is built from: the batch row, its jobs per status, and the
    batch's generation totals (tokens, seconds)."""

    batch: Batch
    tallies: list[JobTally]
    tokens: int
    seconds: float


def batch_facts(
    engine: Engine, batch_id: str, institution_id: str | None, now: datetime
) -> BatchFacts:
    """The batch row, one aggregate over its jobs and the generation totals, on one connection
    (clients poll this without pause). A status that the counts show has moved is written
    (`refresh_status`) and the batch read again."""
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
    tallies = [
        JobTally(str(status), int(n), int(recent or 0), last)
        for status, n, recent, last in per_status
    ]
    present = {t.status for t in tallies if t.count}
    if _derived_status(batch.status, present) != batch.status or _cancel_ended(batch, present):
        refresh_status(engine, batch_id)
        batch = get_batch(engine, batch_id, institution_id)
    return BatchFacts(batch, tallies, tokens, seconds)


def _cancel_ended(batch: Batch, present: set[str]) -> bool:
    """A cancelled batch whose last running job has ended since, its end not yet written."""
    return (
        batch.status == BatchStatus.CANCELLED
        and batch.finished_at is None
        and not present & set(ACTIVE)
    )


def _ago(at: datetime | None, now: datetime) -> float | None:
    return None if at is None else max(0.0, (now - heartbeats.aware(at)).total_seconds())


# The rate is measured over the last minute; in a batch's first minute, between its first and
# latest finish, once they are RATE_MIN_S apart (sooner, one chunk's finish is all it knows).
RATE_WINDOW_S = 60.0
RATE_MIN_S = 10.0


@dataclass(frozen=True)
class Pace:
    rate: float  # jobs/s
    known: bool  # measured over long enough to predict from
    gap_s: float  # the usual time between two finishes


def pace(engine: Engine, batch_id: str, recent: int, done: int, now: datetime) -> Pace:
    """The finishing rate of an active batch. Over the last minute when it has finished jobs
    for longer; in its first minute, the jobs finished after its first finish over the time
    from that finish to the latest (counting the first chunks over a whole minute made the
    first ETA 3-60× too long). A pause since then is the idle test's business (`progress`)."""
    since = now - timedelta(seconds=RATE_WINDOW_S)
    done_in = and_(Job.batch_id == batch_id, Job.status == JobStatus.DONE)
    with engine.connect() as conn:
        first, last, events = conn.execute(
            select(
                func.min(Job.finished_at),
                func.max(Job.finished_at),
                func.count(func.distinct(Job.finished_at)),
            ).where(done_in, Job.finished_at >= since)
        ).one()
        if first is None or last is None:  # none in the last minute: stalled if any did before
            return Pace(0.0, done > 0, RATE_WINDOW_S)
        if done > recent:  # finishing for over a minute: the plain last-minute rate
            return Pace(recent / RATE_WINDOW_S, True, RATE_WINDOW_S / max(1, int(events)))
        at_first = conn.scalar(select(func.count()).where(done_in, Job.finished_at == first))
    span = (heartbeats.aware(last) - heartbeats.aware(first)).total_seconds()
    after = recent - int(at_first or 0)
    if span < RATE_MIN_S or after <= 0:
        return Pace(after / span if span > 0 else 0.0, False, RATE_WINDOW_S)
    return Pace(after / span, True, span / max(1, int(events) - 1))


@dataclass(frozen=True)
class WaitingQueue:
    """A queue holding queued jobs that no live worker consumes."""

    queue: str
    queued: int


def unconsumed_queues(engine: Engine, batch_id: str | None = None) -> list[WaitingQueue]:
    """Queues holding queued jobs (of `batch_id`, or of every active batch) that no live worker
    consumes: e.g. model writes and only CPU workers running. Only while some worker runs
    (with none at all, nothing consumes anything and the stall reason says so)."""
    consumers = heartbeats.consumers(engine)
    if not consumers or "*" in consumers:
        return []
    ids = [batch_id] if batch_id is not None else active_batch_ids(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Job.batch_id, Job.stage, func.count())
            .where(Job.batch_id.in_(ids), Job.status == JobStatus.QUEUED)
            .group_by(Job.batch_id, Job.stage)
        ).all()
    writer = writers(engine, {b for b, _, _ in rows})
    waiting: dict[str, int] = {}
    for b, stage, n in rows:
        queue = stage_queue(stage, writer.get(b, "template"))
        if not consumers.get(queue):
            waiting[queue] = waiting.get(queue, 0) + int(n)
    return [WaitingQueue(q, n) for q, n in sorted(waiting.items())]


def _writer(options: dict[str, Any] | None) -> str:
    return str((options or {}).get("writer") or "template")


def writers(engine: Engine, batch_ids: Iterable[str]) -> dict[str, str]:
    """The writer of each batch (its write jobs wait in that writer's queue)."""
    ids = list(batch_ids)
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(Batch.id, Batch.options).where(Batch.id.in_(ids))).all()
    return {b: _writer(options) for b, options in rows}


def writer_of(engine: Engine, batch_id: str) -> str:
    return writers(engine, [batch_id]).get(batch_id, "template")


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


def batch_options(engine: Engine, batch_id: str) -> dict[str, object]:
    """The options a batch was submitted with ({} for a batch that has none or is gone)."""
    with engine.connect() as conn:
        opts = conn.scalar(select(Batch.options).where(Batch.id == batch_id))
    return dict(opts or {})


def set_filename(engine: Engine, batch_id: str, filename: str) -> None:
    """The name the user's upload had (the batch was stored from a staged copy)."""
    with engine.begin() as conn:
        conn.execute(update(Batch).where(Batch.id == batch_id).values(filename=filename))


def institution_batch_ids(
    engine: Engine, institution_id: str, limit: int, after: Batch | None = None
) -> list[str]:
    """Up to `limit` of the institution's batch ids, newest first, after the batch `after`."""
    query = select(Batch.id).where(Batch.institution_id == institution_id)
    if after is not None:
        query = query.where(
            tuple_(Batch.created_at, Batch.id) < tuple_(after.created_at, after.id)
            if engine.dialect.name == "postgresql"
            else or_(
                Batch.created_at < after.created_at,
                and_(Batch.created_at == after.created_at, Batch.id < after.id),
            )
        )
    query = query.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(limit)
    with engine.connect() as conn:
        return list(conn.scalars(query))


def find_batch_options(engine: Engine, batch_id: str) -> dict[str, object] | None:
    """The options a batch was submitted with; None when there is no such batch."""
    with engine.connect() as conn:
        row = conn.execute(select(Batch.options).where(Batch.id == batch_id)).first()
    return None if row is None else dict(row.options or {})
