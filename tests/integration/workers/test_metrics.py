"""A real `cohortcv worker --metrics-port` on Redis and PostgreSQL: queue depth, resume counters."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import COHORTCV, WAIT_S, clean_env, free_port, start, stop, wait_for

pytestmark = pytest.mark.integration

T = TypeVar("T")
ROWS = 5


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text page, keyed by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _wait(what: str, probe: Callable[[], T | None], proc: subprocess.Popen[bytes]) -> T:
    return wait_for(what, probe, [proc], errors=(httpx.HTTPError, OSError))


@pytest.fixture
def env(pg_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return clean_env(
        COHORTCV_DATABASE_URL=pg_url,
        COHORTCV_BROKER_URL=redis_url,
        COHORTCV_DATA_DIR=str(tmp_path / "data"),
    )


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    upgrade = subprocess.run(
        [*COHORTCV, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=WAIT_S
    )
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    port = free_port()
    log_path = tmp_path / "worker.log"
    argv = ["worker", "-c", "1", "-n", "metricstest@%h", "--metrics-port", str(port)]
    proc = start(argv, env, log_path)
    try:
        yield f"http://127.0.0.1:{port}/metrics", proc
    finally:
        stop([proc])
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
    # Batch health for alerts, read from SQL: nothing submitted yet, nothing stalled.
    assert first[("cohortcv_batches_active", frozenset())] == 0
    assert first[("cohortcv_batches_stalled", frozenset())] == 0

    cohort = tmp_path / "cohort.csv"
    with cohort.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "email"])
        for i in range(ROWS):
            w.writerow([f"m{i}", f"Metrics Person {i}", f"m{i}@example.org"])
    submit = subprocess.run(
        [*COHORTCV, "submit", str(cohort)],
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
    # The documented grounding series exist with the template writer too: zero model-written
    # sections passed, were regenerated or fell back.
    for outcome in ("passed", "regenerated", "fallback"):
        key = ("cohortcv_grounding_sections_total", frozenset({("outcome", outcome)}))
        assert final.get(key) == 0, f"{key} missing or wrong: {final.get(key)}"
    assert final.get(("cohortcv_grounding_fallbacks_total", frozenset())) == 0
