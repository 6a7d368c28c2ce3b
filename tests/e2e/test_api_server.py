"""`cohortcv api` and `cohortcv tenant` as an operator runs them (real processes)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import Services
from tests.processes import free_port, start, stop, wait_for

pytestmark = pytest.mark.e2e


def _get(url: str, key: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_tenant_commands_and_two_server_processes_sharing_metrics(
    services: Services, tmp_path: Path
) -> None:
    created = services.cli("tenant", "create", "Example University")
    key = created.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"ccv_[A-Za-z0-9_-]{43}", key), created.stdout
    listed = services.cli("tenant", "list").stdout
    assert "example-university" in listed and key not in listed and key[:12] in listed

    port = free_port()
    api = start(
        ["api", "--port", str(port), "--workers", "2"], services.env(), tmp_path / "api.log"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("the API", lambda: _get(f"{base}/healthz")[0] == 200, [api])
        for _ in range(12):
            assert _get(f"{base}/v1/batches", key)[0] == 200
        assert _get(f"{base}/v1/batches")[0] == 401
        metrics = _get(f"{base}/metrics")[1]
        # Both server processes count into one /metrics.
        line = 'cohortcv_api_requests_total{method="GET",route="/v1/batches",status="200"} 12.0'
        assert line in metrics, metrics[:2000]

        services.cli("tenant", "revoke", "example-university")
        assert _get(f"{base}/v1/batches", key)[0] == 401
        [row] = [
            r for r in services.cli("tenant", "list").stdout.splitlines() if r.startswith("example")
        ]
        assert row.split("\t")[2:4] == ["-", key[:12]]  # no live key left, the old one revoked
    finally:
        stop([api])
    log = (tmp_path / "api.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and "leaked" not in log
    # The operator sees one line per request (id, route, status, time, institution), never a key.
    requests = [line for line in log.splitlines() if " GET /v1/batches " in line]
    assert len(requests) == 14, log[-3000:]  # 12 answered, no key, revoked key
    assert (
        sum("200" in line and "institution=example-university" in line for line in requests) == 12
    )
    assert re.search(r"[0-9a-f]{16} GET /v1/batches 401 [0-9.]+ms", log), log[-3000:]
    assert key not in log and key[4:16] not in log
