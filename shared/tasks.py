"""Task names, queues and payloads: the only thing the producer and the workers exchange by broker."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Task names are strings so the producer can send them without importing the workers.
WRITE_CHUNK = "cohortcv.write_chunk"
RENDER_CHUNK = "cohortcv.render_chunk"
RECONCILE = "cohortcv.reconcile"
PURGE_EXPIRED = "cohortcv.purge_expired"

# Generation (a model on a GPU) and CPU work (rendering, finalising) are separate queues.
GENERATE_QUEUE = "generate"
RENDER_QUEUE = "render"
CONTROL_QUEUE = "control"

ROUTES: dict[str, dict[str, str]] = {
    WRITE_CHUNK: {"queue": GENERATE_QUEUE},
    RENDER_CHUNK: {"queue": RENDER_QUEUE},
    RECONCILE: {"queue": CONTROL_QUEUE},
    PURGE_EXPIRED: {"queue": CONTROL_QUEUE},
}
ALL_QUEUES = (GENERATE_QUEUE, RENDER_QUEUE, CONTROL_QUEUE)


class ChunkPayload(BaseModel):
    """The body of a write or render task: job ids only, never data (DESIGN §5)."""

    batch_id: str
    job_ids: list[int] = Field(min_length=1)
