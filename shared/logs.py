"""Log records fit to write: control characters escaped, exceptions without their messages.

One filter (`Redact`) sits on every handler of every cohortcv process (API, worker, beat, CLI).
It makes two promises, whatever a caller or a library hands to `logging`:

- No value a record carries can start a new line or hide text: control, line-separator and
  bidi characters in its arguments are written as `\\xNN` / `\\uNNNN`.
- No exception message or argument reaches a log. A database error's text holds the row it
  failed on (SQLAlchemy's `[parameters: …]`, PostgreSQL's `DETAIL: Failing row contains (…)`),
  and so may any exception built from a value. An exception is written as its type, its
  database error code and the code locations of its traceback; only messages that come from
  places that never see a person's row (our configuration errors, the OS, the broker clients)
  are kept.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Mapping
from types import TracebackType
from typing import Any

# C0 and C1 controls, DEL, the soft hyphen, Arabic letter mark, Mongolian vowel separator,
# zero-width and direction marks, line/paragraph separators, bidi embeddings, overrides and
# isolates, invisible operators, the BOM and the interlinear annotation characters.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb]"
)
# A message template (not a value) may span lines and hold tabs: tracebacks, multi-line notes.
_CONTROL_IN_TEMPLATE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb]"
)

# Exceptions whose messages never hold a person's data, by the module that defines them:
# the broker clients and the process pool (connection refused, worker lost, …).
_SAFE_MODULES = ("redis.", "kombu.", "amqp.", "billiard.")
# PostgreSQL error classes about the connection, not a row: 08 connection, 57 operator action
# (admin shutdown, cannot connect now), 53 insufficient resources.
_SAFE_SQLSTATE = ("08", "57", "53")
_HIDDEN = "[hidden]"


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """`text` with every control, separator and bidi character written as an escape."""
    return _CONTROL.sub(_escape_char, text)


def _qualified(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _first_line(exc: BaseException) -> str:
    return escape((str(exc).strip().splitlines() or [""])[0])


def _database_detail(orig: BaseException) -> list[str]:
    """Error code and schema names of a driver error: they name the table, never the row."""
    parts: list[str] = []
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code:
        parts.append(f"sqlstate {code}")
    name = getattr(orig, "sqlite_errorname", None)
    if name:
        parts.append(str(name))
    diag = getattr(orig, "diag", None)
    for field in ("schema_name", "table_name", "column_name", "constraint_name"):
        value = getattr(diag, field, None) if diag is not None else None
        if value:
            parts.append(f"{field.removesuffix('_name')} {escape(str(value))}")
    module = type(orig).__module__
    if module.startswith("sqlite3") and type(orig).__name__ == "OperationalError":
        # "database is locked", "unable to open database file": SQLite's own words.
        parts.append(_first_line(orig))
    elif module.startswith(("psycopg", "psycopg2")) and (
        code is None or str(code).startswith(_SAFE_SQLSTATE)
    ):
        # No SQL state: the client could not reach the server (host, port, reason).
        parts.append(_first_line(orig))
    return parts


def summary(exc: BaseException) -> str:
    """One line naming an exception without its message (unless the message is known safe)."""
    from shared.errors import ConfigurationError

    name = _qualified(type(exc))
    inner = getattr(exc, "exc", None)
    if isinstance(inner, BaseException) and hasattr(exc, "humanize"):
        # Celery's Retry: "Retry in 4s: <the exception that caused it>".
        return f"{name} {exc.humanize()}: {summary(inner)}"
    detail: list[str] = []
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):  # SQLAlchemy's DBAPIError wraps the driver's error
        detail.append(f"from {_qualified(type(orig))}")
        detail += _database_detail(orig)
    elif type(exc).__module__.startswith(("psycopg", "sqlite3")):
        detail += _database_detail(exc)
    elif isinstance(exc, ConfigurationError) or _qualified(type(exc)).startswith(_SAFE_MODULES):
        detail.append(_first_line(exc))
    elif isinstance(exc, OSError) and exc.errno is not None:
        # errno and its text, without the file name (an upload's name is the user's).
        detail.append(f"[Errno {exc.errno}] {exc.strerror}")
    detail = [d for d in detail if d]
    return f"{name} ({', '.join(detail)})" if detail else name


def _chain(exc: BaseException) -> list[tuple[BaseException, str]]:
    """The exception and its causes, innermost first, each with the line that leads from it to
    the next one (empty after the last)."""
    outer_first: list[tuple[BaseException, str]] = []  # each with how it relates to its inner
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        inner: BaseException | None = None
        link = ""
        if current.__cause__ is not None:
            inner = current.__cause__
            link = "The above exception was the direct cause of the following exception:"
        elif current.__context__ is not None and not current.__suppress_context__:
            inner = current.__context__
            link = "During handling of the above exception, another exception occurred:"
        outer_first.append((current, link))
        current = inner
    inner_first = outer_first[::-1]
    return [
        (e, inner_first[i + 1][1] if i + 1 < len(inner_first) else "")
        for i, (e, _) in enumerate(inner_first)
    ]


def traceback_text(exc: BaseException) -> str:
    """A traceback as Python prints it, each exception reduced to `summary(exc)`.

    Frames are file, line, function and the source line: code, never data.
    """
    parts: list[str] = []
    for current, link in _chain(exc):
        frames = "".join(traceback.format_tb(current.__traceback__))
        head = "Traceback (most recent call last):\n" if frames else ""
        parts.append(f"{head}{frames}{summary(current)}")
        if link:
            parts.append(f"\n{link}\n")
    return "\n".join(parts)


class _Value:
    """A log argument that formats escaped: `%s` and `%r` as the value would, `%d` as a number."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return escape(str(self.value))

    def __repr__(self) -> str:
        return escape(repr(self.value))

    def __int__(self) -> int:
        return int(self.value)  # type: ignore[call-overload, no-any-return]

    def __float__(self) -> float:
        return float(self.value)  # type: ignore[arg-type]

    def __index__(self) -> int:
        return int(self.value)  # type: ignore[call-overload, no-any-return]


