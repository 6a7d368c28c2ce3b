"""Deleting a batch while its chunks run is final: nothing of it is stored afterwards (issue 14).

One running system per database (workers, the API server, the database and broker a user gets
by default) takes 80 deletes: 40 through the API, 40 through the CLI, 10 at each of 0.1, 0.3, 1
and 3 s after the upload answered. Afterwards no row and no file under the data dir holds a
name or e-mail of any deleted batch, and no resume is left that no job names.

The CLI commands run in this process (Typer's runner, the same command functions a user's
`cohortcv submit` / `cohortcv delete` call): a fresh interpreter takes a second or more to
start, so it could not delete 0.1 s after the upload answered.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, MetaData, func, select
from typer.testing import CliRunner

from shared.db.engine import make_engine
from shared.db.models import Job, ResumeRecord
from shared.settings import get_settings
from tests.processes import COHORTCV, clean_env, free_port, start, stop, wait_for

pytestmark = pytest.mark.e2e

DELAYS_S = (0.1, 0.3, 1.0, 3.0)
TRIES = 10
ROWS = 300
# Every deleted row's name and e-mail hold these; the last, kept batch holds neither.
NAME_MARK = "Qzvname"
MAIL_MARK = "qzvmail"


def _cohort(path: Path, tag: str, rows: int = ROWS, *, kept: bool = False) -> Path:
    lines = ["id,name,email,school,experience,skills"]
    for r in range(rows):
        name, mail = (
            (f"Kept Person {r}", f"kept{r}")
            if kept
            else (f"{NAME_MARK} {tag}x{r}", f"{MAIL_MARK}{tag}x{r}")
        )
        lines.append(
            f"S{r:04d},{name},{mail}@example.edu,Example University,"
            f"Data Analyst at Acme Corp (2022-2023),Python"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class System:
    """One running deployment: its environment, API, key and database."""

    env: dict[str, str]
    data: Path
    base: str
    key: str
    engine: Engine
    worker: subprocess.Popen[bytes]

    def upload(self, path: Path) -> str:
        with path.open("rb") as fh:
            response = httpx.post(
                f"{self.base}/v1/batches", files={"file": (path.name, fh)},
                headers={"Authorization": f"Bearer {self.key}"}, timeout=120,
            )  # fmt: skip
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def delete(self, batch_id: str) -> None:
        response = httpx.delete(
            f"{self.base}/v1/batches/{batch_id}",
            headers={"Authorization": f"Bearer {self.key}"}, timeout=120,
        )  # fmt: skip
        assert response.status_code == 200 and response.json()["deleted"] is True, response.text


def _cli(*args: str) -> str:
    from producer.cli.main import app

    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return str(result.output)


@pytest.fixture(params=["sqlite", "postgresql"])
def system(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[System]:
    data = tmp_path / "data"
    # Redis on both: kombu's filesystem broker (the embedded one) is made for `cohortcv run`'s
    # single producer; its messages are not written atomically for a separate worker.
    env = clean_env(
        COHORTCV_DATA_DIR=str(data), COHORTCV_BROKER_URL=str(request.getfixturevalue("redis_url"))
    )
    if request.param == "sqlite":
        url = f"sqlite:///{data / 'cohortcv.db'}"  # the default database: SQLite in the data dir
    else:
        url = str(request.getfixturevalue("pg_url"))
        env["COHORTCV_DATABASE_URL"] = url
    for key, value in env.items():
        if key.startswith("COHORTCV_"):
            monkeypatch.setenv(key, value)  # the in-process CLI sees the same deployment
    run = [*COHORTCV]
    subprocess.run([*run, "db", "upgrade"], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [*run, "tenant", "create", "Example University"], env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    key = created.stdout.strip().splitlines()[-1]
    logs = data / "logs"  # under the data dir: what the processes log is checked too
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    procs = [
        start(["worker", "-c", "2", "-n", "w1@%h"], env, logs / "worker.log"),
        start(["api", "--port", str(port)], env, logs / "api.log"),
    ]
    base = f"http://127.0.0.1:{port}"
    engine = make_engine(url)

    def healthy() -> bool:
        return httpx.get(f"{base}/healthz", timeout=5).status_code == 200

    try:
        wait_for("the API", healthy, procs, errors=(OSError, httpx.HTTPError))
        yield System(env, data, base, key, engine, procs[0])
    finally:
        stop(procs)
        engine.dispose()


def _texts_holding_marks(engine: Engine) -> dict[str, int]:
    """Rows of any table whose text (JSON, blobs included) holds a deleted person's value."""
    meta = MetaData()
    meta.reflect(engine)
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                text = " ".join(
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row
                )
                if NAME_MARK in text or MAIL_MARK in text:
                    found[table.name] = found.get(table.name, 0) + 1
    return found


def _files_holding_marks(data: Path) -> list[str]:
    marks = (NAME_MARK.encode(), MAIL_MARK.encode())
    return [
        str(p.relative_to(data))
        for p in sorted(data.rglob("*"))
        if p.is_file() and any(m in p.read_bytes() for m in marks)
    ]


def test_deleting_a_running_batch_leaves_nothing_of_it(system: System, tmp_path: Path) -> None:
    started = time.monotonic()
    deleted: list[str] = []
    for interface in ("api", "cli"):
        for delay in DELAYS_S:
            for n in range(TRIES):
                tag = f"{interface}{int(delay * 10)}t{n}"
                path = _cohort(tmp_path / f"{tag}.csv", tag)
                if interface == "api":
                    batch_id = system.upload(path)
                else:
                    batch_id = _cli("submit", str(path)).strip().splitlines()[-1]
                time.sleep(delay)  # chunks are in flight: written, rendered, being stored
                if interface == "api":
                    system.delete(batch_id)
                else:
                    assert f"deleted batch {batch_id}" in _cli("delete", batch_id, "--yes")
                deleted.append(batch_id)
    # The messages of the deleted batches are still in the queues: a batch uploaded last runs
    # after them, and the workers' warm stop waits for any chunk still in hand.
    kept = system.upload(_cohort(tmp_path / "kept.csv", "kept", rows=20, kept=True))
    wait_for(
        "the kept batch",
        lambda: httpx.get(
            f"{system.base}/v1/batches/{kept}",
            headers={"Authorization": f"Bearer {system.key}"}, timeout=10,
        ).json()["status"] == "completed",
        timeout=300,
    )  # fmt: skip
    stop([system.worker])
    seconds = time.monotonic() - started
    print(f"{len(deleted)} deletes and the kept batch in {seconds:.0f} s")  # runtime, with -s

    with system.engine.connect() as conn:
        left = conn.scalar(select(func.count()).select_from(Job).where(Job.batch_id.in_(deleted)))
        orphans = conn.scalar(
            select(func.count())
            .select_from(ResumeRecord)
            .where(ResumeRecord.id.not_in(select(Job.resume_id).where(Job.resume_id.is_not(None))))
        )
    assert left == 0
    assert orphans == 0, "resumes that no job names were stored after their batch was deleted"
    assert _texts_holding_marks(system.engine) == {}
    assert _files_holding_marks(system.data) == []
