"""What each worker process keeps for its life: engine, writers (and their models), renderers.

Built lazily on the first task in the process that runs it, so the prefork parent never loads a
model or touches CUDA, and nothing heavy happens at import. A worker started with
`--writer llm` preloads its model in each child before it takes a message (`preload`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from shared.db.engine import make_engine
from shared.errors import ConfigurationError
from shared.settings import Settings, WriterSettings
from workers import metrics
from workers.pipeline import PipelineContext
from workers.render import RENDERERS, build_renderers
from workers.writers.base import Writer
from workers.writers.llm import WriteStats
from workers.writers.registry import build_writer, warm

log = logging.getLogger(__name__)

_lock = threading.Lock()
_holders: dict[int, PipelineContext] = {}
# One writer per spec per process; a spec that failed to build is not retried for a while, so a
# bad model path costs one attempt per minute, not one per chunk.
_writers: dict[tuple[int, str], Writer] = {}
_failures: dict[tuple[int, str], tuple[float, ConfigurationError]] = {}
RETRY_FAILED_LOAD_S = 60.0


def context(settings: Settings) -> PipelineContext:
    """The pipeline context of this process (one per pid: a forked child builds its own)."""
    pid = os.getpid()
    with _lock:
        if pid not in _holders:
            _holders[pid] = PipelineContext(
                engine=make_engine(settings.resolved_database_url()),
                writers=writer,
                renderers=build_renderers(RENDERERS),
                max_attempts=settings.worker.max_attempts,
                deadline_s=settings.worker.job_deadline_s,
                writer_defaults=settings.writer,
            )
        return _holders[pid]


def _key(spec: WriterSettings) -> tuple[int, str]:
    return os.getpid(), spec.model_dump_json()


def writer(spec: WriterSettings) -> Writer:
    """The writer `spec` names, built once per process; raises ConfigurationError if it cannot."""
    key = _key(spec)
    with _lock:
        if key in _writers:
            return _writers[key]
        failed = _failures.get(key)
        if failed is not None and time.monotonic() - failed[0] < RETRY_FAILED_LOAD_S:
            raise failed[1]
        try:
            built = build_writer(spec, observe)
        except ConfigurationError as exc:
            log.error("writer %r cannot load: %s", spec.name, exc)
            _failures[key] = (time.monotonic(), exc)
            raise
        _failures.pop(key, None)
        _writers[key] = built
        return built


def preload(settings: Settings) -> Writer:
    """Load and warm this worker's writer now; logs how long each took. Raises ConfigurationError."""
    started = time.perf_counter()
    built = writer(settings.writer)
    loaded = time.perf_counter() - started
    warmed = warm(built)
    model = getattr(built, "model_key", None)
    log.warning(
        "writer %s%s ready: loaded in %.1fs, warmed in %.1fs",
        settings.writer.name, f" ({model})" if model else "", loaded, warmed,
    )  # fmt: skip
    return built


def observe(stats: WriteStats) -> None:
    """A model writer's batch: tokens, generation time and grounding outcomes to the metrics."""
    metrics.TOKENS.inc(stats.tokens)
    metrics.GENERATION_SECONDS.inc(stats.seconds)
    for outcome, n in stats.outcomes.items():
        metrics.GROUNDING.labels(outcome).inc(n)
        if outcome == "fallback":
            metrics.GROUNDING_FALLBACKS.inc(n)


# Exit status of a worker whose writer cannot load (`cohortcv worker --writer llm`).
EXIT_CANNOT_LOAD = 3


def preload_or_exit(settings: Settings) -> None:
    """In a freshly forked worker child: load and warm the writer before any message is taken.

    If it cannot load, say why and stop the whole worker (cold shutdown, non-zero exit): a worker
    that cannot write must not take messages and fail them one chunk at a time.
    """
    try:
        preload(settings)
    except Exception as exc:
        import signal

        message = f"cohortcv worker: writer {settings.writer.name!r} cannot load: {exc}"
        log.critical(message)
        # Celery's shutdown loses the exit code, so the parent learns of the failure from this
        # file (exit_if_load_failed, on worker_shutdown) and exits with EXIT_CANNOT_LOAD itself.
        marker = _load_failed_marker(settings, os.getppid())
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(message, encoding="utf-8")
        os.kill(os.getppid(), signal.SIGTERM)
        os._exit(EXIT_CANNOT_LOAD)


def _load_failed_marker(settings: Settings, parent_pid: int) -> Path:
    return settings.data_dir / "run" / f"writer-load-failed-{parent_pid}"


def exit_if_load_failed(settings: Settings) -> None:
    """In the worker's main process, at shutdown: a child could not load its writer → exit non-zero."""
    import sys

    marker = _load_failed_marker(settings, os.getpid())
    if not marker.exists():
        return
    message = marker.read_text(encoding="utf-8")
    marker.unlink(missing_ok=True)
    print(message, file=sys.stderr, flush=True)
    sys.stderr.flush()
    os._exit(EXIT_CANNOT_LOAD)


def allow_slow_child_start(seconds: float = 1800.0) -> None:
    """Celery gives a new child 4 s to start; loading a model takes longer (docs/design.md §5)."""
    from celery.concurrency import asynpool

    asynpool.PROC_ALIVE_TIMEOUT = max(asynpool.PROC_ALIVE_TIMEOUT, seconds)
