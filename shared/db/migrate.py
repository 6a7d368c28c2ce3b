"""Schema upgrades through Alembic, callable from the CLI and from tests, safe to start at once."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from shared.errors import ConfigurationError

# One advisory-lock key for every cohortcv database on a PostgreSQL server (any fixed 64-bit int).
_PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"cohortcv.migrate").digest()[:8], "big", signed=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "shared.db:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` held by this process; the OS drops it if the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                    continue
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _pg_lock(url: str) -> Iterator[None]:
    """A session advisory lock on the server, held on its own connection for the upgrade."""
    from shared.db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                conn.commit()
    finally:
        engine.dispose()


@contextlib.contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Only one process migrates a database at a time; the others wait, then find it current.

    Two `cohortcv run` started at once on a fresh data dir both see an empty database: without
    this lock both create the tables and one fails (`table institutions already exists`).
    SQLite: a lock file next to the database (`cohortcv.db.migrate.lock`). PostgreSQL: an
    advisory lock. Alembic reads the revision after the lock is taken, so the waiter upgrades
    from wherever the first one left the schema (usually: nothing to do).
    """
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path is None:
            yield
            return
        with _file_lock(path.with_name(path.name + ".migrate.lock")):
            yield
    elif url.startswith("postgresql"):
        with _pg_lock(url):
            yield
    else:
        yield


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating it when it is new)."""
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


def _scripts() -> ScriptDirectory:
    """The migrations shipped with this code (no database involved)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    """The newest schema revision this code knows (the one `cohortcv db upgrade` goes to)."""
    head = _scripts().get_current_head()
    assert head is not None, "no Alembic revisions shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated, or created outside Alembic)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_schema(engine: Engine) -> None:
    """Fail with what to run when the database is not at the schema this code needs.

    Checking only that the tables exist let a database left at an older revision through, and
    the first query then failed on a missing column (`jobs.claimed_by`) instead of saying that
    the database needs `cohortcv db upgrade`.
    """
    url = engine.url.render_as_string(hide_password=True)
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    if current is None:
        if inspect(engine).has_table("jobs"):
            raise ConfigurationError(
                f"{url} has cohortcv tables but no Alembic revision (alembic_version): it was not "
                f"created by `cohortcv db upgrade`; restore a migrated database or start from an "
                f"empty one and run `cohortcv db upgrade`"
            )
        raise ConfigurationError(f"{url} has no cohortcv schema yet: run `cohortcv db upgrade`")
    if current not in {rev.revision for rev in _scripts().walk_revisions()}:
        raise ConfigurationError(
            f"{url} is at schema revision {current}, which this cohortcv does not know (it knows "
            f"up to {head}): the database was upgraded by a newer cohortcv; run that version"
        )
    raise ConfigurationError(
        f"{url} is at schema revision {current}, this cohortcv needs {head}: "
        f"run `cohortcv db upgrade`"
    )
