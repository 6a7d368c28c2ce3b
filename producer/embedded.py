"""Embedded mode (`cohortcv run`): SQLite, the filesystem broker and local worker processes on one machine.

The same worker entrypoint and task code as production; this process plays producer, beat
(reconciler) and exporter, and starts and stops the workers itself. Its workers read a broker
folder of their own (`producer.runbroker`), so when the batch is final they are stopped at once
instead of waiting seconds for Celery's warm shutdown: every job is already final in the database.
"""

from __future__ import annotations

import contextlib
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
from producer.runbroker import RunBroker
from producer.workerproc import settings_env, worker_argv
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
        # Set by the owner when the workers can hold nothing that matters (nothing was sent).
        self.idle_when_stopped = False

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

    def kill(self) -> None:
        """Stop the worker and its pool children now. Only when nothing they could hold still
        matters: what a killed task had not committed is rolled back (SQLite), and the messages
        they held are left in a broker folder that is removed with them."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def __exit__(self, *_: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        if self.idle_when_stopped:
            self.kill()
            return
        self.stop()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _final(counts: dict[str, int]) -> bool:
    return not (counts["queued"] or counts["running"] or counts["failed"])


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
    formats = [str(f) for f in options.get("formats", settings.formats)]  # type: ignore[attr-defined]
    log_path = settings.data_dir / "logs" / "worker.log"
    batch_id = str(uuid.uuid4())
    broker = RunBroker(settings, batch_id)
    try:
        # The workers start while the file is validated: their start-up is off the critical path.
        with WorkerPool(broker.settings, concurrency, log_path) as pool:
            # A file refused as a whole sent nothing: its workers hold nothing either.
            pool.idle_when_stopped = True
            stored = store_batch(
                engine, ingestion, institution_id=institution_id, options=dict(options),
                batch_id=batch_id, on_row=on_rows,
            )  # fmt: skip
            on_validated(stored)
            pool.idle_when_stopped = False
            counts = _drive(settings, engine, broker, pool, stored, on_progress, log_path)
            # Our folder holds only this batch's messages and those of adopted batches: when all
            # of them are final, whatever the workers hold is obsolete.
            if all(_final(job_counts(engine, b)) for b in broker.adopted):
                pool.kill()
            else:
                pool.stop()
            summary = export_batch(engine, stored.id, out, formats)
    finally:
        broker.close()
    return RunResult(stored, summary, counts, time.monotonic() - started)


def _drive(
    settings: Settings,
    engine: Engine,
    broker: RunBroker,
    pool: WorkerPool,
    stored: StoredBatch,
    on_progress: Progress,
    log_path: Path,
) -> dict[str, int]:
    """Queue the batch and be its beat until every job is final; returns the job counts."""
    policy = settings.policy()
    top_up(engine, broker.send, stored.id, policy)
    last_reconcile = time.monotonic()
    while True:
        # Read-only polling: SQLite has one writer at a time and the workers need it.
        counts = job_counts(engine, stored.id)
        on_progress(counts)
        if _final(counts):
            refresh_status(engine, stored.id)
            return counts
        if not pool.alive():
            raise RuntimeError(f"the local worker stopped; see {log_path}")
        # This process is the embedded beat: the filesystem broker never redelivers.
        if time.monotonic() - last_reconcile >= min(settings.worker.reconcile_interval_s, 5):
            reconcile(engine, broker.send, policy, broker.depth)
            last_reconcile = time.monotonic()
        time.sleep(0.1)
