"""Request logs and ids: one line per request with ids, status and time, never a person's data."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from producer.api.errors import error_body
from shared.logs import escape

log = logging.getLogger("cohortcv.api.access")
errlog = logging.getLogger("cohortcv.api")


class RequestLog:
    """Pure ASGI middleware: a request id (X-Request-ID), the access log, and a last-resort 500.

    The path is logged without its query string; ids in paths are batch and resume ids only.
    An unexpected exception becomes `{code, message}` here, so neither a client nor the log
    sees a traceback with its message (only the exception type and code locations).
    """

    def __init__(self, app: ASGIApp, on_done: Any = None) -> None:
        self.app = app
        self.on_done = on_done

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            import traceback

            frames = "".join(traceback.format_tb(exc.__traceback__))
            errlog.error("request %s failed: %s\n%s", rid, type(exc).__name__, frames)
            if not status["sent"]:
                body = json.dumps(
                    error_body("internal_error", f"internal error (request {rid})")
                ).encode()
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
        finally:
            ms = (time.perf_counter() - started) * 1000
            institution = scope.get("state", {}).get("institution", "-")
            log.info(
                "%s %s %s %d %.1fms institution=%s",
                # The path is the client's (percent-decoded): CR/LF, NUL or bidi characters in it
                # are escaped here too, not only by the handlers' filter.
                rid, escape(str(scope.get("method", "-"))), escape(str(scope.get("path", "-"))),
                status["code"], ms, escape(str(institution)),
            )  # fmt: skip
            if self.on_done is not None:
                self.on_done(scope, status["code"], ms / 1000)
