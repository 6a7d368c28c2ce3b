"""Whether the database and the broker answer: what /healthz reports."""

from __future__ import annotations

import logging

from producer.service.context import Service
from shared.db.health import ping
from shared.settings import Settings

log = logging.getLogger("cohortcv.api")


def database_ok(svc: Service) -> bool:
    try:
        ping(svc.engine)
        return True
    except Exception as exc:  # any failure means unreachable; the type is enough for the log
        log.warning("health: database unreachable (%s)", type(exc).__name__)
        return False


def broker_ok(settings: Settings) -> bool:
    if settings.embedded_broker:
        return settings.broker_folder().is_dir() or settings.data_dir.is_dir()
    from kombu import Connection

    try:
        with Connection(settings.resolved_broker_url(), connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception as exc:
        log.warning("health: broker unreachable (%s)", type(exc).__name__)
        return False
