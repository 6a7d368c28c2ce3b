"""The batch object users read (docs/design.md §8): facts from shared.db.batches turned into counts,
pace, ETA, and the words that say why a batch stalled and what to start."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from shared.db import heartbeats
from shared.db.batches import (
    RATE_WINDOW_S,
    WaitingQueue,
    batch_facts,
    pace,
    unconsumed_queues,
)
from shared.db.jobs import PENDING
from shared.db.models import Batch, BatchStatus, JobStatus, utcnow
from shared.policy import STALLED_AFTER_S
from shared.tasks import START_FOR_QUEUE
from shared.views import BatchHead, BatchView, Counts, Progress, StuckQueue

# A batch in one of these has ended: its rate is its average over its run, not the last minute's.
FINISHED = (BatchStatus.COMPLETED, BatchStatus.CANCELLED, BatchStatus.FAILED)
# The reconciler runs every 30 s by default; unseen for this long, it is not running.
RECONCILER_ABSENT_S = 120
# No ETA when no job finished for this long, or three times the usual gap between finishes.
IDLE_ETA_S = 20.0


def _iso(value: datetime | None) -> str | None:
    # Always with its offset (+00:00): SQLite hands the UTC times back without one.
    return heartbeats.aware(value).astimezone(UTC).isoformat() if value is not None else None


def _ago(at: datetime | None, now: datetime) -> float | None:
    return None if at is None else max(0.0, (now - heartbeats.aware(at)).total_seconds())


def batch_object(engine: Engine, batch_id: str, institution_id: str | None = None) -> BatchView:
    """The batch object shared by the API and `cohortcv status --json`.

    Clients poll it without pause while uploads are validated, so it is a few statements on
    one connection (shared.db.batches.batch_facts); only a status that the counts show has
    moved goes through a write.
    """
    now = utcnow()
    facts = batch_facts(engine, batch_id, institution_id, now)
    batch = facts.batch
    jobs = {status: 0 for status in JobStatus.ALL}
    recent, finishes = 0, []
    for tally in facts.tallies:
        jobs[JobStatus.QUEUED if tally.status == PENDING else tally.status] += tally.count
        if tally.status == JobStatus.DONE:
            recent = tally.recent
        if tally.last_finish is not None:
            finishes.append(heartbeats.aware(tally.last_finish))
    counts = Counts(
        rows=batch.rows,
        accepted=batch.accepted,
        rejected=batch.rejected,
        queued=jobs[JobStatus.QUEUED],
        running=jobs[JobStatus.RUNNING],
        done=jobs[JobStatus.DONE],
        failed=jobs[JobStatus.FAILED],
        dead=jobs[JobStatus.DEAD],
        cancelled=jobs[JobStatus.CANCELLED],
    )
    paced = progress(engine, batch, counts, recent, max(finishes, default=None), now)
    if batch.status in FINISHED and batch.finished_at is not None:
        paced = paced.model_copy(update={"rate_per_s": _run_rate(batch, counts.done)})
    tokens, seconds = facts.tokens, facts.seconds
    head = BatchHead(
        id=batch.id,
        institution_id=batch.institution_id,
        filename=batch.filename,
        status=batch.status,
        counts=counts,
        created_at=_iso(batch.created_at),
        finished_at=_iso(batch.finished_at),
        options=batch.options,
        warnings=batch.warnings,
    )
    return BatchView(
        **dict(head),
        **dict(paced),
        tokens_per_s=tokens / seconds if tokens and seconds > 0 else None,
    )


def _run_rate(batch: Batch, done: int) -> float | None:
    """Resumes per second over the whole run, from the upload to the last job's end."""
    assert batch.finished_at is not None and batch.created_at is not None
    seconds = (
        heartbeats.aware(batch.finished_at) - heartbeats.aware(batch.created_at)
    ).total_seconds()
    return round(done / seconds, 3) if seconds > 0 else None


