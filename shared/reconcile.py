"""The reconciler: the database is the source of truth, so lost messages are re-sent from it.

It notices within a pass (docs/design.md §5): running jobs whose claiming process is gone (worker
liveness, shared.db.heartbeats), queued jobs of a stage whose broker queue is empty (broker
state), abandoned uploads; the long job deadline only catches a worker alive but stuck.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import Engine

from shared.db import batches, heartbeats, jobs
from shared.db.models import JobStage
from shared.policy import LOST_QUEUED_AFTER_S, Policy
from shared.tasks import CHUNK_QUEUES, stage_queue, stage_task

log = logging.getLogger(__name__)

Sender = Callable[[str, str, list[int]], None]  # (task name, batch id, job ids)
STAGES = (JobStage.WRITE, JobStage.RENDER)
RECONCILER_ID = "reconciler"


def top_up(engine: Engine, send: Sender, batch_id: str, policy: Policy) -> int:
    """Send the next chunks of a batch while its window has room; returns jobs sent.

    Writes go to the queue of the batch's writer (shared.tasks.write_task)."""
    sent = 0
    writing: list[int] = []
    for stage, chunk in jobs.release_window(
        engine, batch_id, policy.chunk_size, policy.window_chunks, policy.deadline_s
    ):
        if stage == JobStage.WRITE:
            writing += chunk  # re-cut below into the write queue's own chunk size
            continue
        send(stage_task(stage, ""), batch_id, chunk)
        sent += len(chunk)
    if writing:
        task = stage_task(JobStage.WRITE, batches.writer_of(engine, batch_id))
        size = policy.write_chunk_size or policy.chunk_size
        for i in range(0, len(writing), size):
            send(task, batch_id, writing[i : i + size])
            sent += len(writing[i : i + size])
    return sent


def _empty_lanes(
    queue_depth: Callable[[str], int] | None, writers: dict[str, str]
) -> dict[str, list[str]]:
    """Per stage, the active batches whose broker queue for that stage holds no message; with
    no broker view, none (be safe)."""
    if queue_depth is None:
        return {}
    empty = set()
    for queue in CHUNK_QUEUES:
        try:
            if queue_depth(queue) == 0:
                empty.add(queue)
        except Exception as exc:  # broker unreachable: decide nothing from it this pass
            log.warning("queue depth of %s unavailable: %s", queue, exc)
    lanes = {
        stage: [b for b, w in writers.items() if stage_queue(stage, w) in empty] for stage in STAGES
    }
    return {stage: ids for stage, ids in lanes.items() if ids}


def _resend(
    send: Sender, groups: Iterable[jobs.StaleGroup], writers: dict[str, str], chunk_size: int
) -> int:
    resent = 0
    for group in groups:
        task = stage_task(group.stage, writers.get(group.batch_id, "template"))
        for i in range(0, len(group.job_ids), chunk_size):
            send(task, group.batch_id, group.job_ids[i : i + chunk_size])
        resent += len(group.job_ids)
    return resent


def reconcile(
    engine: Engine,
    send: Sender,
    policy: Policy,
    queue_depth: Callable[[str], int] | None = None,
) -> dict[str, int]:
    """One pass: clean abandoned uploads, re-send lost and stale jobs, refill every active
    batch's window, close finished batches."""
    heartbeats.beat(engine, RECONCILER_ID, heartbeats.Kind.RECONCILER)
    abandoned = batches.clean_abandoned(engine)
    gone = heartbeats.gone(engine, jobs.running_claimers(engine))
    writers = batches.writers(engine, batches.active_batch_ids(engine))
    groups = jobs.take_stale(
        engine,
        retry_after_s=policy.retry_after_s,
        deadline_s=policy.deadline_s,
        empty_stages=_empty_lanes(queue_depth, writers),
        lost_queued_after_s=LOST_QUEUED_AFTER_S,
        gone_claimers=gone,
    )
    # A failed job of a batch that just finished its other jobs may be outside `writers`.
    writers |= batches.writers(engine, {g.batch_id for g in groups} - set(writers))
    resent = _resend(send, groups, writers, policy.chunk_size)
    topped = 0
    completed = 0
    for batch_id in batches.active_batch_ids(engine):
        topped += top_up(engine, send, batch_id, policy)
        if batches.refresh_status(engine, batch_id) == "completed":
            completed += 1
    if resent:
        log.warning(
            "reconciler re-sent %d jobs (claimers gone: %s)", resent, sorted(gone) or "none"
        )
    heartbeats.prune(engine)
    return {"resent": resent, "topped_up": topped, "completed": completed, "abandoned": abandoned}
