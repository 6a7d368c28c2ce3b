"""Database reachability for the health check."""

from __future__ import annotations

from sqlalchemy import Engine, text


def ping(engine: Engine) -> None:
    """One round trip to the database; raises what the driver raises when it cannot answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
