"""A real `cohortcv worker --metrics-port` on Redis and PostgreSQL: queue depth, resume counters."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration

T = TypeVar("T")
WAIT_S = 60.0
ROWS = 5


def _cohortcv() -> list[str]:
    script = Path(sys.executable).with_name("cohortcv")
    return [str(script)] if script.exists() else [sys.executable, "-m", "producer.cli.main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text page, keyed by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _wait(what: str, probe: Callable[[], T | None], proc: subprocess.Popen[bytes]) -> T:
    deadline = time.monotonic() + WAIT_S
    last: object = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the worker exited with {proc.returncode} before {what}"
        try:
            found = probe()
            if found:
                return found
            last = found
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {WAIT_S:.0f}s (last: {last!r})")


@pytest.fixture
def env(pg_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    return base | {
        "COHORTCV_DATABASE_URL": pg_url,
        "COHORTCV_BROKER_URL": redis_url,
        "COHORTCV_DATA_DIR": str(tmp_path / "data"),
        # The prometheus multiprocess folder (mkdtemp) lands in the test's folder.
        "TMPDIR": str(tmp_path),
    }


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    upgrade = subprocess.run(
        [*_cohortcv(), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=WAIT_S
    )
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    port = _free_port()
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        argv = ["worker", "-c", "1", "-n", "metricstest@%h", "--metrics-port", str(port)]
        proc = subprocess.Popen(
            [*_cohortcv(), *argv], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}/metrics", proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        sys.stdout.write(f"--- worker.log (tail)\n{log_path.read_text(errors='replace')[-3000:]}\n")


def test_worker_metrics_show_queue_depth_and_rendered_resumes(
    worker: tuple[str, subprocess.Popen[bytes]], env: dict[str, str], tmp_path: Path
) -> None:
    url, proc = worker
    depth = ("cohortcv_queue_depth", frozenset({("queue", "generate")}))

    def scrape() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        response = httpx.get(url, timeout=5)
        assert response.status_code == 200
        return _samples(response.text)

    first = _wait("metrics page", scrape, proc)
    assert depth in first, sorted(name for name, _ in first)
    assert first[depth] >= 0

    cohort = tmp_path / "cohort.csv"
    with cohort.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "email"])
        for i in range(ROWS):
            w.writerow([f"m{i}", f"Metrics Person {i}", f"m{i}@example.org"])
    submit = subprocess.run(
        [*_cohortcv(), "submit", str(cohort)],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )
    assert submit.returncode == 0, submit.stdout + submit.stderr
    assert submit.stdout.strip().splitlines()[-1]  # the batch id

    rendered = ("cohortcv_resumes_total", frozenset({("stage", "render"), ("outcome", "ok")}))

    def all_rendered() -> float | None:
        value = scrape().get(rendered, 0.0)
        return value if value >= ROWS else None

    assert _wait(f"{ROWS} rendered resumes in cohortcv_resumes_total", all_rendered, proc) == ROWS
    final = scrape()
    written = ("cohortcv_resumes_total", frozenset({("stage", "write"), ("outcome", "ok")}))
    assert final[written] == ROWS
    assert depth in final
