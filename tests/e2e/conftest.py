"""Real processes for end-to-end tests: `cohortcv` commands, Celery workers, a Redis we can restart."""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shared.db.engine import make_engine
from shared.db.models import Job, ResumeOutput, ResumeRecord
from tests.processes import COHORTCV, clean_env, free_port, start, stop


def _write_cohort(path: Path, n: int, *, zh_every: int = 4) -> Path:
    """A synthetic cohort of n people (every `zh_every`-th row in Chinese)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student ID", "Full Name", "E-mail", "University", "Degree", "Major",
                    "Graduation Year", "Work Experience", "Skills", "Language"])  # fmt: skip
        for i in range(n):
            if zh_every and i % zh_every == 0:
                w.writerow([f"S{i:05d}", f"张{i}伟", f"zh{i}@example.edu", "示例大学", "学士",
                            "计算机科学", "2024", "腾讯 产品实习生（2023年6月-2023年9月）：负责用户调研",
                            "Python、SQL", "zh"])  # fmt: skip
            else:
                w.writerow([f"S{i:05d}", f"Alex Example {i}", f"a{i}@example.edu",
                            "Example University", "BSc", "Computer Science", "2024",
                            "Data Analyst at Acme Corp (2022-2023): built weekly dashboards",
                            "Python, SQL", "en"])  # fmt: skip
    return path


class Services:
    """Environment for child processes pointing at the test's PostgreSQL and Redis."""

    def __init__(self, db_url: str, broker_url: str, data_dir: Path) -> None:
        self.db_url = db_url
        self.broker_url = broker_url
        self.data_dir = data_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.engine = make_engine(db_url)

    def env(self, **extra: str) -> dict[str, str]:
        env = clean_env()
        env |= {
            "COHORTCV_DATABASE_URL": self.db_url,
            "COHORTCV_BROKER_URL": self.broker_url,
            "COHORTCV_DATA_DIR": str(self.data_dir),
            # Small chunks so a few hundred rows make many of them; every delay, deadline,
            # interval and time limit stays at the default a user gets (issue 6 item 8).
            "COHORTCV_CHUNK_SIZE": "8",
            "COHORTCV_WINDOW_CHUNKS": "4",
        }
        return env | extra

    def cli(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*COHORTCV, *args], env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"cohortcv {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def start_worker(self, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        log = log or self.data_dir / f"worker-{len(self.procs)}.log"
        proc = start(["worker", "-l", "INFO", *args], self.env(), log)
        self.procs.append(proc)
        return proc

    def counts(self, batch_id: str) -> dict[str, int]:
        with self.engine.connect() as conn:
            return dict(
                conn.execute(
                    select(Job.status, func.count())
                    .where(Job.batch_id == batch_id)
                    .group_by(Job.status)
                ).all()
            )

    def wait_done(self, batch_id: str, total: int, timeout: float = 240) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = self.counts(batch_id)
            if counts.get("done", 0) + counts.get("dead", 0) >= total:
                return counts
            time.sleep(0.5)
        raise AssertionError(
            f"batch {batch_id} not finished in {timeout}s: {self.counts(batch_id)}"
        )

    def wait_for(
        self, predicate: Callable[[dict[str, int]], bool], batch_id: str, timeout: float = 120
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.counts(batch_id)):
                return
            time.sleep(0.1)
        raise AssertionError(f"condition not reached: {self.counts(batch_id)}")

    def assert_exactly_once(self, batch_id: str, accepted: int, formats: int) -> None:
        """Every accepted row done once: one resume per job, one file per format, no duplicates."""
        with self.engine.connect() as conn:
            statuses = self.counts(batch_id)
            assert statuses == {"done": accepted}, statuses
            resume_ids = list(conn.scalars(select(Job.resume_id).where(Job.batch_id == batch_id)))
            assert len(resume_ids) == len(set(resume_ids)) == accepted
            n_resumes = conn.scalar(
                select(func.count())
                .select_from(ResumeRecord)
                .where(ResumeRecord.id.in_(resume_ids))
            )
            assert n_resumes == accepted
            n_files = conn.scalar(
                select(func.count())
                .select_from(ResumeOutput)
                .where(ResumeOutput.resume_id.in_(resume_ids))
            )
            assert n_files == accepted * formats

    def finish_times(self, batch_id: str) -> list[datetime]:
        with self.engine.connect() as conn:
            times = conn.scalars(
                select(Job.finished_at)
                .where(Job.batch_id == batch_id, Job.finished_at.is_not(None))
                .order_by(Job.finished_at)
            )
            return [t if t.tzinfo else t.replace(tzinfo=UTC) for t in times]

    def stall_after(self, batch_id: str, fault: datetime) -> float:
        """The longest time after `fault` with no job of the batch finishing, counted from the
        last job that finished before the fault (what a user watching the batch sees)."""
        times = self.finish_times(batch_id)
        before = [t for t in times if t <= fault]
        after = [t for t in times if t > fault]
        assert after, "no job finished after the fault"
        points = ([before[-1]] if before else [fault]) + after
        stall = max((b - a).total_seconds() for a, b in itertools.pairwise(points))
        print(f"stall after the fault: {stall:.1f} s")  # the stall docs/operations.md §4 describes (-s)
        return stall

    def start_beat(self) -> subprocess.Popen[bytes]:
        proc = start(["beat", "-l", "INFO"], self.env(), self.data_dir / "beat.log")
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        stop(self.procs)
        self.engine.dispose()


class RedisServer:
    """A redis-server of the test's own, persistence off, so the test may restart it."""

    def __init__(self, port: int, workdir: Path, password: str | None = None) -> None:
        self.port = port
        self.workdir = workdir
        self.password = password
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir),
             *(["--requirepass", self.password] if self.password else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def services(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[Services]:
    s = Services(pg_url, redis_url, tmp_path / "data")
    s.data_dir.mkdir()
    s.cli("db", "upgrade")
    yield s
    s.stop()


def _need_redis_server() -> None:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("redis-server is not installed (CI=true)")
        pytest.skip("redis-server is not installed")


@pytest.fixture
def restartable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    _need_redis_server()
    server = RedisServer(free_port(), tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def password_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own that requires a password, like a production one."""
    _need_redis_server()
    server = RedisServer(free_port(), tmp_path / "redis-auth", password="s3cret-broker")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def write_cohort() -> Callable[..., Path]:
    return _write_cohort
