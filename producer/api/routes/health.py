"""/healthz (database and broker reachable) and /metrics (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from producer.api.deps import ServiceDep
from producer.api.schemas import Health
from producer.service.health import broker_ok, database_ok

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(svc: ServiceDep) -> Any:
    """200 when the database and the broker answer, else 503 naming which does not."""
    db, broker = database_ok(svc), broker_ok(svc.settings)
    body = {
        "status": "ok" if db and broker else "unavailable",
        "database": "ok" if db else "unreachable",
        "broker": "ok" if broker else "unreachable",
    }
    return JSONResponse(body, status_code=200 if db and broker else 503)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Prometheus metrics of this API process."""
    return Response(request.app.state.metrics.render(), media_type="text/plain; version=0.0.4")
