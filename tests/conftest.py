"""Fixtures shared by every test: isolated settings, and the real services (PostgreSQL, Redis).

A test that needs a service skips when it is missing on a developer's machine and fails in CI
(CI=true), so a missing service can never pass silently.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.settings import get_settings

PG_ADMIN = os.environ.get("COHORTCV_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("COHORTCV_TEST_REDIS", "redis://127.0.0.1:6379")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data dir (SQLite file, embedded broker) and fresh settings."""
    data = tmp_path / "cohortcv-data"
    monkeypatch.setenv("COHORTCV_DATA_DIR", str(data))
    for key in list(os.environ):
        if (
            key.startswith("COHORTCV_")
            and key not in ("COHORTCV_DATA_DIR",)
            and not key.startswith("COHORTCV_TEST_")
        ):
            monkeypatch.delenv(key)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    need_service("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    name = f"cohortcv_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _idle_redis_db(redis: Any) -> int:
    """A database number no other client is connected to (a worker left by another test run
    would otherwise take this test's messages)."""
    admin = redis.Redis.from_url(f"{REDIS}/0")
    try:
        busy = {
            int(c.get("db", 0))
            for c in admin.client_list()
            if c.get("id") != str(admin.client_id())
        }
        for db in range(15, 0, -1):
            if db not in busy:
                return db
    finally:
        admin.close()
    pytest.fail("every Redis database has a client connected")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database number of its own, emptied before and after."""
    need_service("Redis", "127.0.0.1", 6379)
    import redis

    db = _idle_redis_db(redis)
    client = redis.Redis.from_url(f"{REDIS}/{db}")
    client.flushdb()
    yield f"{REDIS}/{db}"
    client.flushdb()
    client.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test on both databases we support."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("pg_url"))
