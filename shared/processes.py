"""Processes on this machine: whether one is alive (run ownership, metrics folders, claimers),
and how many CPUs they may use."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True while `pid` exists here; a process we may not signal still counts as alive."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def usable_cpus() -> int:
    """CPUs this process may run on (a container's or taskset's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
