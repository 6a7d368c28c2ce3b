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


# Runs argv[2:] and writes its peak RSS (KiB, descendants it waited for included) to argv[1].
# Linux carries a process's resident size across fork and exec into ru_maxrss, so a child of a
# large test process (one that loaded a model) would report the parent's size; a child of this
# small interpreter reports its own.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(str(peak))\n"
    "sys.exit(code)\n"
)


def run_measured(
    argv: list[str], peak_file: Path, **options: object
) -> tuple[subprocess.CompletedProcess[str], float]:
    """`subprocess.run(argv, text=True, capture_output=True, …)` and the command's peak RSS in MB."""
    result = subprocess.run(  # type: ignore[call-overload]
        [sys.executable, "-c", _MEASURE, str(peak_file), *argv],
        capture_output=True, text=True, **options,
    )  # fmt: skip
    return result, int(peak_file.read_text()) / 1024
