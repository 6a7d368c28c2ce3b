"""Embedded mode (`cohortcv run`): SQLite, the filesystem broker and local worker processes on one machine.

The same worker entrypoint and task code as production; this process plays producer, beat
(reconciler) and exporter, and starts and stops the workers itself. The workers start first,
before this process has even imported what validation needs, so their start-up overlaps ours.
They read a broker folder of their own (`producer.runbroker`): when the batch is final they are
stopped at once instead of waiting seconds for Celery's warm shutdown, since every job is then
final in the database and nothing they could hold still matters.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from producer.runbroker import RunBroker
from producer.workerproc import WorkerPool
from shared.settings import Settings

if TYPE_CHECKING:  # imported where used: this module loads before the workers are started
    from sqlalchemy import Engine

    from producer.dispatch import StoredBatch
    from producer.export import ExportSummary

Progress = Callable[[dict[str, int]], None]


@dataclass(frozen=True)
class RunResult:
    batch: StoredBatch
    export: ExportSummary
    counts: dict[str, int]
    seconds: float


def final(counts: dict[str, int]) -> bool:
    """No job of the batch can still change: all done, dead or cancelled."""
    return not (counts["queued"] or counts["running"] or counts["failed"])


class EmbeddedRun:
    """One `cohortcv run`: its batch id, broker folder and workers, from start to export."""

    def __init__(self, settings: Settings, concurrency: int) -> None:
        self.settings = settings
        self.started = time.monotonic()
        self.batch_id = str(uuid.uuid4())
        self.log_path = settings.data_dir / "logs" / "worker.log"
        self.broker = RunBroker(settings, self.batch_id)
        self.pool = WorkerPool(self.broker.settings, concurrency, self.log_path)

    def __enter__(self) -> EmbeddedRun:
        try:
            self.pool.start()
        except BaseException:
            self.broker.close()
            raise
        # Until something is sent the workers hold nothing (a file refused as a whole).
        self.pool.idle_when_stopped = True
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.pool.close()
        finally:
            self.broker.close()

    def finish(
        self,
        engine: Engine,
        stored: StoredBatch,
        out: Path,
        formats: list[str],
        *,
        on_progress: Progress = lambda _: None,
    ) -> RunResult:
        """Send a stored batch to this run's workers, be its beat until every job is final, stop
        the workers and export; the batch was stored like any submit (producer.service.run)."""
        from producer.export import export_batch
        from shared.db.batches import job_counts

        self.pool.idle_when_stopped = False
        counts = self._drive(engine, stored, on_progress)
        # The folder holds only this batch's messages and those of batches it adopted: when all
        # of them are final, whatever the workers hold is obsolete.
        if all(final(job_counts(engine, b)) for b in self.broker.adopted):
            self.pool.kill()
        else:
            self.pool.stop()  # warm: the export runs while they finish the chunk in hand
        summary = export_batch(engine, stored.id, out, formats)
        return RunResult(stored, summary, counts, time.monotonic() - self.started)

    def _drive(self, engine: Engine, stored: StoredBatch, on_progress: Progress) -> dict[str, int]:
        """Queue the batch and be its beat until every job is final; returns the job counts."""
        from shared.db.batches import job_counts, refresh_status
        from shared.reconcile import reconcile, top_up

        policy = self.settings.policy()
        top_up(engine, self.broker.send, stored.id, policy)
        last_reconcile = time.monotonic()
        while True:
            # Read-only polling: SQLite has one writer at a time and the workers need it.
            counts = job_counts(engine, stored.id)
            on_progress(counts)
            if final(counts):
                refresh_status(engine, stored.id)
                return counts
            if not self.pool.alive():
                raise RuntimeError(f"the local worker stopped; see {self.log_path}")
            # This process is the embedded beat: the filesystem broker never redelivers.
            if time.monotonic() - last_reconcile >= min(
                self.settings.worker.reconcile_interval_s, 5
            ):
                reconcile(engine, self.broker.send, policy, self.broker.depth)
                last_reconcile = time.monotonic()
            time.sleep(0.05)
