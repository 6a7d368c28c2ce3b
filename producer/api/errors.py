"""Errors as JSON `{code, message}` with a stable code; no stack trace ever reaches a client."""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from shared.errors import (
    CohortcvError,
    ConfigurationError,
    InputError,
    NotFoundError,
    TooLargeError,
    WholeFileError,
)

log = logging.getLogger("cohortcv.api")


class Unauthorized(CohortcvError):
    """No API key, or one that is unknown or revoked."""


class Forbidden(CohortcvError):
    """A cookie-authenticated change sent from another site."""


class CutOff(InputError):
    """An upload whose body ended before its multipart end: nothing of it is kept."""


# What a client that hung up before its request was read gets counted and logged as (nginx's
# "client closed request"): no answer reaches it, and it is no failure of the server.
CLIENT_GONE = 499


# (exception class, HTTP status, code); the first match wins, so subclasses come first.
MAPPING: list[tuple[type[Exception], int, str]] = [
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (CutOff, 400, "incomplete_upload"),
    (TooLargeError, 413, "too_large"),
    (WholeFileError, 422, "invalid_file"),
    (InputError, 422, "invalid_request"),
    (ConfigurationError, 503, "unavailable"),
]
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid_request",
}  # fmt: skip


def error_body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def classify(exc: Exception) -> tuple[int, str, str]:
    """HTTP status, code and message for one of our errors."""
    for kind, status, code in MAPPING:
        if isinstance(exc, kind):
            if isinstance(exc, WholeFileError):
                return status, code, f"{exc.path}: {exc.message}"
            return status, code, str(exc)
    return 500, "internal_error", "internal error"


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into `{code, message}`."""

    @app.exception_handler(CohortcvError)
    async def _ours(request: Request, exc: CohortcvError) -> JSONResponse:
        status, code, message = classify(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(code, message), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors()[:10]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse(
            error_body("invalid_request", "; ".join(problems) or "invalid request"), status_code=422
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = HTTP_CODES.get(
            exc.status_code, "error" if exc.status_code < 500 else "internal_error"
        )
        detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(
            error_body(code, detail), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        # The access log line says 499; the upload was discarded where it was being read.
        return Response(status_code=CLIENT_GONE)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only the type and the code locations go to the log: an exception's message may quote
        # a person's data, which the logs never hold.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("request %s failed: %s\n%s", request_id(request), type(exc).__name__, frames)
        return JSONResponse(
            error_body("internal_error", f"internal error (request {request_id(request)})"),
            status_code=500,
        )
