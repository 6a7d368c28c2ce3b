"""The Celery tasks: thin adapters from a message of job ids to the pipeline, metrics and next sends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_ready, worker_shutdown

from shared.celery_config import queue_depth, send_chunk
from shared.db import batches, heartbeats, jobs
from shared.db.engine import make_engine
from shared.db.failures import DATABASE_ERRORS, database_error_line, lost_connection
from shared.db.retention import purge_expired
from shared.errors import ConfigurationError, NotFoundError
from shared.reconcile import reconcile, top_up
from shared.settings import Settings
from shared.tasks import (
    PURGE_EXPIRED,
    RECONCILE,
    RENDER_CHUNK,
    WRITE_CHUNK,
    WRITE_TEMPLATE_CHUNK,
    ChunkPayload,
)
from workers import holder, metrics
from workers.pipeline import PipelineContext, StageResult, render_stage, write_stage

log = logging.getLogger(__name__)


class TransientError(Exception):
    """A database that restarts or drops connections: Celery retries the whole chunk."""


RETRYING: dict[str, Any] = {
    "autoretry_for": (TransientError, ConnectionError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 8,
}
# Reconciling is a pass over SQL: any database error is worth another try.
RECONCILE_RETRY_ON = (*DATABASE_ERRORS, ConnectionError)


def transient(exc: BaseException) -> bool:
    """A lost connection, not an answer: the same statement may well work in a moment.
    A rejected row (a trigger, a constraint) is an answer: retrying at once only burns attempts."""
    return isinstance(exc, ConnectionError) or lost_connection(exc)


def describe(exc: BaseException) -> str:
    """The real cause in a line a user can read in report.csv (no SQL, no parameters)."""
    line = database_error_line(exc)
    if line is not None:
        return line
    if isinstance(exc, ConfigurationError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


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
        stage: str,
        job_ids: list[int],
        step: Callable[[PipelineContext, list[int], bool], StageResult],
        retry: bool,
    ) -> StageResult | None:
        """One stage on one chunk. A soft time limit or an error fails the chunk's jobs with
        the real cause; the reconciler retries them after the backoff (a lost connection is
        retried by Celery instead: `retry`, the run that raised left its jobs running)."""
        ctx = holder.context(settings)
        try:
            result = step(ctx, job_ids, retry)
        except SoftTimeLimitExceeded:
            on_soft_limit(job_ids, stage)
            return None
        except Exception as exc:
            if transient(exc):
                raise TransientError(describe(exc)) from exc
            log.exception("%s stage failed on %d jobs", stage, len(job_ids))
            failed = jobs.fail_claimed(
                ctx.engine, job_ids, stage, describe(exc), settings.worker.max_attempts,
                permanent=isinstance(exc, ConfigurationError),
            )  # fmt: skip
            metrics.RESUMES.labels(stage, "failed").inc(len(failed))
            return None
        _count(stage, result)
        return result

    def write(task: Task, batch_id: str, job_ids: list[int]) -> dict[str, Any]:
        payload = ChunkPayload(batch_id=batch_id, job_ids=job_ids)
        result = run_stage("write", payload.job_ids, write_stage, bool(task.request.retries))
        if result is None:
            return {"failed_chunk": True}
        if result.advanced:
            send(RENDER_CHUNK, batch_id, result.advanced)
        return {"written": len(result.advanced), "failed": len(result.failed)}

    # One stage, two names: a model write waits in the generate queue for a GPU worker, a
    # template write in the write queue for any CPU worker (shared.tasks.write_task).
    @app.task(name=WRITE_CHUNK, bind=True, **RETRYING)
    def write_chunk(task: Task, batch_id: str, job_ids: list[int]) -> dict[str, Any]:
        return write(task, batch_id, job_ids)

    @app.task(name=WRITE_TEMPLATE_CHUNK, bind=True, **RETRYING)
    def write_template_chunk(task: Task, batch_id: str, job_ids: list[int]) -> dict[str, Any]:
        return write(task, batch_id, job_ids)

    @app.task(name=RENDER_CHUNK, bind=True, **RETRYING)
    def render_chunk(task: Task, batch_id: str, job_ids: list[int]) -> dict[str, Any]:
        payload = ChunkPayload(batch_id=batch_id, job_ids=job_ids)
        result = run_stage("render", payload.job_ids, render_stage, bool(task.request.retries))
        if result is None:
            return {"failed_chunk": True}
        # This chunk left the window: let the batch send its next one.
        engine = holder.context(settings).engine
        top_up(engine, send, batch_id, settings.policy())
        try:
            batches.refresh_status(engine, batch_id)
        except NotFoundError:  # deleted while the chunk ran: it stored nothing
            return {"done": 0, "deleted": True}
        return {"done": len(result.advanced), "failed": len(result.failed)}

    @app.task(name=RECONCILE, autoretry_for=RECONCILE_RETRY_ON, max_retries=2)
    def reconcile_task() -> dict[str, int]:
        ctx = holder.context(settings)
        return reconcile(ctx.engine, send, settings.policy(), lambda q: queue_depth(app, q))

    @app.task(name=PURGE_EXPIRED, autoretry_for=RECONCILE_RETRY_ON, max_retries=2)
    def purge_expired_task() -> dict[str, int]:
        purged = purge_expired(holder.context(settings).engine, settings.api.retention_days)
        if purged:
            log.info(
                "retention: purged %d batches older than %d days",
                len(purged),
                settings.api.retention_days,
            )
        return {"purged": len(purged)}

    register_liveness(settings)


def register_liveness(settings: Settings) -> None:
    """Heartbeat rows for the worker (someone consumes) and each child (the claimers), so the
    reconciler on another host can tell a dead worker from a slow one. With the embedded
    broker every process is on one machine and the reconciler checks pids: no rows needed."""
    if settings.embedded_broker:
        return
    health = make_engine(settings.resolved_database_url())
    metrics.EXTRA_COLLECTORS.append(metrics.BatchHealthCollector(health))
    metrics.EXTRA_COLLECTORS.append(metrics.FleetCollector(health))
    held: dict[str, heartbeats.Beating] = {}

    def start(kind: str, follow_parent: bool, **named: Any) -> None:
        engine = make_engine(settings.resolved_database_url())
        held[kind] = heartbeats.Beating(
            engine, heartbeats.identity(), kind, follow_parent=follow_parent, **named
        ).start()

    @worker_ready.connect(weak=False)
    def _main_alive(sender: Any = None, **_: Any) -> None:
        # The node name and the queues this worker consumes (its -Q), for status and alerts.
        queues = sorted(app_queues(sender)) if sender is not None else None
        node = getattr(sender, "hostname", None)
        start(heartbeats.Kind.WORKER, follow_parent=False, node=node, queues=queues)

    @worker_process_init.connect(weak=False)
    def _child_alive(**_: Any) -> None:
        held.clear()  # a forked child must not stop its parent's thread
        start(heartbeats.Kind.CLAIMER, follow_parent=True)

    @worker_shutdown.connect(weak=False)
    def _main_gone(**_: Any) -> None:
        for kind, beating in held.items():
            # The worker's own row stays: its age, growing, is what alerts on a stopped worker.
            beating.stop(forget_row=kind != heartbeats.Kind.WORKER)


def app_queues(consumer: Any) -> list[str]:
    """The queues a worker consumes, as Celery selected them from its -Q."""
    return list(consumer.app.amqp.queues.consume_from)
