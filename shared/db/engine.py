"""Engines: one place that knows the differences between SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

# What a statement raises where there is no database yet, or one without our tables.
NO_SCHEMA_ERRORS: tuple[type[Exception], ...] = (OperationalError, ProgrammingError)


def make_engine(url: str, *, pooled: bool = True, **kwargs: Any) -> Engine:
    """An engine tuned for our workload: WAL and a busy timeout on SQLite, pre-ping elsewhere.

    Parameters are hidden from SQLAlchemy's logs and error messages: they are people's rows.
    `pooled=False` keeps no connection open between uses (a database that may go away).
    """
    if not pooled:
        kwargs.setdefault("poolclass", NullPool)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Several worker processes write at once: WAL lets readers and one writer overlap.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            # Deleting is final: deleted rows are overwritten with zeros in the file, not left
            # in free pages (the write-ahead log is emptied after a purge: shared.db.purge).
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)
