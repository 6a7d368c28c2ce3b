"""The one log filter: values escaped, exceptions written without their messages."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shared import logs
from shared.errors import ConfigurationError

PERSON = "Olivia Patel"
EMAIL = "olivia.patel@example.edu"


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler carries the filter, and what it wrote."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(logs.Redact())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("cohortcv.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def _database_error() -> BaseException:
    """A real SQLAlchemy error whose text holds the row (an engine without hide_parameters)."""
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE people (name TEXT CHECK (name <> '{PERSON}'), email TEXT)")
        )
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO people VALUES (:n, :e)"), {"n": PERSON, "e": EMAIL})
    except Exception as exc:
        assert EMAIL in str(exc)  # what would be logged without the filter
        return exc
    raise AssertionError("the insert should fail")


def test_escape_writes_controls_and_bidi_as_escapes() -> None:
    assert logs.escape("a\r\nFORGED\x00\x1b[31m\u202eb\u2028c\x85") == (
        "a\\x0d\\x0aFORGED\\x00\\x1b[31m\\u202eb\\u2028c\\x85"
    )
    assert logs.escape("Zoë Ångström 张伟 tab-less") == "Zoë Ångström 张伟 tab-less"


def test_arguments_cannot_start_a_line(written: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = written
    logger.info("GET %s %r %d %.1f", "/v1/x\r\nFORGED-LINE\x00", "\u202e", 200, 1.5)
    logger.info(Path("a\nb"))  # a message that is not a string: its str() is a value
    logger.info("two\nline template\r")
    lines = out.getvalue().splitlines()
    assert (
        lines[0] == "INFO cohortcv.test.logs GET /v1/x\\x0d\\x0aFORGED-LINE\\x00 '\\u202e' 200 1.5"
    )
    assert lines[1] == "INFO cohortcv.test.logs a\\x0ab"
    # A template is code: its own new lines stay, a carriage return does not.
    assert lines[2:] == ["INFO cohortcv.test.logs two", "line template\\x0d"]


def test_a_number_like_argument_still_formats_as_a_number(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = written
    logger.info("%d rows, %.2f s", Decimal(3), Decimal("1.5"))
    assert out.getvalue().strip().endswith("3 rows, 1.50 s")


def test_a_database_error_is_logged_without_its_row(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = written
    exc = _database_error()
    try:
        raise RuntimeError(f"wrapped: {exc}") from exc
    except RuntimeError as wrapped:
        logger.exception("store failed")
        logger.warning("heartbeat failed: %s (%r)", wrapped, exc)
    text_ = out.getvalue()
    assert PERSON not in text_ and EMAIL not in text_ and "Patel" not in text_
    # What an operator needs is there: the types, SQLite's error name and the code locations.
    assert (
        "sqlalchemy.exc.IntegrityError (from sqlite3.IntegrityError, SQLITE_CONSTRAINT_CHECK)"
        in text_
    )
    assert "The above exception was the direct cause of the following exception:" in text_
    assert f'File "{__file__}"' in text_ and "in _database_error" in text_
    assert "heartbeat failed: RuntimeError (sqlalchemy.exc.IntegrityError (from" in text_


def test_safe_messages_are_kept() -> None:
    assert logs.summary(ConfigurationError("model x cannot load\nsecond")) == (
        "shared.errors.ConfigurationError (model x cannot load)"
    )
    err = FileNotFoundError(2, "No such file or directory", "/uploads/olivia_patel.csv")
    assert logs.summary(err) == "FileNotFoundError ([Errno 2] No such file or directory)"
    assert logs.summary(ValueError(f"bad e-mail {EMAIL}")) == "ValueError"


def test_celery_task_failure_and_retry_lines(written: tuple[logging.Logger, io.StringIO]) -> None:
    """The records Celery's tracer logs: a dict of reprs made before any filter ran."""
    from celery.exceptions import Retry

    out = written[1]
    trace = logging.getLogger("celery.app.trace")
    trace.addHandler(written[0].handlers[0])
    trace.propagate = False
    trace.setLevel(logging.INFO)
    try:
        exc = _database_error()
        context = {
            "id": "t1", "name": "cohortcv.write_chunk", "exc": repr(exc),
            "traceback": f"Traceback … {exc}", "args": f"('{PERSON}',)",
            "kwargs": f"{{'email': '{EMAIL}'}}", "description": "raised unexpected",
        }  # fmt: skip
        trace.error(
            "Task %(name)s[%(id)s] %(description)s: %(exc)s %(args)s %(kwargs)s",
            context,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        try:
            raise Retry(exc=exc, when=4)
        except Retry as retry:
            trace.info("Task %(name)s[%(id)s] retry: %(exc)s", {**context, "exc": str(retry)})
    finally:
        trace.removeHandler(written[0].handlers[0])
        trace.propagate = True
        trace.setLevel(logging.NOTSET)
    text_ = out.getvalue()
    assert PERSON not in text_ and EMAIL not in text_
    assert "raised unexpected: sqlalchemy.exc.IntegrityError (from sqlite3.IntegrityError" in text_
    assert "retry: celery.exceptions.Retry in 4s: sqlalchemy.exc.IntegrityError" in text_


def test_sqlalchemy_echo_shows_statements_but_no_parameters_or_rows(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    from shared.db.engine import make_engine

    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    engine_log.addHandler(written[0].handlers[0])
    engine_log.setLevel(logging.DEBUG)
    try:
        engine = make_engine("sqlite://", echo="debug")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE people (name TEXT)"))
            conn.execute(text("INSERT INTO people VALUES (:n)"), {"n": PERSON})
            assert conn.scalar(text("SELECT name FROM people")) == PERSON
        engine.dispose()
    finally:
        engine_log.removeHandler(written[0].handlers[0])
        engine_log.setLevel(logging.NOTSET)
        for handler in list(engine_log.handlers):  # echo's own stdout handler
            engine_log.removeHandler(handler)
    text_ = written[1].getvalue()
    assert "SELECT name FROM people" in text_ and "Row " in text_
    assert PERSON not in text_


def test_install_covers_every_handler_once_and_uncaught_exceptions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    import threading

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    named = logging.getLogger("cohortcv.test.install")
    handler = logging.StreamHandler(io.StringIO())
    named.addHandler(handler)
    try:
        logs.install()
        logs.install()
        assert sum(isinstance(f, logs.Redact) for f in handler.filters) == 1
        assert logging.lastResort is not None
        assert any(isinstance(f, logs.Redact) for f in logging.lastResort.filters)
        exc = _database_error()
        sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        named.removeHandler(handler)
    err = capsys.readouterr().err
    assert "sqlalchemy.exc.IntegrityError" in err and PERSON not in err and EMAIL not in err


def test_the_api_server_log_config_filters_every_handler() -> None:
    from producer.cli.serve import log_config

    config = log_config("info")
    assert config["handlers"]
    for handler in config["handlers"].values():
        assert handler["filters"] == ["redact"]
    logging.config.dictConfig(config)  # the filter resolves and builds
    assert any(
        isinstance(f, logs.Redact)
        for h in logging.getLogger("cohortcv").handlers
        for f in h.filters
    )
