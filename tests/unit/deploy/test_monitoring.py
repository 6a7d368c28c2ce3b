"""Alert rules and the Grafana dashboard in deploy/ only use metrics the code really exports.

Static checks (YAML/JSON shape, metric names against the sources of workers/ and Flower), plus
promtool's own rule checks and rule unit tests where promtool is installed (Debian: the
`prometheus` package); CI does not install it, so those skip there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
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


def test_alert_rules_cover_stalls_queues_and_dead_jobs() -> None:
    rules = _rules()
    names = {rule["alert"] for rule in rules}
    assert {"CohortcvBatchStalled", "CohortcvQueueGrowing", "CohortcvDeadJobs"} <= names
    for rule in rules:
        assert rule["expr"].strip(), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


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
    for metric in ("cohortcv_resumes_total", "cohortcv_queue_depth", "cohortcv_chunk_seconds"):
        assert metric in queries


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
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed")


@needs_promtool
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
    result = subprocess.run(
        [str(PROMTOOL), *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
