"""Celery configuration derived from the settings object (docs/design.md §5)."""

from __future__ import annotations

from typing import Any

from celery import Celery

from shared.errors import ConfigurationError
from shared.settings import Settings
from shared.tasks import PURGE_EXPIRED, RECONCILE, RENDER_QUEUE, ROUTES, ChunkPayload


def celery_config(settings: Settings) -> dict[str, Any]:
    """Every Celery option we set, with the reason beside it."""
    w = settings.worker
    w.check_time_limits()  # every Celery process (worker, beat, sender) refuses contradictions
    broker_url = settings.resolved_broker_url()
    transport_options: dict[str, Any] = {
        # Above the job deadline (so above the hard time limit): a message is not redelivered
        # while its chunk may still run (WorkerSettings.check_time_limits).
        "visibility_timeout": w.visibility_timeout_s,
    }
    if settings.embedded_broker:
        folder = settings.broker_folder()
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        transport_options |= {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            # Same file system as the queue folder, so claiming a message is an atomic rename.
            "store_processed": True,
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "polling_interval": 0.05,
        }
    return {
        "broker_url": broker_url,
        "broker_transport_options": transport_options,
        "result_backend_transport_options": {"visibility_timeout": w.visibility_timeout_s},
        "visibility_timeout": w.visibility_timeout_s,
        "broker_connection_retry_on_startup": True,
        # State lives in SQL, written by the task itself.
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,  # paired with jobs.attempts and the dead status
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": w.soft_time_limit_s,
        "task_time_limit": w.hard_time_limit_s,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_soft_shutdown_timeout": 30.0,
        "worker_send_task_events": not settings.embedded_broker,
        "task_send_sent_event": not settings.embedded_broker,
        "task_track_started": True,
        "task_routes": ROUTES,
        "task_default_queue": RENDER_QUEUE,
        # Each recycle would reload the model: leave max_tasks/max_memory per child unset.
        "worker_hijack_root_logger": False,
        "beat_schedule": {
            "reconcile": {"task": RECONCILE, "schedule": w.reconcile_interval_s},
            # Retention (COHORTCV_API__RETENTION_DAYS): hourly, only when it is set.
            **(
                {"purge-expired": {"task": PURGE_EXPIRED, "schedule": 3600.0}}
                if settings.api.retention_days > 0
                else {}
            ),
        },
    }


def make_celery(settings: Settings, main: str = "cohortcv") -> Celery:
    """A Celery app configured from settings; tasks are registered by the caller."""
    app = Celery(main)
    app.conf.update(celery_config(settings))
    return app


def send_chunk(app: Celery, task_name: str, batch_id: str, job_ids: list[int]) -> None:
    """Send one chunk of job ids by task name (the producer never imports the workers)."""
    payload = ChunkPayload(batch_id=batch_id, job_ids=job_ids).model_dump()
    app.send_task(task_name, kwargs=payload, **ROUTES.get(task_name, {}))


def queue_depth(app: Celery, queue: str) -> int:
    """Messages waiting in `queue` (not counting those a worker holds unacked).

    An unreachable broker raises: "empty" would make the reconciler think messages were lost."""
    with app.connection_for_read() as conn:
        try:
            return int(conn.default_channel.queue_declare(queue, passive=True).message_count)
        except conn.connection_errors:
            raise
        except Exception:  # a queue nobody declared yet holds nothing
            return 0


def redacted(url: str) -> str:
    """A broker URL fit to print: the password replaced."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def check_broker(app: Celery, timeout_s: float = 5.0) -> None:
    """Connect to the broker once, so a wrong URL or password is reported before any work is
    stored, in words rather than a traceback."""
    url = redacted(str(app.conf.broker_url))
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0.5, timeout=timeout_s)
    except Exception as exc:
        raise ConfigurationError(
            f"cannot use the broker at {url}: {broker_reason(exc)}. "
            "Check COHORTCV_BROKER_URL (host, port, password) and that the broker runs."
        ) from None


def broker_reason(exc: BaseException) -> str:
    """The broker's own words, without the exception chain."""
    cause: BaseException = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    text = str(exc) or type(exc).__name__
    root = str(cause) or type(cause).__name__
    return text if root in text else f"{text} ({root})"
