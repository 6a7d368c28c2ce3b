"""The API's composition root: `create_app(settings)` builds the FastAPI app (uvicorn --factory)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
# Answers hold people's data (batches, reports, resumes, downloads) or a session: no browser or
# proxy may keep a copy. Only the page's own script and stylesheet files may be cached.
NO_STORE = ("cache-control", "no-store")
CACHEABLE_PREFIX = "/static/"


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, send: Sender | None = None
) -> FastAPI:
    """The HTTP API and web page over one database and broker (from settings unless given)."""
    from producer.api.web import pages
    from producer.service.database import open_engine

    settings = settings or get_settings()
    owned_engine = engine is None
    if engine is None:
        engine = open_engine(settings)
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
    _declare_security(app)

    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog, on_done=app.state.metrics.observe)
    return app


def serve_app() -> FastAPI:
    """`create_app()` for `cohortcv api`: the processes that validate uploads start and stop
    with the server, so the first upload does not wait for them to start and import."""
    from producer.service import isolated

    app = create_app()
    inner = app.router.lifespan_context
    processes = app.state.service.settings.api.ingest_pool_size()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        isolated.warm(processes)
        try:
            async with inner(app) as state:
                yield state
        finally:
            isolated.shutdown()

    app.router.lifespan_context = lifespan
    return app


def _declare_security(app: FastAPI) -> None:
    """The OpenAPI document says that every /v1 call takes `Authorization: Bearer KEY`
    (the key is checked by a dependency, which FastAPI would not describe by itself)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        spec = plain()  # FastAPI keeps it: the lines below run on the cached document
        spec.setdefault("components", {})["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key from `cohortcv tenant create`",
            }
        }
        for path, operations in spec.get("paths", {}).items():
            if path.startswith("/v1/"):
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


class HeadAsGet:
    """Pure ASGI middleware: HEAD is answered as GET without the body (RFC 9110 §9.3.2), so
    every read endpoint takes it; FastAPI's routes would answer 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        inner = {**scope, "method": "GET"}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(inner, receive, headers_only)
        finally:
            # The route found for the GET names the request in the metrics.
            if "route" in inner:
                scope["route"] = inner["route"]


class SecurityHeaders:
    """Pure ASGI middleware: the headers above on every answer that does not set its own, and
    `Cache-Control: no-store` on every answer but a static file's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
                if not str(scope.get("path", "")).startswith(CACHEABLE_PREFIX):
                    headers[NO_STORE[0]] = NO_STORE[1]
            await send(message)

        await self.app(scope, receive, send_with_headers)
