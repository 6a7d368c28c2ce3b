"""Task names, queues and payloads: the only thing the producer and the workers exchange by broker."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Task names are strings so the producer can send them without importing the workers.
WRITE_CHUNK = "cohortcv.write_chunk"  # a model writer: GPU work
WRITE_TEMPLATE_CHUNK = "cohortcv.write_template_chunk"  # the template writer: CPU work
RENDER_CHUNK = "cohortcv.render_chunk"
RECONCILE = "cohortcv.reconcile"
PURGE_EXPIRED = "cohortcv.purge_expired"

# Every queue name is defined here, once. Model writes (a model on a GPU) have their own queue;
# template writes, rendering and finalising are CPU work any CPU worker takes: a host without
# a GPU runs template batches with CPU workers alone.
GENERATE_QUEUE = "generate"
WRITE_QUEUE = "write"
RENDER_QUEUE = "render"
CONTROL_QUEUE = "control"
ALL_QUEUES = (GENERATE_QUEUE, WRITE_QUEUE, RENDER_QUEUE, CONTROL_QUEUE)
CPU_QUEUES = (WRITE_QUEUE, RENDER_QUEUE, CONTROL_QUEUE)
# Queues that carry chunks of jobs (the reconciler compares them with the jobs queued in SQL).
CHUNK_QUEUES = (GENERATE_QUEUE, WRITE_QUEUE, RENDER_QUEUE)

ROUTES: dict[str, dict[str, str]] = {
    WRITE_CHUNK: {"queue": GENERATE_QUEUE},
    WRITE_TEMPLATE_CHUNK: {"queue": WRITE_QUEUE},
    RENDER_CHUNK: {"queue": RENDER_QUEUE},
    RECONCILE: {"queue": CONTROL_QUEUE},
    PURGE_EXPIRED: {"queue": CONTROL_QUEUE},
}

# What to start when a queue has work and no worker consumes it (status, batch object, alerts).
START_FOR_QUEUE = {
    GENERATE_QUEUE: "a model worker: `cohortcv worker --queues generate --device cuda:0` "
    "(one per GPU; --device cpu works, slowly)",
    WRITE_QUEUE: "a CPU worker: `cohortcv worker --queues write,render,control`",
    RENDER_QUEUE: "a CPU worker: `cohortcv worker --queues write,render,control`",
    CONTROL_QUEUE: "a CPU worker: `cohortcv worker --queues write,render,control`",
}

WRITE_STAGE = "write"  # shared.db.models.JobStage.WRITE (this module imports no database code)


def write_task(writer: str) -> str:
    """The write task of a batch's writer: the template writer needs no GPU."""
    return WRITE_TEMPLATE_CHUNK if writer == "template" else WRITE_CHUNK


def stage_task(stage: str, writer: str) -> str:
    """The task that runs a job's `stage` for a batch written by `writer`."""
    return write_task(writer) if stage == WRITE_STAGE else RENDER_CHUNK


def stage_queue(stage: str, writer: str) -> str:
    """The broker queue a job of `stage` waits in, for a batch written by `writer`."""
    return ROUTES[stage_task(stage, writer)]["queue"]


class ChunkPayload(BaseModel):
    """The body of a write or render task: job ids only, never data (docs/design.md §5)."""

    batch_id: str
    job_ids: list[int] = Field(min_length=1)
