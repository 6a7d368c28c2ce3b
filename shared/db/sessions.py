"""Web sessions: a random id per signed-in browser, stored only as a hash with its end.

The browser's cookie holds the session id, never the API key. A session ends when it expires,
on sign-out, and when its key is revoked or its institution deleted (the rows cascade).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from shared.db.models import ApiKey, WebSession, utcnow
from shared.db.tenants import KEY_PREFIX, hash_key

# 256 random bits, like a key; a different look so neither is mistaken for the other.
_ID_BYTES = 32
_MAX_ID_CHARS = 100


@dataclass(frozen=True)
class NewSession:
    session_id: str  # for the cookie only; never stored
    institution_id: str
    expires_at: datetime


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start(engine: Engine, key: str, lifetime: timedelta) -> NewSession | None:
    """A session for a live key (None for an unknown, malformed or revoked one); expired
    sessions of every institution are removed on the way."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    now = utcnow()
    session_id = secrets.token_urlsafe(_ID_BYTES)
    with engine.begin() as conn:
        row = conn.execute(
            select(ApiKey.id, ApiKey.institution_id).where(
                ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        conn.execute(delete(WebSession).where(WebSession.expires_at <= now))
        conn.execute(
            insert(WebSession).values(
                id_hash=_hash(session_id), key_id=row.id, created_at=now,
                expires_at=now + lifetime,
            )
        )  # fmt: skip
    return NewSession(session_id, str(row.institution_id), now + lifetime)


def resolve(engine: Engine, session_id: str) -> str | None:
    """The institution of a live session (not expired, its key not revoked), else None."""
    if not session_id or len(session_id) > _MAX_ID_CHARS:
        return None
    with engine.connect() as conn:
        institution = conn.scalar(
            select(ApiKey.institution_id)
            .join(WebSession, WebSession.key_id == ApiKey.id)
            .where(
                WebSession.id_hash == _hash(session_id),
                WebSession.expires_at > utcnow(),
                ApiKey.revoked_at.is_(None),
            )
        )
    return None if institution is None else str(institution)


def end(engine: Engine, session_id: str) -> bool:
    """Sign-out: the session is gone (whether or not it was still live)."""
    if not session_id or len(session_id) > _MAX_ID_CHARS:
        return False
    with engine.begin() as conn:
        n = conn.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))
    return bool(n.rowcount)


def purge_expired(engine: Engine) -> int:
    """Remove the sessions past their end; returns how many."""
    with engine.begin() as conn:
        n = conn.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    return int(n.rowcount or 0)
