"""The distributed shape for real: `cohortcv submit` → Redis → `cohortcv worker` processes → PostgreSQL.

Each fault test ends the same way: every accepted row done exactly once, no duplicate resume row.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_submit_work_status_export(services, write_cohort, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 40)
    with cohort.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["S00001", "Duplicate Person", "", "", "", "", "", "", "", ""])
        csv.writer(fh).writerow(["S99999", "Bad Mail", "bob@", "", "", "", "", "", "", ""])
    submitted = services.cli("submit", str(cohort))
    batch_id = submitted.stdout.strip().splitlines()[-1]
    assert len(batch_id) == 36
    services.start_worker("-c", "1", "-n", "w1@%h")
    services.start_worker("-c", "1", "-n", "w2@%h")
    services.wait_done(batch_id, 40)
    services.assert_exactly_once(batch_id, accepted=40, formats=4)

    status = json.loads(services.cli("status", batch_id, "--json").stdout)
    assert status["status"] == "completed"
    assert status["counts"] | {} == status["counts"]
    assert status["counts"]["rows"] == 42
    assert (status["counts"]["accepted"], status["counts"]["rejected"]) == (40, 2)
    assert status["counts"]["done"] == 40 and status["counts"]["dead"] == 0

    out = tmp_path / "export"
    services.cli("export", batch_id, "--out", str(out), "--zip")
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == 40
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == [
            "resume.html", "resume.json", "resume.md", "resume.pdf",
        ]  # fmt: skip
    with (out / "report.csv").open(encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert len(report) == 42
    assert sum(r["outcome"] == "accepted" and r["status"] == "done" for r in report) == 40
    rejected = {r["line"]: r["reason"] for r in report if r["outcome"] == "rejected"}
    assert set(rejected) == {"42", "43"}
    assert "duplicate of line 3" in rejected["42"]
    zips = list(tmp_path.glob("export-*.zip"))
    assert len(zips) == 1
    with zipfile.ZipFile(zips[0]) as zf:
        assert "report.csv" in zf.namelist()
        assert sum(n.endswith("resume.pdf") for n in zf.namelist()) == 40


def test_kill_minus_9_in_the_middle_of_a_chunk(services, write_cohort, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 160)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    worker = services.start_worker("-c", "1", "-n", "victim@%h", "-B")
    services.wait_for(lambda c: c.get("done", 0) >= 16 and c.get("running", 0) > 0, batch_id)
    # (1) The pool child dies mid-chunk: the parent rejects the message back to the queue.
    for child in _children(worker.pid):
        os.kill(child, signal.SIGKILL)
    services.wait_for(lambda c: c.get("done", 0) >= 48 and c.get("running", 0) > 0, batch_id)
    # (2) The whole worker dies mid-chunk; a new one takes over (redelivery or the reconciler).
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    services.start_worker("-c", "1", "-n", "rescuer@%h", "-B")
    services.wait_done(batch_id, 160)
    services.assert_exactly_once(batch_id, accepted=160, formats=4)


def test_redis_restart_without_persistence_loses_no_job(  # type: ignore[no-untyped-def]
    services, restartable_redis, write_cohort, tmp_path: Path
) -> None:
    services.broker_url = restartable_redis.url
    cohort = write_cohort(tmp_path / "cohort.csv", 160)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "1", "-n", "w@%h", "-B")
    services.wait_for(lambda c: c.get("done", 0) >= 16, batch_id)
    # Every queued message is lost: Redis restarts empty.
    restartable_redis.stop()
    time.sleep(1)
    restartable_redis.start()
    services.wait_done(batch_id, 160, timeout=300)
    services.assert_exactly_once(batch_id, accepted=160, formats=4)


def test_database_connections_dropped_mid_batch(services, write_cohort, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 120)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "2", "-n", "w@%h", "-B")
    services.wait_for(lambda c: c.get("done", 0) >= 16, batch_id)
    db_name = services.db_url.rsplit("/", 1)[-1]
    admin = create_engine(services.db_url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": db_name},
        ).scalar()
    admin.dispose()
    assert killed and killed > 0
    services.wait_done(batch_id, 120)
    services.assert_exactly_once(batch_id, accepted=120, formats=4)
