"""Alert rules and the Grafana dashboard in deploy/ only use metrics the code really exports.

Static checks (YAML/JSON shape, metric names against the sources of workers/ and Flower), plus
promtool's own rule checks and rule unit tests (Debian: the `prometheus` package, which
`scripts/setup.sh --test` installs). Without promtool those skip on a developer's machine and
fail in CI (CI=true), so the rule tests cannot pass silently there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import flower
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
ALERT_TESTS = DEPLOY / "prometheus" / "alerts.test.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "cohortcv.json"
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "bool", "offset"}
# Series Prometheus itself makes for every scrape target.
BUILTIN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# What the alerts and the dashboard must watch: throughput, backlog, chunk time, and batch health
# read from SQL (a stall with an empty broker queue: lost messages; the reconciler gone).
WATCHED = (
    "cohortcv_resumes_total",
    "cohortcv_queue_depth",
    "cohortcv_chunk_seconds",
    "cohortcv_batches_active",
    "cohortcv_batches_stalled",
    "cohortcv_reconciler_last_run_age_seconds",
    "cohortcv_worker_heartbeat_age_seconds",
    "cohortcv_queue_consumers",
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _exported_names() -> set[str]:
    """Metric names given to prometheus_client in our code and in Flower."""
    sources = [p for pkg in ("workers", "producer", "shared") for p in (ROOT / pkg).rglob("*.py")]
    sources += list(Path(flower.__file__).parent.rglob("*.py"))
    names: set[str] = set()
    for path in sources:
        names |= set(
            re.findall(r"""["']((?:cohortcv|flower)_[a-z0-9_]+)["']""", path.read_text("utf-8"))
        )
    return names


EXPORTED = _exported_names()


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression selects (functions, keywords and labels removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    tokens = re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\(?)", expr)
    return {name for name, call in tokens if not call and name not in PROMQL_WORDS}


def _known(name: str) -> bool:
    if name in BUILTIN or name in EXPORTED:
        return True
    return any(name.endswith(s) and name.removesuffix(s) in EXPORTED for s in HISTOGRAM_SUFFIXES)


def _rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def _dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def test_metric_name_parser_sees_through_promql() -> None:
    expr = 'sum by (stage) (rate(cohortcv_resumes_total{outcome="dead"}[5m])) > 0 and on() up'
    assert metric_names(expr) == {"cohortcv_resumes_total", "up"}
    assert not _known("cohortcv_batches_never_defined")


def test_watched_metrics_are_exported_by_the_code() -> None:
    missing = [name for name in WATCHED if name not in EXPORTED]
    assert not missing, f"deploy/ relies on metrics nothing exports: {missing}"


def test_alert_rules_cover_stalls_queues_and_dead_jobs() -> None:
    rules = _rules()
    names = {rule["alert"] for rule in rules}
    assert {
        "CohortcvBatchStalled",
        "CohortcvReconcilerDown",
        "CohortcvQueueGrowing",
        "CohortcvDeadJobs",
    } <= names
    by_name = {rule["alert"]: rule for rule in rules}
    # A stall must be seen from SQL, not only from the broker: lost messages leave queues empty.
    assert "cohortcv_batches_stalled" in metric_names(by_name["CohortcvBatchStalled"]["expr"])
    assert "cohortcv_queue_depth" not in metric_names(by_name["CohortcvBatchStalled"]["expr"])
    assert {"cohortcv_reconciler_last_run_age_seconds", "cohortcv_batches_active"} <= metric_names(
        by_name["CohortcvReconcilerDown"]["expr"]
    )
    # Worker loss from cohortcv's own heartbeats: Flower drops a lost worker's series at 300 s,
    # before a 5 min alert on it could fire (it fired 0 of 3 times in the drill).
    offline = by_name["CohortcvWorkerOffline"]
    assert metric_names(offline["expr"]) == {"cohortcv_worker_heartbeat_age_seconds"}
    assert _seconds(offline.get("for", "0s")) + 45 <= 120 - 30  # a 15 s scrape plus a 5 s beat
    assert not any("flower_" in n for r in rules for n in metric_names(r["expr"]))
    assert {"cohortcv_queue_depth", "cohortcv_queue_consumers"} <= metric_names(
        by_name["CohortcvQueueWithoutConsumer"]["expr"]
    )
    for rule in rules:
        assert rule["expr"].strip(), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


def test_flower_process_does_not_export_cohortcv_counters(tmp_path: Path) -> None:
    """Flower loads the workers' app and serves prometheus_client's default registry: cohortcv's
    counters there sit at 0 forever (three of them did). Workers serve them themselves."""
    script = (
        "import prometheus_client, workers.app\nprint(prometheus_client.generate_latest().decode())"
    )
    env = {
        **os.environ,
        "COHORTCV_BROKER_URL": "redis://127.0.0.1:1/0",
        "COHORTCV_DATA_DIR": str(tmp_path),
        "COHORTCV_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "python_info" in result.stdout  # the page Flower would serve
    assert "cohortcv_" not in result.stdout


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r["alert"])
def test_alert_rules_use_only_exported_metrics(rule: dict[str, Any]) -> None:
    names = metric_names(rule["expr"])
    assert names, rule["expr"]
    unknown = sorted(n for n in names if not _known(n))
    assert not unknown, f"{rule['alert']} uses metrics nothing exports: {unknown}"


def test_dashboard_is_grafana_shaped_and_uses_only_exported_metrics() -> None:
    dash = _dashboard()
    assert dash["title"] and dash["uid"] and isinstance(dash["schemaVersion"], int)
    panels = dash["panels"]
    assert len(panels) >= 4
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        assert panel["type"] in ("timeseries", "stat", "gauge", "table", "bargauge"), panel
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["refId"] and target["expr"], panel["title"]
            unknown = sorted(n for n in metric_names(target["expr"]) if not _known(n))
            assert not unknown, f"panel {panel['title']!r} uses {unknown}"
    queries = " ".join(t["expr"] for p in panels for t in p["targets"])
    for metric in WATCHED:
        assert metric in queries, f"no panel shows {metric}"


def test_prometheus_loads_the_rules_and_compose_mounts_them() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    assert [(DEPLOY / f).resolve() for f in config["rule_files"]] == [ALERTS.resolve()]
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["prometheus"]["volumes"]}
    config_dir = Path("/etc/prometheus")
    assert mounts[str(config_dir / "prometheus.yml")] == "./deploy/prometheus.yml"
    for rule_file in config["rule_files"]:
        # The rule path, resolved in the container, falls in a folder mounted from deploy/.
        inside = config_dir / rule_file
        host = next(
            ROOT / src / inside.relative_to(dst)
            for dst, src in mounts.items()
            if inside.is_relative_to(dst)
        )
        assert host.resolve() == ALERTS.resolve()
    grafana = {v.split(":")[0] for v in services["grafana"]["volumes"]}
    assert "./deploy/grafana/dashboards" in grafana
    assert "./deploy/grafana/provisioning" in grafana


PROMTOOL = shutil.which("promtool")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "config", str(DEPLOY / "prometheus.yml")],
        ["check", "rules", str(ALERTS)],
        ["test", "rules", str(ALERT_TESTS)],
    ],
    ids=["config", "rules", "rule-tests"],
)
def test_promtool_accepts_config_and_rules(args: list[str]) -> None:
    if PROMTOOL is None:
        message = (
            "promtool not installed (Debian: apt-get install prometheus; scripts/setup.sh --test)"
        )
        if IN_CI:
            pytest.fail(f"{message}; CI=true: the alert rule tests must run")
        pytest.skip(message)
    result = subprocess.run(
        [str(PROMTOOL), *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
