"""/healthz (database and broker reachable) and /metrics (Prometheus)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from producer.api.deps import ServiceDep
from producer.api.schemas import Health
from shared.db.health import ping
from shared.settings import Settings

router = APIRouter(tags=["operations"])
log = logging.getLogger("cohortcv.api")


def _database(svc: Any) -> bool:
    try:
        ping(svc.engine)
        return True
    except Exception as exc:  # any failure means unreachable; the type is enough for the log
        log.warning("health: database unreachable (%s)", type(exc).__name__)
        return False


def _broker(settings: Settings) -> bool:
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


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(svc: ServiceDep) -> Any:
    """200 when the database and the broker answer, else 503 naming which does not."""
    db_ok, broker_ok = _database(svc), _broker(svc.settings)
    body = {
        "status": "ok" if db_ok and broker_ok else "unavailable",
        "database": "ok" if db_ok else "unreachable",
        "broker": "ok" if broker_ok else "unreachable",
    }
    return JSONResponse(body, status_code=200 if db_ok and broker_ok else 503)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Prometheus metrics of this API process."""
    return Response(request.app.state.metrics.render(), media_type="text/plain; version=0.0.4")
