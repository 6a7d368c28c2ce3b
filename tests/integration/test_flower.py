"""The real Flower (`cohortcv flower`) with a real worker on Redis: auth, worker list, metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.processes import COHORTCV, clean_env, free_port, start, stop, wait_for

pytestmark = pytest.mark.integration

T = TypeVar("T")
# A password an operator chose: placeholders and short passwords are refused.
AUTH = ("ops", "flower-test-7c1e9a")


def _wait(what: str, probe: Callable[[], T | None], procs: list[subprocess.Popen[bytes]]) -> T:
    return wait_for(what, probe, procs, errors=(httpx.HTTPError, OSError))


@pytest.fixture
def cluster(redis_url: str, tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """Flower and one worker (`flowertest@%h`) on the test's Redis; yields Flower's base URL."""
    port = free_port()
    env = clean_env(
        COHORTCV_BROKER_URL=redis_url,
        COHORTCV_DATA_DIR=str(tmp_path / "data"),
        COHORTCV_FLOWER__BASIC_AUTH=":".join(AUTH),
        TMPDIR=str(tmp_path),
    )
    # The operator's order: the schema first (a worker refuses a database without it).
    subprocess.run([*COHORTCV, "db", "upgrade"], env=env, check=True, capture_output=True)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, argv in (
            ("flower", ["flower", "--port", str(port)]),
            ("worker", ["worker", "-c", "1", "-n", "flowertest@%h", "-l", "INFO"]),
        ):
            procs.append(start(argv, env, tmp_path / f"{name}.log"))
        yield f"http://127.0.0.1:{port}", procs
    finally:
        stop(procs)
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


@pytest.mark.parametrize("auth", [None, "admin:change-me", "ops-without-password"])
def test_flower_refuses_to_start_without_chosen_credentials(
    redis_url: str, tmp_path: Path, auth: str | None
) -> None:
    """No default password: Flower exits non-zero with a message, before it binds a port."""
    env = clean_env(COHORTCV_BROKER_URL=redis_url, COHORTCV_DATA_DIR=str(tmp_path / "data"))
    if auth is not None:
        env["COHORTCV_FLOWER__BASIC_AUTH"] = auth
    port = free_port()
    proc = start(["flower", "--port", str(port)], env, tmp_path / "flower.log")
    try:
        assert proc.wait(timeout=60) != 0
    finally:
        stop([proc])
    log = (tmp_path / "flower.log").read_text(errors="replace")
    assert "COHORTCV_FLOWER__BASIC_AUTH" in log, log
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthcheck", timeout=2)


def test_flower_and_worker_stop_cleanly(
    cluster: tuple[str, list[subprocess.Popen[bytes]]],
) -> None:
    base, procs = cluster
    with httpx.Client(base_url=base, timeout=10) as client:
        _wait("Flower health check", lambda: client.get("/healthcheck").status_code == 200, procs)
    stop(procs)
    for proc in procs:
        assert proc.returncode is not None
        # Warm shutdown on SIGTERM; nothing of the group is left behind.
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
