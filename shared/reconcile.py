"""The reconciler: the database is the source of truth, so lost messages are re-sent from it.

It notices within a pass (DESIGN §5): running jobs whose claiming process is gone (worker
liveness, shared.db.heartbeats), queued jobs of a stage whose broker queue is empty (broker
state), abandoned uploads; the long job deadline only catches a worker alive but stuck.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine

from shared.db import batches, heartbeats, jobs
from shared.db.models import JobStage
from shared.policy import LOST_QUEUED_AFTER_S, Policy
from shared.tasks import GENERATE_QUEUE, RENDER_CHUNK, RENDER_QUEUE, WRITE_CHUNK

log = logging.getLogger(__name__)

Sender = Callable[[str, str, list[int]], None]  # (task name, batch id, job ids)
STAGE_TASK = {JobStage.WRITE: WRITE_CHUNK, JobStage.RENDER: RENDER_CHUNK}
STAGE_QUEUE = {JobStage.WRITE: GENERATE_QUEUE, JobStage.RENDER: RENDER_QUEUE}
RECONCILER_ID = "reconciler"


def top_up(engine: Engine, send: Sender, batch_id: str, policy: Policy) -> int:
    """Send the next chunks of a batch while its window has room; returns jobs sent."""
    sent = 0
    writing: list[int] = []
    for stage, chunk in jobs.release_window(
        engine, batch_id, policy.chunk_size, policy.window_chunks, policy.deadline_s
    ):
        if stage == JobStage.WRITE and policy.write_chunk_size:
            writing += chunk  # re-cut below into the generate queue's own chunk size
            continue
        send(STAGE_TASK[stage], batch_id, chunk)
        sent += len(chunk)
    size = policy.write_chunk_size
    for i in range(0, len(writing), size or 1):
        send(WRITE_CHUNK, batch_id, writing[i : i + size])
        sent += len(writing[i : i + size])
    return sent


def _empty_stages(queue_depth: Callable[[str], int] | None) -> list[str]:
    """Stages whose broker queue holds no message; with no broker view, none (be safe)."""
    if queue_depth is None:
        return []
    empty = []
    for stage, queue in STAGE_QUEUE.items():
        try:
            if queue_depth(queue) == 0:
                empty.append(stage)
        except Exception as exc:  # broker unreachable: decide nothing from it this pass
            log.warning("queue depth of %s unavailable: %s", queue, exc)
    return empty


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
    resent = 0
    for group in jobs.take_stale(
        engine,
        retry_after_s=policy.retry_after_s,
        deadline_s=policy.deadline_s,
        empty_stages=_empty_stages(queue_depth),
        lost_queued_after_s=LOST_QUEUED_AFTER_S,
        gone_claimers=gone,
    ):
        for i in range(0, len(group.job_ids), policy.chunk_size):
            send(STAGE_TASK[group.stage], group.batch_id, group.job_ids[i : i + policy.chunk_size])
        resent += len(group.job_ids)
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