class _Exception:
    """An exception argument: its summary for `%s` and `%r` alike."""

    __slots__ = ("text",)

    def __init__(self, exc: BaseException) -> None:
        self.text = summary(exc)

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def clean(value: object) -> object:
    """A log argument made safe: numbers as they are, an exception as its summary, the rest
    escaped when formatted."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, BaseException):
        return _Exception(value)
    return _Value(value)


# Celery's task-trace records carry a dict whose values are reprs of the exception, the
# traceback and the task's arguments, made before any filter could see the objects.
_CELERY_EXCEPTION_KEYS = ("exc", "traceback")
_CELERY_ARGUMENT_KEYS = ("args", "kwargs")


def _current_exception(record: logging.LogRecord) -> BaseException | None:
    if isinstance(record.exc_info, tuple) and isinstance(record.exc_info[1], BaseException):
        return record.exc_info[1]
    # Celery logs a retry from inside its `except Retry` without exc_info.
    handled = sys.exc_info()[1]
    return handled if record.name.startswith("celery.") else None


class Redact(logging.Filter):
    """Escape every argument of a record and write its exception without messages (see the
    module's docstring). Changes the record in place, once; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "cohortcv_redacted", False):
            return True
        record.cohortcv_redacted = True
        exc = _current_exception(record)
        args = record.args
        if isinstance(args, Mapping):
            cleaned = {k: clean(v) for k, v in args.items()}
            if record.name.startswith("celery."):
                for key in _CELERY_EXCEPTION_KEYS:
                    if key in cleaned:
                        cleaned[key] = (
                            _HIDDEN
                            if exc is None
                            else (summary(exc) if key == "exc" else traceback_text(exc))
                        )
                for key in _CELERY_ARGUMENT_KEYS:
                    if key in cleaned:
                        cleaned[key] = _HIDDEN
            record.args = cleaned
        elif args:
            record.args = tuple(clean(a) for a in args)
            if record.name.startswith("sqlalchemy.engine"):
                # Its DEBUG lines print fetched rows ("Row %r"): only the statement stays.
                record.args = tuple(
                    a if isinstance(a, (str, int, float)) else _HIDDEN for a in record.args
                )
        elif isinstance(record.msg, str):
            record.msg = _CONTROL_IN_TEMPLATE.sub(_escape_char, record.msg)
        else:
            record.msg = str(clean(record.msg))
        if isinstance(record.exc_info, tuple) and record.exc_info[1] is not None:
            record.exc_text = traceback_text(record.exc_info[1])
            record.exc_info = None
        return True


_FILTER = Redact()


def _add(handler: logging.Handler) -> None:
    if not any(isinstance(f, Redact) for f in handler.filters):
        handler.addFilter(_FILTER)


def install() -> None:
    """Put the filter on every handler there is now (root's, each named logger's and Python's
    last-resort one), and write uncaught exceptions through it. Call it after logging is set
    up; calling it again is harmless."""
    handlers: list[logging.Handler] = list(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            handlers += logger.handlers
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        _add(handler)
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread


def _uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    sys.stderr.write(traceback_text(exc) + "\n")


def _uncaught_in_thread(args: Any) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = escape(args.thread.name) if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n{traceback_text(args.exc_value)}\n")
