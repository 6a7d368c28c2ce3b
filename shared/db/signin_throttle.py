"""Failed sign-ins per address: counted over a sliding window; an address over the bound waits.

Addresses are kept only as SHA-256 hashes and only as long as the window, so the table never
holds who tried to sign in, nor for long.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from sqlalchemy import Engine, delete, func, insert, select

from shared.db.heartbeats import aware
from shared.db.models import SigninFailure, utcnow


def _hash(address: str) -> str:
    return hashlib.sha256(address.encode("utf-8")).hexdigest()


def retry_after(engine: Engine, address: str, max_failures: int, window: timedelta) -> int | None:
    """Seconds `address` must wait before it may try again, or None if it may try now."""
    if max_failures <= 0:
        return None
    since = utcnow() - window
    with engine.connect() as conn:
        n, oldest = conn.execute(
            select(func.count(), func.min(SigninFailure.at)).where(
                SigninFailure.address_hash == _hash(address), SigninFailure.at > since
            )
        ).one()
    if n < max_failures or oldest is None:
        return None
    # When the oldest failure leaves the window, one more try is allowed.
    wait = (aware(oldest) + window - utcnow()).total_seconds()
    return max(1, math.ceil(wait))


def record_failure(engine: Engine, address: str, window: timedelta) -> None:
    """Count one wrong key from `address`; failures older than the window are removed."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(delete(SigninFailure).where(SigninFailure.at <= now - window))
        conn.execute(insert(SigninFailure).values(address_hash=_hash(address), at=now))
