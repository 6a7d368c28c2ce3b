"""The real Flower (`cohortcv flower`) with a real worker on Redis: auth, worker list, metrics."""

from __future__ import annotations

import contextlib
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

pytestmark = pytest.mark.integration

T = TypeVar("T")
WAIT_S = 60.0
AUTH = ("user", "pw")


def _cohortcv() -> list[str]:
    script = Path(sys.executable).with_name("cohortcv")
    return [str(script)] if script.exists() else [sys.executable, "-m", "producer.cli.main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, probe: Callable[[], T | None], procs: list[subprocess.Popen[bytes]]) -> T:
    """Poll `probe` until it returns something truthy; at most WAIT_S seconds."""
    deadline = time.monotonic() + WAIT_S
    last: object = None
    while time.monotonic() < deadline:
        for proc in procs:
            assert proc.poll() is None, f"{proc.args} exited with {proc.returncode} before {what}"
        try:
            found = probe()
            if found:
                return found
            last = found
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {WAIT_S:.0f}s (last: {last!r})")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group, then SIGKILL whatever is left after 30 s."""
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def cluster(redis_url: str, tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """Flower and one worker (`flowertest@%h`) on the test's Redis; yields Flower's base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    env |= {
        "COHORTCV_BROKER_URL": redis_url,
        "COHORTCV_DATA_DIR": str(tmp_path / "data"),
        "COHORTCV_FLOWER__BASIC_AUTH": ":".join(AUTH),
        "TMPDIR": str(tmp_path),
    }
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, argv in (
            ("flower", ["flower", "--port", str(port)]),
            ("worker", ["worker", "-c", "1", "-n", "flowertest@%h", "-l", "INFO"]),
        ):
            log = (tmp_path / f"{name}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [*_cohortcv(), *argv],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            log.close()
        yield f"http://127.0.0.1:{port}", procs
    finally:
        _stop(procs)
        for log in sorted(tmp_path.glob("*.log")):
            sys.stdout.write(f"--- {log.name} (tail)\n{log.read_text(errors='replace')[-2000:]}\n")


def test_flower_requires_auth_and_sees_the_worker(
    cluster: tuple[str, list[subprocess.Popen[bytes]]],
) -> None:
    base, procs = cluster
    with httpx.Client(base_url=base, timeout=10) as client:
        # Flower is up when its unauthenticated health check answers.
        _wait("Flower health check", lambda: client.get("/healthcheck").status_code == 200, procs)

        assert client.get("/api/workers").status_code == 401
        assert client.get("/api/workers", auth=("user", "wrong")).status_code == 401

        def worker_listed() -> str | None:
            response = client.get("/api/workers", params={"refresh": "1"}, auth=AUTH)
            assert response.status_code == 200, response.text
            return next((w for w in response.json() if w.startswith("flowertest@")), None)

        node = _wait("flowertest worker in /api/workers", worker_listed, procs)

        def online_metric() -> str | None:
            response = client.get("/metrics")  # exempt from basic auth, like /healthcheck
            assert response.status_code == 200
            line = f'flower_worker_online{{worker="{node}"}} 1.0'
            return line if line in response.text.splitlines() else None

        _wait(f"flower_worker_online for {node}", online_metric, procs)


def test_flower_and_worker_stop_cleanly(
    cluster: tuple[str, list[subprocess.Popen[bytes]]],
) -> None:
    base, procs = cluster
    with httpx.Client(base_url=base, timeout=10) as client:
        _wait("Flower health check", lambda: client.get("/healthcheck").status_code == 200, procs)
    _stop(procs)
    for proc in procs:
        assert proc.returncode is not None
        # Warm shutdown on SIGTERM; nothing of the group is left behind.
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
