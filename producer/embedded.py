"""Embedded mode (`cohortcv run`): SQLite, the filesystem broker and local worker processes on one machine.

The same worker entrypoint and task code as production; this process plays producer, beat
(reconciler) and exporter, and starts and stops the workers itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from producer.dispatch import StoredBatch, store_batch
from producer.export import ExportSummary, export_batch
from producer.ingest.pipeline import Ingestion
from producer.workerproc import settings_env, worker_argv
from shared.celery_config import make_celery, queue_depth, send_chunk
from shared.db.batches import job_counts, refresh_status
from shared.reconcile import reconcile, top_up
from shared.settings import Settings

Progress = Callable[[dict[str, int]], None]


@dataclass(frozen=True)
class RunResult:
    batch: StoredBatch
    export: ExportSummary
    counts: dict[str, int]
    seconds: float


class WorkerPool:
    """Local `celery worker` processes started and stopped with the command."""

    def __init__(self, settings: Settings, concurrency: int, log_path: Path) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WorkerPool:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        argv = worker_argv(
            concurrency=self.concurrency,
            name=f"embedded-{uuid.uuid4().hex[:8]}@%h",
            embedded=True,
            loglevel="WARNING",
        )
        self.proc = subprocess.Popen(
            argv, env=settings_env(self.settings), stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Ask for a warm shutdown (finish the chunk in hand, then stop) without waiting:
        Celery takes seconds to wind down, time the export can use."""
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)

    def __exit__(self, *_: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.stop()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def run_embedded(
    settings: Settings,
    engine: Engine,
    ingestion: Ingestion,
    out: Path,
    *,
    institution_id: str,
    options: dict[str, object],
    concurrency: int,
    on_validated: Callable[[StoredBatch], None] = lambda _: None,
    on_progress: Progress = lambda _: None,
    on_rows: Callable[[int], None] | None = None,
) -> RunResult:
    """Validate, queue, generate and export one file; returns when every job is final."""
    started = time.monotonic()
    app = make_celery(settings)
    policy = settings.policy()

    def send(task: str, batch_id: str, ids: list[int]) -> None:
        send_chunk(app, task, batch_id, ids)

    formats = [str(f) for f in options.get("formats", settings.formats)]  # type: ignore[attr-defined]
    log_path = settings.data_dir / "logs" / "worker.log"
    # The workers start while the file is validated: their start-up is off the critical path.
    with WorkerPool(settings, concurrency, log_path) as pool:
        stored = store_batch(
            engine, ingestion, institution_id=institution_id, options=dict(options), on_row=on_rows
        )
        on_validated(stored)
        top_up(engine, send, stored.id, policy)
        last_reconcile = time.monotonic()
        while True:
            # Read-only polling: SQLite has one writer at a time and the workers need it.
            counts = job_counts(engine, stored.id)
            on_progress(counts)
            if counts["done"] + counts["dead"] + counts["cancelled"] >= stored.accepted:
                refresh_status(engine, stored.id)
                break
            if not pool.alive():
                raise RuntimeError(f"the local worker stopped; see {log_path}")
            # This process is the embedded beat: the filesystem broker never redelivers.
            if time.monotonic() - last_reconcile >= min(settings.worker.reconcile_interval_s, 5):
                reconcile(engine, send, policy, lambda q: queue_depth(app, q))
                last_reconcile = time.monotonic()
            time.sleep(0.2)
        pool.stop()
        summary = export_batch(engine, stored.id, out, formats)
    return RunResult(stored, summary, counts, time.monotonic() - started)
