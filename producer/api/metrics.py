"""Prometheus metrics of the API process: requests, latency, uploads and rows ingested."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class ApiMetrics:
    """One registry per app (tests build several apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "cohortcv_api_requests_total", "HTTP requests", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "cohortcv_api_request_seconds", "HTTP request time", ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )  # fmt: skip
        self.uploads = Counter(
            "cohortcv_api_uploads_total", "Uploads by outcome", ["outcome"], registry=self.registry
        )
        self.rows = Counter(
            "cohortcv_rows_ingested_total", "Data rows read from uploads", ["outcome"],
            registry=self.registry,
        )  # fmt: skip

    def observe(self, scope: dict[str, Any], status: int, seconds: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.requests.labels(scope.get("method", "-"), template, str(status)).inc()
        self.latency.labels(template).observe(seconds)

    def render(self) -> bytes:
        """This process's metrics, or every server process's when they share a metrics folder
        (`cohortcv api --workers N` sets PROMETHEUS_MULTIPROC_DIR for its processes)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)