def progress(
    engine: Engine,
    batch: Batch,
    counts: Counts,
    recent: int,
    last_finish: datetime | None,
    now: datetime,
) -> Progress:
    """Rate (resumes/s over the last minute), ETA, and whether the batch is stalled and why.

    `recent` is how many jobs finished in the last minute, `last_finish` the latest finish.
    The ETA is only given once the rate is known (`eta_state` "estimating" before) and while
    jobs keep finishing at that pace ("stalled" once none has for longer than the pace allows).
    """
    left = counts.queued + counts.running + counts.failed
    active = batch.status in (BatchStatus.QUEUED, BatchStatus.IN_PROGRESS)
    last = last_finish or batch.created_at
    idle = _ago(last, now) or 0.0
    stuck = stuck_queues(engine, batch.id) if active else []
    reason = None
    if active and idle >= STALLED_AFTER_S:
        worker = _ago(heartbeats.last_seen(engine, heartbeats.Kind.WORKER), now)
        reconciler = _ago(heartbeats.last_seen(engine, heartbeats.Kind.RECONCILER), now)
        reason = stall_reason(idle, worker, reconciler, stuck)
    eta: float | None = None
    rate = int(recent or 0) / RATE_WINDOW_S
    if not active:
        state = "final"
        eta = 0.0 if batch.status == BatchStatus.COMPLETED else None
    else:
        measured = pace(engine, batch.id, recent, counts.done, now)
        rate = measured.rate
        if not measured.known:
            state = "estimating"
        elif reason is not None or rate <= 0 or idle > max(IDLE_ETA_S, 3 * measured.gap_s):
            state = "stalled"  # nothing finished for longer than the pace allows
        else:
            state = "known"
            eta = round(left / rate, 1)
    return Progress(
        rate_per_s=round(rate, 3),
        eta_s=eta,
        eta_state=state,
        last_progress_at=_iso(heartbeats.aware(last)) if last else None,
        stalled=reason is not None,
        stalled_reason=reason,
        stuck_queues=stuck,
    )


def stuck_entry(waiting: WaitingQueue) -> StuckQueue:
    """A waiting queue as the batch object lists it, with the command that consumes it."""
    return StuckQueue(
        queue=waiting.queue, queued=waiting.queued, start=START_FOR_QUEUE[waiting.queue]
    )


def stuck_queues(engine: Engine, batch_id: str | None = None) -> list[StuckQueue]:
    """Queues holding queued jobs (of `batch_id`, or of every active batch) that no live worker
    consumes, with what to start. Said only while some worker runs (with none at all, the
    stall reason says to start one)."""
    return [stuck_entry(w) for w in unconsumed_queues(engine, batch_id)]


def stuck_text(stuck: StuckQueue) -> str:
    return (
        f"queue {stuck.queue!r} holds {stuck.queued} jobs and no running worker "
        f"consumes it: start {stuck.start}"
    )


def stall_reason(
    idle: float, worker_ago: float | None, reconciler_ago: float | None, stuck: list[StuckQueue]
) -> str:
    """Why no job has finished for `idle` seconds, from when a worker and the reconciler were
    last seen (None: never) and the queues nobody consumes; each cause says what to start."""
    causes = []
    if worker_ago is None or worker_ago > heartbeats.STALE_S:
        causes.append("no worker is running: start `cohortcv worker`")
    if reconciler_ago is None or reconciler_ago > RECONCILER_ABSENT_S:
        seen = "has never run" if reconciler_ago is None else f"last ran {reconciler_ago:.0f} s ago"
        causes.append(
            f"the reconciler {seen}, so lost messages are not re-sent: start `cohortcv beat` "
            "(or one `cohortcv worker -B`)"
        )
    causes += [stuck_text(q) for q in stuck]
    if not causes:
        causes.append(
            "workers and the reconciler are running: a chunk may be stuck (see the worker logs)"
        )
    return f"no job has finished for {idle:.0f} s; " + "; ".join(causes)
