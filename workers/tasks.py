"""The Celery tasks: thin adapters from a message of job ids to the pipeline, metrics and next sends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import DBAPIError, OperationalError

from shared.celery_config import queue_depth, send_chunk
from shared.db import batches, jobs
from shared.db.retention import purge_expired
from shared.reconcile import reconcile, top_up
from shared.settings import Settings
from shared.tasks import PURGE_EXPIRED, RECONCILE, RENDER_CHUNK, WRITE_CHUNK, ChunkPayload
from workers import holder, metrics
from workers.pipeline import PipelineContext, StageResult, render_stage, write_stage

log = logging.getLogger(__name__)

# A database that restarts or drops connections: retry the whole chunk; it is idempotent.
RETRY_ON = (OperationalError, DBAPIError, ConnectionError)
RETRYING: dict[str, Any] = {
    "autoretry_for": RETRY_ON,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


def _count(stage: str, result: StageResult) -> None:
    metrics.RESUMES.labels(stage, "ok").inc(len(result.advanced))
    metrics.RESUMES.labels(stage, "failed").inc(len(result.failed))
    metrics.RESUMES.labels(stage, "dead").inc(len(result.dead))
    metrics.CHUNK_SECONDS.labels(stage).observe(result.seconds)


def register(app: Celery, settings: Settings) -> None:
    """Define our tasks on `app`; names come from shared.tasks so the producer can send them."""

    def send(task: str, batch_id: str, ids: list[int]) -> None:
        send_chunk(app, task, batch_id, ids)

    def on_soft_limit(job_ids: list[int], stage: str) -> None:
        ctx = holder.context(settings)
        jobs.fail(
            ctx.engine,
            {i: f"{stage} exceeded the soft time limit" for i in job_ids},
            settings.worker.max_attempts,
        )

    def run_stage(
        stage: str, job_ids: list[int], step: Callable[[PipelineContext, list[int]], StageResult]
    ) -> StageResult | None:
        """One stage on one chunk; a soft time limit fails the chunk's jobs for a later retry."""
        ctx = holder.context(settings)
        try:
            result = step(ctx, job_ids)
        except SoftTimeLimitExceeded:
            on_soft_limit(job_ids, stage)
            return None
        _count(stage, result)
        return result

    @app.task(name=WRITE_CHUNK, **RETRYING)
    def write_chunk(batch_id: str, job_ids: list[int]) -> dict[str, Any]:
        payload = ChunkPayload(batch_id=batch_id, job_ids=job_ids)
        result = run_stage("write", payload.job_ids, write_stage)
        if result is None:
            return {"soft_time_limit": True}
        if result.advanced:
            send(RENDER_CHUNK, batch_id, result.advanced)
        return {"written": len(result.advanced), "failed": len(result.failed)}

    @app.task(name=RENDER_CHUNK, **RETRYING)
    def render_chunk(batch_id: str, job_ids: list[int]) -> dict[str, Any]:
        payload = ChunkPayload(batch_id=batch_id, job_ids=job_ids)
        result = run_stage("render", payload.job_ids, render_stage)
        if result is None:
            return {"soft_time_limit": True}
        # This chunk left the window: let the batch send its next one.
        engine = holder.context(settings).engine
        top_up(engine, send, batch_id, settings.policy())
        batches.refresh_status(engine, batch_id)
        return {"done": len(result.advanced), "failed": len(result.failed)}

    @app.task(name=RECONCILE, autoretry_for=RETRY_ON, max_retries=2)
    def reconcile_task() -> dict[str, int]:
        ctx = holder.context(settings)
        return reconcile(ctx.engine, send, settings.policy(), lambda q: queue_depth(app, q))

    @app.task(name=PURGE_EXPIRED, autoretry_for=RETRY_ON, max_retries=2)
    def purge_expired_task() -> dict[str, int]:
        purged = purge_expired(holder.context(settings).engine, settings.api.retention_days)
        if purged:
            log.info(
                "retention: purged %d batches older than %d days",
                len(purged),
                settings.api.retention_days,
            )
        return {"purged": len(purged)}
