"""Database errors told apart: a lost connection (worth another try) from an answer, in words."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# Any database error: a pass over SQL (the reconciler) is worth another try after one.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, DBAPIError)


def lost_connection(exc: BaseException) -> bool:
    """A lost connection, not an answer: the same statement may well work in a moment."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def database_error_line(exc: BaseException) -> str | None:
    """The driver's first line for a database error ("database error: ..."), else None."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        return f"database error: {first}"
    return None
