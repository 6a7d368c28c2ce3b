"""A database behind the code's schema revision is refused with what to run, not a SQL error."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db.engine import make_engine
from shared.db.migrate import head_revision, require_schema, upgrade
from shared.errors import ConfigurationError
from tests.processes import COHORTCV, clean_env


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'cohortcv.db'}"
    return str(request.getfixturevalue("pg_url"))


def _status(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`cohortcv status --once` against `url`, as an operator runs it after a deploy."""
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"), COHORTCV_DATABASE_URL=url)
    env["COLUMNS"] = "400"  # one line per message: long database paths would wrap mid-word
    return subprocess.run(
        [*COHORTCV, "status", "--once"],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip


def test_database_left_at_an_older_revision_says_run_db_upgrade(url: str, tmp_path: Path) -> None:
    upgrade(url, "0001")  # a database from the release before 0002 (heartbeats, claimed_by)
    engine = make_engine(url)
    try:
        with pytest.raises(ConfigurationError) as err:
            require_schema(engine)
    finally:
        engine.dispose()
    message = str(err.value)
    assert "`cohortcv db upgrade`" in message
    assert "0001" in message and head_revision() in message

    result = _status(url, tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "cohortcv db upgrade" in output, output
    assert "claimed_by" not in output and "Traceback" not in output, output

    upgrade(url)
    result = _status(url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_empty_database_says_run_db_upgrade(url: str) -> None:
    engine = make_engine(url)
    try:
        with pytest.raises(
            ConfigurationError, match="no cohortcv schema yet: run `cohortcv db upgrade`"
        ):
            require_schema(engine)
    finally:
        engine.dispose()


def test_database_from_a_newer_cohortcv_is_refused_not_downgraded(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        with pytest.raises(ConfigurationError, match="newer cohortcv"):
            require_schema(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["worker", "-c", "1"], ["beat"]])
def test_worker_and_beat_refuse_an_old_database_before_celery_starts(
    url: str, tmp_path: Path, command: list[str]
) -> None:
    upgrade(url, "0001")
    env = clean_env(COHORTCV_DATA_DIR=str(tmp_path / "data"), COHORTCV_DATABASE_URL=url)
    env["COLUMNS"] = "400"
    result = subprocess.run(
        [*COHORTCV, *command], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "cohortcv db upgrade" in output and "Traceback" not in output, output
    assert "celery" not in output.casefold(), output  # it never got as far as starting Celery
