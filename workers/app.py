"""The Celery app of the workers (composition root): `celery -A workers.app worker`."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    worker_init,
    worker_process_init,
    worker_shutdown,
)

from shared import logs
from shared.celery_config import make_celery, queue_depth
from shared.profile import Basics, Meta, Resume
from shared.settings import get_settings
from workers import holder, tasks

settings = get_settings()
app = make_celery(settings)
tasks.register(app, settings)
log = logging.getLogger(__name__)
if settings.writer.preload:
    holder.allow_slow_child_start()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_logs(**_: Any) -> None:
    # Worker and beat: every handler Celery just set up (root, task, multiprocessing) escapes
    # values and writes exceptions without their messages; pool children inherit it by fork.
    logs.install()


@worker_process_init.connect
def _preload_writer(**_: Any) -> None:
    # `cohortcv worker --writer llm`: each child loads its model before it takes a message.
    if settings.writer.preload:
        holder.preload_or_exit(settings)


@worker_shutdown.connect
def _exit_if_writer_failed(**_: Any) -> None:
    if settings.writer.preload:
        holder.exit_if_load_failed(settings)


@worker_init.connect
def _serve_metrics(**_: Any) -> None:
    # The parent only serves metrics; models load lazily in the children (workers.holder).
    if settings.metrics_port:
        from workers import metrics

        metrics.serve(
            settings.metrics_port, lambda q: queue_depth(app, q), settings.metrics_address
        )
        log.info("metrics on %s:%d", settings.metrics_address, settings.metrics_port)


@worker_process_init.connect
def _warm_renderers(**_: Any) -> None:
    # Each pool child builds its Typst compiler and loads the Latin and CJK fonts before its
    # first task rather than during it (about 0.15 s of CPU, more on a busy machine). In a
    # thread: worker_process_init has a 4 s watchdog, and a task that comes sooner simply waits
    # on the renderer's lock. Renderers only; a model writer still loads on first use.
    threading.Thread(target=_warm, name="warm-renderers", daemon=True).start()


def _warm() -> None:
    try:
        renderers = holder.context(settings).renderers.values()
        for language in ("en", "zh"):
            resume = Resume(basics=Basics(name="Warm-up"), meta=Meta(language=language))
            for renderer in renderers:
                renderer.render(resume)
    except Exception:  # a real job reports the same failure, with its own context
        log.debug("renderer warm-up failed", exc_info=True)
