"""Database errors told apart: a lost connection is retried, an answer is reported in a line."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from shared.db.failures import database_error_line, lost_connection
from workers.tasks import describe, transient


class _DriverError(Exception):
    pass


def test_a_dropped_connection_is_worth_another_try() -> None:
    dropped = OperationalError("SELECT 1", {}, _DriverError("server closed the connection"))
    assert lost_connection(dropped) and transient(dropped)
    assert lost_connection(InterfaceError("SELECT 1", {}, _DriverError("closed")))
    assert transient(ConnectionError("reset"))


def test_a_refused_row_is_an_answer_said_in_one_line() -> None:
    refused = IntegrityError(
        "INSERT ...", {"name": "Ann"}, _DriverError("duplicate key value\nDETAIL: Key (id)=(7)")
    )
    assert not lost_connection(refused) and not transient(refused)
    assert database_error_line(refused) == "database error: duplicate key value"
    assert describe(refused) == "database error: duplicate key value"
    assert database_error_line(ValueError("x")) is None
    assert describe(ValueError("x")) == "ValueError: x"
