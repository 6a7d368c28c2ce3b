"""Migrations started at once by several processes on one fresh database all succeed."""

from __future__ import annotations

import multiprocessing
import traceback
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from shared.db.engine import make_engine
from shared.db.migrate import upgrade

PROCESSES = 6


def _migrate(url: str, barrier: Any, errors: Any) -> None:
    try:
        barrier.wait(timeout=60)  # every process starts upgrading at the same moment
        upgrade(url)
    except BaseException:
        errors.put(traceback.format_exc())
        raise


def _migrate_at_once(url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    errors: Any = ctx.Queue()
    procs = [ctx.Process(target=_migrate, args=(url, barrier, errors)) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=240)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert not failures, "\n".join(failures)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    engine = make_engine(url)
    try:
        assert inspect(engine).has_table("jobs")
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(versions) == 1
    finally:
        engine.dispose()


def test_sqlite_fresh_file_migrated_by_several_processes_at_once(tmp_path: Path) -> None:
    _migrate_at_once(f"sqlite:///{tmp_path / 'fresh' / 'cohortcv.db'}")


@pytest.mark.integration
def test_postgresql_fresh_database_migrated_by_several_processes_at_once(pg_url: str) -> None:
    _migrate_at_once(pg_url)
