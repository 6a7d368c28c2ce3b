"""`cohortcv api` and `cohortcv tenant` as an operator runs them (real processes)."""

from __future__ import annotations

import json
import re
import socket
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


def _raw_post(port: int, key: str, body: bytes, declared: int, *, read: bool) -> bytes:
    """POST /v1/batches over a bare socket: `declared` as Content-Length, `body` as sent. With
    `read`, wait for the answer; else hang up at once, as a client that died mid-upload."""
    head = (
        f"POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: {declared}\r\n"
        "Content-Type: multipart/form-data; boundary=cut\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body)
        if not read:
            return b""
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_a_cut_upload_is_400_or_dropped_and_nothing_is_stored(
    services: Services, tmp_path: Path
) -> None:
    key = services.cli("tenant", "create", "Example University").stdout.strip().splitlines()[-1]
    summary = "Built weekly dashboards for the student union and tutored first-year Python. " * 3
    cohort = "Student ID,Full Name,E-mail,University,Degree,Graduation Year,Summary\n" + "".join(
        f"S{i:03d},Alex Example {i},a{i}@example.edu,Example University,BSc,2024,{summary}\n"
        for i in range(52)
    )
    whole = (
        b'--cut\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + cohort.encode() + b"\r\n--cut--\r\n"
    )
    cut = whole[:10_000]
    port = free_port()
    api = start(["api", "--port", str(port)], services.env(), tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("the API", lambda: _get(f"{base}/healthz")[0] == 200, [api])
        # The whole HTTP body arrived, but it is a multipart body cut mid-file.
        answer = _raw_post(port, key, cut, len(cut), read=True).decode()
        assert answer.startswith("HTTP/1.1 400 "), answer[:500]
        assert '"code":"incomplete_upload"' in answer and "the upload was cut off" in answer
        # The client said it would send more, sent 10,000 bytes and hung up.
        _raw_post(port, key, cut, len(whole), read=False)
        # The same, hanging up with its last bytes sent (and the closing boundary missing).
        _raw_post(port, key, whole[:-20], len(whole), read=False)
        wait_for(
            "two dropped uploads in the metrics",
            lambda: 'route="/v1/batches",status="499"} 2.0' in _get(f"{base}/metrics")[1],
            [api],
        )
        status, listing = _get(f"{base}/v1/batches", key)
        assert status == 200 and json.loads(listing)["data"] == []
        assert 'status="500"' not in _get(f"{base}/metrics")[1]
    finally:
        stop([api])
    log = (tmp_path / "api.log").read_text(encoding="utf-8")
    assert "ERROR" not in log and "Traceback" not in log, log[-3000:]
    assert len(re.findall(r" POST /v1/batches 499 ", log)) == 2, log[-3000:]
    uploads = services.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.rglob("*"))
