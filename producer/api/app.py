"""The API's composition root: `create_app(settings)` builds the FastAPI app (uvicorn --factory)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from producer.api import errors
from producer.api.logs import RequestLog
from producer.api.metrics import ApiMetrics
from producer.api.routes import batches, docs, health, resumes
from producer.service.context import Sender, Service, celery_sender
from shared.settings import Settings, get_settings

SECURITY_HEADERS = {
    # The page loads nothing from elsewhere and runs only its own script file.
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, send: Sender | None = None
) -> FastAPI:
    """The HTTP API and web page over one database and broker (from settings unless given)."""
    from producer.api.web import pages
    from shared.db.engine import make_engine
    from shared.db.migrate import require_schema

    settings = settings or get_settings()
    owned_engine = engine is None
    if engine is None:
        engine = make_engine(settings.resolved_database_url())
        require_schema(engine)
    sender = send if send is not None else celery_sender(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        close = getattr(sender, "close", None)
        if close is not None:
            close()
        if owned_engine:
            engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="cohortcv",
        version="0.1.0",
        summary="Truthful, well-made resumes in bulk: upload a cohort, poll the batch, download.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = Service(settings, engine, sender)
    app.state.metrics = ApiMetrics()
    errors.install(app)
    for router in (batches.router, resumes.router, health.router, docs.router, pages.router):
        app.include_router(router)
    pages.mount_static(app)

    @app.middleware("http")
    async def _security_headers(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    app.add_middleware(RequestLog, on_done=app.state.metrics.observe)
    return app
