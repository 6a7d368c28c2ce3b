"""Losing a worker as an operator sees it: the real /metrics page of another worker, scraped the
way Prometheus does, fed to promtool's evaluation of deploy/prometheus/alerts.yml; and a host
without a GPU, whose CPU workers alone run template batches to the end.

The last outside check found alert rules that passed promtool's unit tests while the real
series vanished before the alert could fire; here the series come from real processes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import free_port, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
SCRAPE_S = 15  # deploy/prometheus.yml's scrape and evaluation interval
AGE = "cohortcv_worker_heartbeat_age_seconds"


def _ages(url: str) -> dict[str, float]:
    """Each worker node's age on the real metrics page, by node name without the host."""
    text = httpx.get(url, timeout=5).text
    return {
        s.labels["worker"].split("@")[0]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == AGE
    }


def _rule(name: str) -> dict[str, Any]:
    doc = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return next(r for g in doc["groups"] for r in g["rules"] if r.get("alert") == name)


def test_killed_and_stopped_workers_alert_within_2_minutes_from_a_real_scrape(
    services: Any, tmp_path: Path
) -> None:
    promtool = shutil.which("promtool")
    if promtool is None and os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip("promtool not installed (Debian: apt-get install prometheus)")
    assert promtool is not None, "CI=true: promtool must be installed"
    port = free_port()
    exporter = services.start_worker(
        "-c", "1", "-n", "exporter@%h", "-Q", "control", "--metrics-port", str(port)
    )
    killed = services.start_worker("-c", "1", "-n", "killed@%h")
    stopped = services.start_worker("-c", "1", "-n", "stopped@%h")
    url = f"http://127.0.0.1:{port}/metrics"

    def all_beating() -> bool | None:
        ages = _ages(url)
        return ({"exporter", "killed", "stopped"} <= set(ages) and max(ages.values()) < 10) or None

    wait_for("three workers beating", all_beating, [exporter, killed, stopped], timeout=120,
             errors=(httpx.HTTPError, OSError))  # fmt: skip
    # One worker dies (kill -9 of its whole process group), one stops cleanly (SIGTERM).
    os.killpg(killed.pid, signal.SIGKILL)
    stopped.send_signal(signal.SIGTERM)
    fault = time.monotonic()
    scrapes: list[dict[str, float]] = []
    for i in range(9):  # 0 s … 120 s after the fault, at Prometheus's pace
        time.sleep(max(0.0, fault + i * SCRAPE_S - time.monotonic()))
        ages = _ages(url)
        # The series of both lost workers exist in every scrape, as Prometheus needs them.
        assert {"killed", "stopped"} <= set(ages), (i, ages)
        scrapes.append(ages)
    assert stopped.wait(timeout=60) == 0  # it did stop cleanly
    assert all(s["exporter"] < 15 for s in scrapes)
    for node in ("killed", "stopped"):
        ages = [s[node] for s in scrapes]
        assert ages == sorted(ages) and ages[-1] > 100, (node, ages)

    # The scraped values into promtool, against the real rule (its expression and `for`;
    # annotations left out, they only word the page).
    rule = {k: v for k, v in _rule("CohortcvWorkerOffline").items() if k != "annotations"}
    (tmp_path / "rules.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "cohortcv", "rules": [rule]}]}), encoding="utf-8"
    )
    series = [
        {
            "series": f'{AGE}{{worker="{node}",instance="exporter"}}',
            "values": " ".join(f"{s[node]:.1f}" for s in scrapes),
        }
        for node in ("exporter", "killed", "stopped")
    ]
    fired = [
        {"exp_labels": {"severity": rule["labels"]["severity"], "worker": node}}
        for node in ("killed", "stopped")
    ]
    test = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": f"{SCRAPE_S}s",
        "tests": [
            {
                "interval": f"{SCRAPE_S}s",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "30s", "alertname": "CohortcvWorkerOffline", "exp_alerts": []},
                    {
                        "eval_time": "120s",
                        "alertname": "CohortcvWorkerOffline",
                        "exp_alerts": fired,
                    },
                ],
            }
        ],
    }
    (tmp_path / "rules.test.yml").write_text(yaml.safe_dump(test), encoding="utf-8")
    result = subprocess.run(
        [promtool, "test", "rules", "rules.test.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr + str(scrapes)


def test_cpu_workers_alone_run_a_template_batch(
    services: Any, write_cohort: Any, tmp_path: Path
) -> None:
    """docker-compose.yml's worker-cpu on a host without a GPU: no worker takes `generate`."""
    cohort = write_cohort(tmp_path / "cohort.csv", 40)
    batch_id = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    services.start_worker("-c", "1", "-n", "cpu@%h", "-Q", "write,render,control", "-B")
    services.wait_done(batch_id, 40, timeout=180)
    services.assert_exactly_once(batch_id, accepted=40, formats=4)
    shown = services.cli("status", batch_id, "--once").stdout
    assert "completed" in shown and "waiting" not in shown
