"""Real `cohortcv` processes for tests: argv, a clean environment, start, wait, stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
WAIT_S = 60.0
COHORTCV = [sys.executable, "-m", "producer.cli.main"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any COHORTCV_ setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    return env | values


def start(args: Iterable[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`cohortcv ARGS` in its own process group (so stop() reaches its children), output to log."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [*COHORTCV, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(procs: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group (a warm shutdown), then SIGKILL what is left after 30 s."""
    procs = list(procs)
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


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    procs: Iterable[subprocess.Popen[bytes]] = (),
    timeout: float = WAIT_S,
    errors: tuple[type[BaseException], ...] = (OSError,),
) -> T:
    """Poll `probe` until it returns something truthy, failing early if a process died."""
    procs = list(procs)
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        for proc in procs:
            assert proc.poll() is None, f"{proc.args} exited with {proc.returncode} before {what}"
        try:
            found = probe()
            if found:
                return found
            last = found
        except errors as exc:
            last = exc
        time.sleep(0.25)
    raise AssertionError(f"no {what} within {timeout:.0f}s (last: {last!r})")
