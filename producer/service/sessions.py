"""The web page's sign-in: sessions started with an API key, and the per-address throttle on failed tries."""

from __future__ import annotations

from datetime import timedelta

from producer.service.context import Service
from shared.db import sessions, signin_throttle
from shared.db.sessions import NewSession

__all__ = ["NewSession", "end", "institution_of", "record_failure", "retry_after", "start"]


def start(svc: Service, key: str, lifetime: timedelta) -> NewSession | None:
    """A session for the key's institution; None for an unknown or revoked key."""
    return sessions.start(svc.engine, key, lifetime)


def institution_of(svc: Service, session_id: str) -> str | None:
    """The institution a live session belongs to; None when it expired or never was."""
    return sessions.resolve(svc.engine, session_id)


def end(svc: Service, session_id: str) -> bool:
    return sessions.end(svc.engine, session_id)


def retry_after(svc: Service, address: str, max_failures: int, window: timedelta) -> int | None:
    """Seconds an address must wait before it may try a key again; None when it may now."""
    return signin_throttle.retry_after(svc.engine, address, max_failures, window)


def record_failure(svc: Service, address: str, window: timedelta) -> None:
    signin_throttle.record_failure(svc.engine, address, window)
