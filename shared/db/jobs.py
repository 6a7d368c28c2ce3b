"""The job state machine in SQL: claim, advance, finish, fail, release the next window, find stale jobs.

A job moves pending → queued (sent to the broker) → running → (stage write → render) → done, or to
failed (retried by the reconciler) and finally dead after `max_attempts`. Every transition is one
guarded UPDATE, so a redelivered or duplicated chunk can never finish a job twice.

What a chunk stores is fenced by its claim: the resumes and files are written in the same
transaction that checks, and locks, that the jobs still exist and are still held by this claim
(same process, same attempt). A chunk whose batch was deleted, or whose jobs another worker took
over after the deadline, stores nothing and advances nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, null, or_, select, update

from shared.db import heartbeats, resumes
from shared.db.models import Job, JobStage, JobStatus, utcnow

# Pending jobs are stored but not yet sent; they count as "queued" to users.
PENDING = "pending"
ACTIVE = (PENDING, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED)
# Jobs no process holds: a claim takes them as they are.
UNHELD = (PENDING, JobStatus.QUEUED, JobStatus.FAILED)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    batch_id: str
    institution_id: str
    person_key: str
    content_hash: str
    language: str
    profile: dict[str, Any]
    resume_id: int | None
    attempts: int


@dataclass(frozen=True)
class Claim:
    jobs: list[ClaimedJob]
    dead: list[int]


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def _claimable(engine: Engine, job_ids: Sequence[int], stage: str, now: datetime) -> Any:
    """Which jobs a claim may take: those no process holds, and running ones whose holder is
    this process (its earlier run of the chunk is over), gone, or past the job deadline.

    A running job held by another live process is left to it: a re-sent or redelivered chunk
    must not run the same jobs twice at once.
    """
    with engine.connect() as conn:
        holders = {
            name
            for name in conn.scalars(
                select(Job.claimed_by)
                .where(Job.id.in_(job_ids), Job.stage == stage, Job.status == JobStatus.RUNNING)
                .distinct()
            )
            if name
        }
    # Read before the claiming transaction: a holder found gone stays gone.
    released = {heartbeats.identity()} | heartbeats.gone(engine, holders)
    return or_(
        Job.status.in_(UNHELD),
        and_(
            Job.status == JobStatus.RUNNING,
            or_(Job.claimed_by.is_(None), Job.claimed_by.in_(released), Job.deadline_at < now),
        ),
    )


def claim(
    engine: Engine,
    job_ids: Sequence[int],
    stage: str,
    max_attempts: int,
    deadline_s: int,
    *,
    retry: bool = False,
) -> Claim:
    """Mark the unfinished jobs of `stage` among `job_ids` running and count the attempt.

    Jobs already done, dead, cancelled or past this stage are skipped: that is what makes a
    redelivered chunk harmless; so are jobs another live process is running, unless this is
    the broker's `retry` of a chunk whose run raised (that run is over, wherever it ran). A job
    whose attempts would exceed `max_attempts` goes dead.
    """
    now = utcnow()
    free = Job.status.in_(ACTIVE) if retry else _claimable(engine, job_ids, stage, now)
    with engine.begin() as conn:
        dead = list(
            conn.scalars(
                update(Job)
                .where(
                    Job.id.in_(job_ids),
                    Job.stage == stage,
                    Job.status.in_(ACTIVE),
                    free,
                    Job.attempts >= max_attempts,
                )
                .values(
                    status=JobStatus.DEAD,
                    updated_at=now,
                    finished_at=now,
                    last_error=func.coalesce(Job.last_error, "worker lost")
                    + f" (gave up after {max_attempts} attempts)",
                )
                .returning(Job.id)
            )
        )
        rows = conn.execute(
            update(Job)
            .where(Job.id.in_(job_ids), Job.stage == stage, Job.status.in_(ACTIVE), free)
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                updated_at=now,
                deadline_at=now + timedelta(seconds=deadline_s),
                claimed_by=heartbeats.identity(),
            )
            .returning(
                Job.id,
                Job.batch_id,
                Job.institution_id,
                Job.person_key,
                Job.content_hash,
                Job.language,
                Job.profile,
                Job.resume_id,
                Job.attempts,
            )
        ).all()
    jobs = sorted((ClaimedJob(*row) for row in rows), key=lambda j: j.id)
    return Claim(jobs=jobs, dead=dead)


def _hold(conn: Connection, claimed: Iterable[ClaimedJob], stage: str) -> set[int]:
    """Lock the jobs this claim still holds and return their ids: still there (the batch not
    deleted), still running this stage, claimed by this process at this very attempt.

    The first statement of the storing transaction, and a write: on PostgreSQL it locks the
    rows (a concurrent delete waits, then sees what was stored), on SQLite it takes the write
    lock, so nothing can delete the jobs between this check and the commit.
    """
    by_attempt: dict[int, list[int]] = {}
    for job in claimed:
        by_attempt.setdefault(job.attempts, []).append(job.id)
    if not by_attempt:
        return set()
    return set(
        conn.scalars(
            update(Job)
            .where(
                or_(*(and_(Job.id.in_(ids), Job.attempts == n) for n, ids in by_attempt.items())),
                Job.stage == stage,
                Job.status == JobStatus.RUNNING,
                Job.claimed_by == heartbeats.identity(),
            )
            .values(updated_at=utcnow())
            .returning(Job.id)
        )
    )


def advance_to_render(
    engine: Engine,
    claimed: Sequence[ClaimedJob],
    written: Mapping[int, int | resumes.NewResume],
    deadline_s: int,
) -> list[int]:
    """Store the written resumes of the jobs this claim still holds and move those jobs to the
    render stage, queued, pointing at their resume: one transaction, fenced by the claim.

    `written` maps a job id to its new resume, or to the id of a resume it reuses. Jobs no
    longer held (batch deleted, taken over by another worker) store nothing.
    """
    wanted = [job for job in claimed if job.id in written]
    if not wanted:
        return []
    now = utcnow()
    with engine.begin() as conn:
        held = _hold(conn, wanted, JobStage.WRITE)
        new = {i: r for i, r in written.items() if i in held and isinstance(r, resumes.NewResume)}
        stored = dict(zip(new, resumes.insert_resumes(conn, list(new.values())), strict=True))
        resume_ids = {
            i: stored[i] if i in stored else int(r)  # type: ignore[arg-type]
            for i, r in written.items()
            if i in held
        }
        if not resume_ids:
            return []
        moved = conn.scalars(
            update(Job)
            .where(Job.id.in_(resume_ids), Job.stage == JobStage.WRITE)
            .values(
                stage=JobStage.RENDER,
                status=JobStatus.QUEUED,
                resume_id=case(resume_ids, value=Job.id),
                attempts=0,
                last_error=None,
                updated_at=now,
                deadline_at=now + timedelta(seconds=deadline_s),
            )
            .returning(Job.id)
        ).all()
    return sorted(moved)


def finish(
    engine: Engine,
    claimed: Sequence[ClaimedJob],
    outputs: Sequence[tuple[int, str, bytes]] = (),
) -> list[int]:
    """Store the rendered files of the jobs this claim still holds and mark those jobs done:
    one transaction, fenced by the claim. `outputs` are (resume_id, format, content); files of
    a job no longer held are not stored. A job already done is not counted again."""
    if not claimed:
        return []
    now = utcnow()
    with engine.begin() as conn:
        held = _hold(conn, claimed, JobStage.RENDER)
        if not held:
            return []
        mine = {job.resume_id for job in claimed if job.id in held}
        resumes.insert_outputs(conn, [o for o in outputs if o[0] in mine])
        return sorted(
            conn.scalars(
                update(Job)
                .where(Job.id.in_(held), Job.status == JobStatus.RUNNING)
                .values(status=JobStatus.DONE, updated_at=now, finished_at=now, last_error=None)
                .returning(Job.id)
            )
        )


def fail(engine: Engine, errors: dict[int, str], max_attempts: int) -> None:
    """Record a failed attempt of jobs this process holds; a job out of attempts goes dead with
    its last error kept. A job another process took over meanwhile is left to it."""
    now = utcnow()
    with engine.begin() as conn:
        for job_id, message in errors.items():
            conn.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.status == JobStatus.RUNNING,
                    Job.claimed_by == heartbeats.identity(),
                )
                .values(
                    status=_failed_or_dead(max_attempts),
                    last_error=message[:4000],
                    updated_at=now,
                    finished_at=_finished_if_dead(max_attempts, now),
                )
            )


def fail_claimed(
    engine: Engine,
    job_ids: Sequence[int],
    stage: str,
    message: str,
    max_attempts: int,
    *,
    permanent: bool = False,
) -> list[int]:
    """Fail the jobs this process claimed for `stage` and still holds, after a stage raised.

    The real cause is kept in last_error (report.csv shows it). A permanent error (a setting
    that cannot work) goes dead at once: retrying it would only fail the same way.
    """
    if not job_ids:
        return []
    now = utcnow()
    status = JobStatus.DEAD if permanent else _failed_or_dead(max_attempts)
    finished = now if permanent else _finished_if_dead(max_attempts, now)
    with engine.begin() as conn:
        return list(
            conn.scalars(
                update(Job)
                .where(
                    Job.id.in_(job_ids),
                    Job.stage == stage,
                    Job.status == JobStatus.RUNNING,
                    Job.claimed_by == heartbeats.identity(),
                )
                .values(
                    status=status, last_error=message[:4000], updated_at=now, finished_at=finished
                )
                .returning(Job.id)
            )
        )


def _failed_or_dead(max_attempts: int) -> Any:
    return case((Job.attempts >= max_attempts, JobStatus.DEAD), else_=JobStatus.FAILED)


def _finished_if_dead(max_attempts: int, now: datetime) -> Any:
    return case((Job.attempts >= max_attempts, now), else_=null())


def release_window(
    engine: Engine, batch_id: str, chunk_size: int, window_chunks: int, deadline_s: int
) -> list[tuple[str, list[int]]]:
    """Move pending jobs to queued so that at most `window_chunks` chunks are in flight.

    Returns (stage, job ids) chunks to send. Called at submit time, after every finished chunk
    and by the reconciler: each batch keeps a bounded window in the broker, so batches
    interleave and a small upload is never starved by a large one.
    """
    now = utcnow()
    with engine.begin() as conn:
        in_flight = conn.scalar(
            select(func.count())
            .select_from(Job)
            .where(
                Job.batch_id == batch_id,
                Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            )
        )
        room = window_chunks * chunk_size - int(in_flight or 0)
        if room < chunk_size:
            return []
        candidates = (
            select(Job.id)
            .where(Job.batch_id == batch_id, Job.status == PENDING)
            .order_by(Job.id)
            .limit(room)
        )
        # Two statements, not UPDATE … IN (SELECT … LIMIT): PostgreSQL may rescan such a
        # subquery and update more rows than the limit.
        picked = list(conn.scalars(candidates.with_for_update(skip_locked=True)))
        rows = conn.execute(
            update(Job)
            .where(Job.id.in_(picked), Job.status == PENDING)
            .values(
                status=JobStatus.QUEUED,
                updated_at=now,
                deadline_at=now + timedelta(seconds=deadline_s),
            )
            .returning(Job.id, Job.stage)
        ).all()
    by_stage: dict[str, list[int]] = {}
    for job_id, stage in rows:
        by_stage.setdefault(stage, []).append(job_id)
    return [
        (stage, chunk)
        for stage, ids in sorted(by_stage.items())
        for chunk in _chunks(sorted(ids), chunk_size)
    ]


@dataclass(frozen=True)
class StaleGroup:
    batch_id: str
    stage: str
    job_ids: list[int]


def _retry_due(now: datetime, retry_after_s: Callable[[int], int], max_attempts: int = 10) -> Any:
    """Failed jobs whose backoff has passed: the wait grows with the attempts already made."""
    due = [
        and_(Job.attempts == n, Job.updated_at < now - timedelta(seconds=retry_after_s(n)))
        for n in range(1, max_attempts + 1)
    ]
    due.append(
        and_(
            or_(Job.attempts < 1, Job.attempts > max_attempts),
            Job.updated_at < now - timedelta(seconds=retry_after_s(max_attempts)),
        )
    )
    return and_(Job.status == JobStatus.FAILED, or_(*due))


def running_claimers(engine: Engine) -> list[str]:
    """The distinct processes that hold running jobs."""
    with engine.connect() as conn:
        return [
            c
            for c in conn.scalars(
                select(Job.claimed_by).where(Job.status == JobStatus.RUNNING).distinct()
            )
            if c
        ]


def take_stale(
    engine: Engine,
    *,
    retry_after_s: Callable[[int], int],
    deadline_s: int,
    empty_stages: Mapping[str, Collection[str]] | None = None,
    lost_queued_after_s: int = 15,
    gone_claimers: Iterable[str] = (),
    limit: int = 10_000,
) -> list[StaleGroup]:
    """Jobs to send again, marked queued with a fresh deadline:
    - running on a process that is gone (`gone_claimers`), at once;
    - queued for longer than `lost_queued_after_s` in a stage whose broker queue is empty
      (their message was lost: a flushed or restarted broker); `empty_stages` maps a stage to
      the batches whose queue for it is empty (writes wait in their writer's queue);
    - running past their deadline (a worker alive but stuck; a long but healthy queue is
      left alone);
    - failed, once their backoff (`retry_after_s(attempts)`) has passed.
    Each is re-sent once per such finding, never in a loop."""
    now = utcnow()
    overdue = [
        and_(Job.status == JobStatus.RUNNING, Job.deadline_at < now),
        _retry_due(now, retry_after_s),
    ]
    gone = list(gone_claimers)
    if gone:
        overdue.append(and_(Job.status == JobStatus.RUNNING, Job.claimed_by.in_(gone)))
    for stage, batch_ids in (empty_stages or {}).items():
        if batch_ids:
            overdue.append(
                and_(
                    Job.status == JobStatus.QUEUED,
                    Job.stage == stage,
                    Job.batch_id.in_(list(batch_ids)),
                    Job.updated_at < now - timedelta(seconds=lost_queued_after_s),
                )
            )
    with engine.begin() as conn:
        query = select(Job.id).where(or_(*overdue)).order_by(Job.id).limit(limit)
        picked = list(conn.scalars(query.with_for_update(skip_locked=True)))
        if not picked:
            return []
        rows = conn.execute(
            update(Job)
            .where(Job.id.in_(picked), or_(*overdue))
            .values(
                status=JobStatus.QUEUED,
                updated_at=now,
                deadline_at=now + timedelta(seconds=deadline_s),
                claimed_by=None,
            )
            .returning(Job.id, Job.batch_id, Job.stage)
        ).all()
    groups: dict[tuple[str, str], list[int]] = {}
    for job_id, batch_id, stage in rows:
        groups.setdefault((batch_id, stage), []).append(job_id)
    return [StaleGroup(b, s, sorted(ids)) for (b, s), ids in sorted(groups.items())]


def requeue_dead(engine: Engine, batch_id: str) -> int:
    """Give dead jobs of a batch a fresh set of attempts (`cohortcv retry`)."""
    with engine.begin() as conn:
        result = conn.execute(
            update(Job)
            .where(Job.batch_id == batch_id, Job.status == JobStatus.DEAD)
            .values(status=PENDING, attempts=0, finished_at=None, updated_at=utcnow())
        )
    return int(result.rowcount or 0)
