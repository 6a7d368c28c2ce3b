"""The distributed shape for real: `cohortcv submit` → Redis → `cohortcv worker` processes → PostgreSQL.

Each fault test runs at the default deadlines and reconcile interval and ends the same way:
every accepted row done exactly once, no duplicate resume row, and the batch stood still (no
job finishing) for less than a minute.
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
import redis
from sqlalchemy import create_engine, func, select, text

from shared.db.models import Batch, Job, utcnow
from tests.processes import COHORTCV, start

pytestmark = pytest.mark.e2e
MAX_STALL_S = 60


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
    # (2) The whole worker dies mid-chunk; a new one takes over: its chunk stays unacked in
    # Redis for the hour-long visibility timeout, so the reconciler must see the dead claimer.
    fault = utcnow()
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    services.start_worker("-c", "1", "-n", "rescuer@%h", "-B")
    services.wait_done(batch_id, 160)
    services.assert_exactly_once(batch_id, accepted=160, formats=4)
    assert services.stall_after(batch_id, fault) < MAX_STALL_S


def test_kill_minus_9_of_one_worker_while_another_runs(
    services, write_cohort, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 200)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    victim = services.start_worker("-c", "1", "-n", "victim@%h", "-Q", "write")
    services.start_worker("-c", "1", "-n", "survivor@%h", "-B")
    engine = services.engine

    def victim_holds_jobs() -> bool:
        children = _children(victim.pid)
        if not children:
            return False
        with engine.connect() as conn:
            held = conn.scalar(
                select(func.count()).where(
                    Job.status == "running", Job.claimed_by.like(f"%:{children[0]}")
                )
            )
        return bool(held)

    services.wait_for(lambda c: c.get("done", 0) >= 16, batch_id)
    # A template write chunk takes ~10 ms: polling alone rarely sees the victim holding jobs on
    # a quiet machine. Freeze it (SIGSTOP), look, and kill it only if it holds claimed jobs;
    # else let it go on and look again.
    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline, "the victim never held a job"
        os.killpg(victim.pid, signal.SIGSTOP)
        if victim_holds_jobs():
            break
        os.killpg(victim.pid, signal.SIGCONT)
        time.sleep(0.01)
    fault = utcnow()
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    services.wait_done(batch_id, 200)
    services.assert_exactly_once(batch_id, accepted=200, formats=4)
    assert services.stall_after(batch_id, fault) < MAX_STALL_S


def test_redis_restart_without_persistence_loses_no_job(  # type: ignore[no-untyped-def]
    services, restartable_redis, write_cohort, tmp_path: Path
) -> None:
    services.broker_url = restartable_redis.url
    cohort = write_cohort(tmp_path / "cohort.csv", 160)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "1", "-n", "w@%h", "-B")
    services.wait_for(lambda c: c.get("done", 0) >= 16, batch_id)
    # Every queued message is lost: Redis restarts empty.
    fault = utcnow()
    restartable_redis.stop()
    time.sleep(1)
    restartable_redis.start()
    services.wait_done(batch_id, 160, timeout=300)
    services.assert_exactly_once(batch_id, accepted=160, formats=4)
    assert services.stall_after(batch_id, fault) < MAX_STALL_S


def test_broker_flushdb_loses_no_job(services, write_cohort, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 160)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "1", "-n", "w@%h", "-B")
    services.wait_for(lambda c: c.get("done", 0) >= 16, batch_id)
    fault = utcnow()
    redis.Redis.from_url(services.broker_url).flushdb()
    services.wait_done(batch_id, 160, timeout=300)
    services.assert_exactly_once(batch_id, accepted=160, formats=4)
    assert services.stall_after(batch_id, fault) < MAX_STALL_S


def test_lost_messages_without_a_reconciler_show_as_stalled(
    services, write_cohort, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 120)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "1", "-n", "w@%h")  # no -B, and no beat
    services.wait_for(lambda c: c.get("done", 0) >= 16, batch_id)
    redis.Redis.from_url(services.broker_url).flushdb()
    deadline = time.monotonic() + 180
    obj = json.loads(services.cli("status", batch_id, "--json").stdout)
    while not obj["stalled"] and time.monotonic() < deadline:
        time.sleep(2)
        obj = json.loads(services.cli("status", batch_id, "--json").stdout)
    assert obj["status"] == "in_progress" and obj["stalled"], obj
    assert "cohortcv beat" in obj["stalled_reason"]
    assert obj["counts"]["done"] < 120 and obj["eta_s"] is None
    shown = services.cli("status", batch_id, "--once").stdout
    assert "stalled" in shown and "cohortcv beat" in shown
    # What the runbook says to do: start beat. The batch then finishes, each job once.
    services.start_beat()
    services.wait_done(batch_id, 120, timeout=180)
    services.assert_exactly_once(batch_id, accepted=120, formats=4)
    obj = json.loads(services.cli("status", batch_id, "--json").stdout)
    assert obj["status"] == "completed" and not obj["stalled"] and obj["eta_s"] == 0


def test_status_reports_rate_and_eta_while_running(services, write_cohort, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Long enough to outlast the 10 s an ETA needs on a quiet machine (~70 resumes/s with one
    # worker process): 1,000 rows could finish first, and this test then saw "completed".
    rows = 2000
    cohort = write_cohort(tmp_path / "cohort.csv", rows)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "1", "-n", "w@%h", "-B")
    services.wait_for(lambda c: c.get("done", 0) >= 8, batch_id)
    # No ETA until the rate is measured (it was 3-60× off in the first minute), then one.
    deadline = time.monotonic() + 60
    while True:
        obj = json.loads(services.cli("status", batch_id, "--json").stdout)
        asked = time.monotonic()
        assert obj["status"] == "in_progress" and not obj["stalled"], obj
        if obj["eta_state"] != "known":
            assert obj["eta_state"] == "estimating" and obj["eta_s"] is None, obj
            assert time.monotonic() < deadline, "the rate never became known"
            time.sleep(1)
            continue
        break
    assert obj["rate_per_s"] > 0
    left = rows - obj["counts"]["done"]
    assert obj["eta_s"] == pytest.approx(left / obj["rate_per_s"], rel=0.2)
    shown = services.cli("status", batch_id, "--once").stdout
    assert "resumes/s" in shown or "completed" in shown  # a fast batch may be done already
    # The first ETA given is the right order of magnitude: what a user plans by.
    services.wait_done(batch_id, rows)
    took = time.monotonic() - asked
    print(f"first ETA {obj['eta_s']} s, took {took:.1f} s")
    assert obj["eta_s"] / 3 < took < obj["eta_s"] * 3, (obj["eta_s"], took)


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


def _report(services, batch_id: str, tmp_path: Path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    out = tmp_path / "export"
    services.cli("export", batch_id, "--out", str(out))
    with (out / "report.csv").open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_unknown_writer_fails_fast_with_the_real_message(
    services, write_cohort, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 20)
    # submit refuses an unknown writer itself (exit 2), so the batch names one the workers lack,
    # as a batch stored before a writer was removed would.
    refused = subprocess.run(
        [*COHORTCV, "submit", str(cohort)],
        env=services.env(COHORTCV_WRITER__NAME="no-such-writer"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2 and "no-such-writer" in refused.stderr
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    with services.engine.begin() as conn:
        conn.execute(
            text("UPDATE batches SET options = jsonb_set(options::jsonb, '{writer}', "
                 "'\"no-such-writer\"') WHERE id = :id"),
            {"id": batch_id},
        )  # fmt: skip
    started = time.monotonic()
    services.start_worker("-c", "1", "-n", "w@%h", "-B")
    services.wait_done(batch_id, 20, timeout=120)
    assert time.monotonic() - started < 60  # not the 600 s job deadline
    assert services.counts(batch_id) == {"dead": 20}
    with services.engine.connect() as conn:
        errors = set(conn.scalars(select(Job.last_error).where(Job.batch_id == batch_id)))
    assert len(errors) == 1 and "unknown writer 'no-such-writer'" in errors.pop()
    report = _report(services, batch_id, tmp_path)
    assert all("unknown writer 'no-such-writer'" in r["reason"] for r in report)
    assert all(r["status"] == "dead" for r in report)


def test_database_trigger_error_is_kept_and_retried_with_backoff(
    services, write_cohort, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with services.engine.begin() as conn:
        conn.execute(text(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'resumes are frozen for the audit'; END $$"
        ))  # fmt: skip
        conn.execute(text(
            "CREATE TRIGGER frozen BEFORE INSERT ON resumes FOR EACH ROW EXECUTE FUNCTION refuse()"
        ))  # fmt: skip
    cohort = write_cohort(tmp_path / "cohort.csv", 4)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "1", "-n", "w@%h", "-B")
    # Watch the attempts of one job: each claim counts one.
    claimed: dict[int, float] = {}
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        with services.engine.connect() as conn:
            attempts, status = conn.execute(
                select(Job.attempts, Job.status)
                .where(Job.batch_id == batch_id)
                .order_by(Job.id)
                .limit(1)
            ).one()
        if attempts and attempts not in claimed:
            claimed[attempts] = time.monotonic()
        if status == "dead":
            break
        time.sleep(0.2)
    assert sorted(claimed) == [1, 2, 3], claimed
    # The documented backoff: 5 s after the first failure, 10 s after the second.
    assert claimed[2] - claimed[1] >= 5
    assert claimed[3] - claimed[2] >= 10
    assert services.counts(batch_id) == {"dead": 4}
    with services.engine.connect() as conn:
        errors = set(conn.scalars(select(Job.last_error).where(Job.batch_id == batch_id)))
    assert errors == {"database error: resumes are frozen for the audit"}
    assert all("resumes are frozen" in r["reason"] for r in _report(services, batch_id, tmp_path))


def test_submit_with_a_wrong_broker_password(
    services, password_redis, write_cohort, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cohort = write_cohort(tmp_path / "cohort.csv", 20)
    wrong = password_redis.url.replace("s3cret-broker", "wrong")
    env = services.env(COHORTCV_BROKER_URL=wrong)
    result = subprocess.run(
        [*COHORTCV, "submit", str(cohort)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stdout.strip() == ""
    assert "cannot use the broker" in result.stderr and "wrong" not in result.stderr
    assert "COHORTCV_BROKER_URL" in result.stderr
    # Nothing was stored, so nothing runs later behind the user's back.
    with services.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Batch)) == 0
        assert conn.scalar(select(func.count()).select_from(Job)) == 0


def test_killed_submit_leaves_no_debris(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.csv"
    with big.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student ID", "Full Name", "E-mail", "University", "Degree", "Major"])
        for i in range(400_000):
            w.writerow([f"S{i:07d}", f"Person {i}", f"p{i}@example.edu", "Example University",
                        "BSc", "Computer Science"])  # fmt: skip
    submit = start(["submit", str(big)], services.env(), tmp_path / "submit.log")
    engine = services.engine

    def stored_jobs() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Job)) or 0)

    deadline = time.monotonic() + 120
    while stored_jobs() < 20_000 and time.monotonic() < deadline:
        assert submit.poll() is None, (tmp_path / "submit.log").read_text()
        time.sleep(0.2)
    os.killpg(submit.pid, signal.SIGKILL)
    submit.wait()
    with engine.connect() as conn:
        batch_id, status = conn.execute(select(Batch.id, Batch.status)).one()
    assert status == "validating" and stored_jobs() >= 20_000
    services.start_worker("-c", "1", "-n", "w@%h", "-B")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        obj = json.loads(services.cli("status", batch_id, "--json").stdout)
        if obj["status"] != "validating":
            break
        time.sleep(2)
    assert obj["status"] == "failed" and "abandoned" in obj["warnings"][0]
    assert stored_jobs() == 0
