"""Worker processes as the producer starts them: argv and environment, and embedded mode's pool.

The producer never imports the workers; it starts them as separate processes by module name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from shared.processes import pid_alive
from shared.settings import Settings
from shared.tasks import ALL_QUEUES

WORKER_APP = "workers.app"
# Celery's `worker` command for WORKER_APP, started without the `celery` umbrella command and
# the CLI plugins it imports (Flower, Tornado): the same worker, a fifth faster to start.
WORKER_START = "workers.start"


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process see the same settings as this one."""
    env = dict(os.environ)
    env["COHORTCV_DATA_DIR"] = str(settings.data_dir)
    env["COHORTCV_DATABASE_URL"] = settings.resolved_database_url()
    env["COHORTCV_BROKER_URL"] = settings.resolved_broker_url()
    env["COHORTCV_CHUNK_SIZE"] = str(settings.chunk_size)
    env["COHORTCV_WINDOW_CHUNKS"] = str(settings.window_chunks)
    # The writer chosen on the command line, so local workers cut the same write chunks.
    env["COHORTCV_WRITER__NAME"] = settings.writer.name
    env["COHORTCV_WRITER__GENERATE_CHUNK_SIZE"] = str(settings.writer.generate_chunk_size)
    env["COHORTCV_WORKER__SOFT_TIME_LIMIT_S"] = str(settings.worker.soft_time_limit_s)
    env["COHORTCV_WORKER__HARD_TIME_LIMIT_S"] = str(settings.worker.hard_time_limit_s)
    # The deadline a worker sets on what it claims, consistent with the limits above.
    env["COHORTCV_WORKER__JOB_DEADLINE_S"] = str(settings.worker.job_deadline_s)
    env["COHORTCV_WORKER__VISIBILITY_TIMEOUT_S"] = str(settings.worker.visibility_timeout_s)
    return env


def device_env(device: str, env: dict[str, str]) -> dict[str, str]:
    """Pin a worker to one GPU: `cuda:N` becomes CUDA_VISIBLE_DEVICES=N (its writer device is
    set apart, to `cuda:0`, by the caller)."""
    env = dict(env)
    if device.startswith("cuda:"):
        env["CUDA_VISIBLE_DEVICES"] = device.split(":", 1)[1]
    return env


def worker_argv(
    *,
    queues: Sequence[str] = ALL_QUEUES,
    concurrency: int,
    name: str,
    embedded: bool = False,
    beat: bool = False,
    loglevel: str = "INFO",
    extra: Sequence[str] = (),
) -> list[str]:
    argv = [
        sys.executable, "-m", WORKER_START,
        "-Q", ",".join(queues), "-c", str(concurrency), "-P", "prefork",
        "-n", name, "-l", loglevel, "--prefetch-multiplier", "1",
    ]  # fmt: skip
    if embedded:
        # One machine, no monitoring: skip the cluster chatter that only slows start-up.
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    else:
        argv += ["-E"]
    if beat:
        argv += ["-B", "-s", os.path.join(tempfile.gettempdir(), f"cohortcv-beat-{os.getpid()}")]
    return argv + list(extra)


def metrics_env(port: int, env: dict[str, str], data_dir: Path) -> dict[str, str]:
    """Prefork children share metrics through a directory set before prometheus_client loads.

    One folder per worker under `data_dir/metrics`, named by this pid (the worker keeps it:
    `cohortcv worker` execs Celery in place); folders of workers no longer alive are removed,
    as prometheus_client asks, so counters never carry over from an earlier run.
    """
    env = dict(env)
    if port:
        root = data_dir / "metrics"
        root.mkdir(parents=True, exist_ok=True)
        for old in root.iterdir():
            if (
                not old.name.isdigit()
                or not pid_alive(int(old.name))
                or int(old.name) == os.getpid()
            ):
                shutil.rmtree(old, ignore_errors=True)
        folder = root / str(os.getpid())
        folder.mkdir()
        env["COHORTCV_METRICS_PORT"] = str(port)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return env


class WorkerPool:
    """Local `celery worker` processes started and stopped by the producer (embedded mode)."""

    def __init__(self, settings: Settings, concurrency: int, log_path: Path) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        # Set by the owner while the workers can hold nothing that matters: close() kills.
        self.idle_when_stopped = False

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        argv = worker_argv(
            concurrency=self.concurrency,
            name=f"embedded-{uuid.uuid4().hex[:8]}@%h",
            embedded=True,
            loglevel="WARNING",
        )
        with self.log_path.open("ab") as log:
            # Its own session, so kill() reaches the pool children too.
            self.proc = subprocess.Popen(
                argv, env=settings_env(self.settings), stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Ask for a warm shutdown (finish the chunk in hand, then stop) without waiting."""
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Stop the worker and its pool children now. Only when nothing they hold matters:
        what a killed task had not committed is rolled back by the database."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def close(self) -> None:
        """Kill when idle, else wait for the warm shutdown (then kill what is left after 60 s)."""
        if self.proc is None:
            return
        if self.idle_when_stopped:
            self.kill()
            return
        self.stop()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
        else:
            self.kill()  # a pool child the parent left behind, if any
