"""`cohortcv purge --batch ID` leaves no row of that batch anywhere; `cohortcv purge` empties the data dir."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text

from producer.purge import _message_batch
from shared.db.engine import make_engine
from tests.processes import COHORTCV, clean_env

pytestmark = pytest.mark.e2e

HEADER = "id,name,email,school,experience,skills\n"
SHARED_ROW = "P1,Ann Lee,ann@example.edu,Example University,Analyst at Acme (2023),Python\n"


def _cli(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*COHORTCV, *args], env=env, capture_output=True, text=True, timeout=280, cwd=cwd
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _rows_naming(engine, batch_id: str, resume_ids: set[int]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows in every table that name the batch (batch_id/id) or one of its resumes."""
    meta = MetaData()
    meta.reflect(engine)
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            cols = table.c
            conds = []
            if "batch_id" in cols:
                conds.append(cols.batch_id == batch_id)
            if table.name == "batches":
                conds.append(cols.id == batch_id)
            # Jobs are the batch's by batch_id; another batch's job may share a resume.
            if resume_ids and "resume_id" in cols and table.name != "jobs":
                conds.append(cols.resume_id.in_(resume_ids))
            if resume_ids and table.name == "resumes":
                conds.append(cols.id.in_(resume_ids))
            for cond in conds:
                n = len(conn.execute(select(table).where(cond)).all())
                if n:
                    found[table.name] = found.get(table.name, 0) + n
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return ""  # the default: SQLite in the data dir
    return str(request.getfixturevalue("pg_url"))


def test_purge_one_batch_leaves_nothing_of_it_and_keeps_the_other(
    tmp_path: Path, database: str
) -> None:
    data = tmp_path / "data"
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    if database:
        env["COHORTCV_DATABASE_URL"] = database
    first = tmp_path / "first.csv"
    first.write_text(
        HEADER + SHARED_ROW + "P2,Bo Chen,bo@example.edu,,,\nP3,,bad-row@example.edu,,,\n",
        encoding="utf-8",
    )
    second = tmp_path / "second.csv"
    second.write_text(HEADER + SHARED_ROW + "P4,Cy Wu,cy@example.edu,,,SQL\n", encoding="utf-8")
    _cli(env, "run", str(first), "--out", str(tmp_path / "out-a"), cwd=tmp_path)
    _cli(env, "run", str(second), "--out", str(tmp_path / "out-b"), cwd=tmp_path)

    engine = make_engine(database or f"sqlite:///{data / 'cohortcv.db'}")
    try:
        with engine.connect() as conn:
            a, b = conn.scalars(text("SELECT id FROM batches ORDER BY created_at")).all()
            resumes_a = set(conn.scalars(text(f"SELECT resume_id FROM jobs WHERE batch_id='{a}'")))
            resumes_b = set(conn.scalars(text(f"SELECT resume_id FROM jobs WHERE batch_id='{b}'")))
        assert resumes_a & resumes_b, "the unchanged row reuses its resume"
        only_a = resumes_a - resumes_b
        assert only_a
        before_b = _rows_naming(engine, b, resumes_b)
        assert _rows_naming(engine, a, only_a)["row_errors"] == 1
        # A finished run removes its own broker folder: no message of it is left to purge.
        assert not [p for p in data.rglob("*.msg") if _message_batch(p) == a]

        result = _cli(env, "purge", "--batch", a, "--yes", cwd=tmp_path)
        assert f"purged batch {a}" in result.stdout

        assert _rows_naming(engine, a, only_a) == {}
        assert _rows_naming(engine, b, resumes_b) == before_b
        assert not [p for p in data.rglob("*.msg") if _message_batch(p) == a]
    finally:
        engine.dispose()
    # The other batch still exports every resume.
    export = _cli(env, "export", b, "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert export.returncode == 0
    assert len(list((tmp_path / "again").rglob("*.pdf"))) == 2


def test_purge_everything_empties_the_data_dir_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    keep = data / "my-notes.txt"  # not ours: a data dir pointed at a used folder keeps it
    keep.write_text("mine", encoding="utf-8")
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    source = tmp_path / "one.csv"
    source.write_text(HEADER + SHARED_ROW, encoding="utf-8")
    _cli(env, "run", str(source), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert (data / "cohortcv.db").is_file()

    refused = subprocess.run(
        [*COHORTCV, "purge"], env=env, input="n\n", capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0
    assert (data / "cohortcv.db").is_file()

    result = _cli(env, "purge", "--yes", cwd=tmp_path)
    assert "MB freed" in result.stdout
    assert sorted(p.name for p in data.iterdir()) == ["my-notes.txt"]
    # A run afterwards starts from scratch.
    _cli(env, "run", str(source), "--out", str(tmp_path / "out2"), cwd=tmp_path)


def test_purge_batch_removes_its_queued_messages_from_the_embedded_broker(tmp_path: Path) -> None:
    """A batch submitted with no worker running leaves messages behind; purging it removes them."""
    data = tmp_path / "data"
    env = clean_env(COHORTCV_DATA_DIR=str(data))
    source = tmp_path / "one.csv"
    source.write_text(HEADER + SHARED_ROW + "P2,Bo Chen,bo@example.edu,,,\n", encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "P9,Di Xu,di@example.edu,,,\n", encoding="utf-8")
    _cli(env, "db", "upgrade", cwd=tmp_path)
    batch = _cli(env, "submit", str(source), cwd=tmp_path).stdout.strip().splitlines()[-1]
    kept = _cli(env, "submit", str(other), cwd=tmp_path).stdout.strip().splitlines()[-1]
    queued = [p for p in data.rglob("*.msg") if _message_batch(p) == batch]
    assert queued, "submit with no worker leaves the batch's chunk in the embedded broker"

    refused = subprocess.run(
        [*COHORTCV, "purge", "--batch", batch, "--yes"],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode != 0, "a batch still queued is refused without --force"
    _cli(env, "purge", "--batch", batch, "--yes", "--force", cwd=tmp_path)
    assert not [p for p in data.rglob("*.msg") if _message_batch(p) == batch]
    assert [p for p in data.rglob("*.msg") if _message_batch(p) == kept]
