"""The reconciler: the database is the source of truth, so lost messages are re-sent from it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine

from shared.db import batches, jobs
from shared.db.models import JobStage
from shared.policy import Policy
from shared.tasks import GENERATE_QUEUE, RENDER_CHUNK, RENDER_QUEUE, WRITE_CHUNK

log = logging.getLogger(__name__)

Sender = Callable[[str, str, list[int]], None]  # (task name, batch id, job ids)
STAGE_TASK = {JobStage.WRITE: WRITE_CHUNK, JobStage.RENDER: RENDER_CHUNK}


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


def reconcile(
    engine: Engine,
    send: Sender,
    policy: Policy,
    queue_depth: Callable[[str], int] | None = None,
) -> dict[str, int]:
    """One pass: re-send stale jobs, refill every active batch's window, close finished batches.

    Queued jobs past their deadline are re-sent only when the broker queue of their stage is
    empty (messages were lost, e.g. a Redis restart without persistence); a long but healthy
    queue is left alone.
    """
    empty = True
    if queue_depth is not None:
        empty = queue_depth(GENERATE_QUEUE) == 0 and queue_depth(RENDER_QUEUE) == 0
    resent = 0
    for group in jobs.take_stale(
        engine,
        retry_delay_s=policy.retry_delay_s,
        deadline_s=policy.deadline_s,
        include_queued=empty,
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
        log.warning("reconciler re-sent %d stale jobs", resent)
    return {"resent": resent, "topped_up": topped, "completed": completed}
