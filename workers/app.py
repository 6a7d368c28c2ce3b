"""The Celery app of the workers (composition root): `celery -A workers.app worker`."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_shutdown

from shared.celery_config import make_celery, queue_depth
from shared.settings import get_settings
from workers import holder, tasks

settings = get_settings()
app = make_celery(settings)
tasks.register(app, settings)
if settings.writer.preload:
    holder.allow_slow_child_start()


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
        logging.getLogger(__name__).info(
            "metrics on %s:%d", settings.metrics_address, settings.metrics_port
        )
