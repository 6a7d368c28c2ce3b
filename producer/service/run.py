"""The embedded run (`cohortcv run`): one file stored like any submit, sent to this machine's own workers, exported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.options import BatchOptions
from shared.settings import Settings

if TYPE_CHECKING:  # imported where used: the workers start before this process imports much
    from producer.dispatch import StoredBatch
    from producer.embedded import RunResult

__all__ = ["LocalRun", "tokens_per_s"]


class LocalRun:
    """Local workers over a broker folder of their own, started first (their start-up overlaps
    this process's imports and migrations); `process` stores the file with `batches.store`,
    the one store path, and only the sender differs from a submit."""

    def __init__(self, settings: Settings, workers: int) -> None:
        from producer.embedded import EmbeddedRun

        self._run = EmbeddedRun(settings, workers)

    def __enter__(self) -> LocalRun:
        self._run.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._run.__exit__(*exc)

    def process(
        self,
        engine: Any,
        path: Path,
        out: Path,
        options: BatchOptions,
        *,
        institution_id: str,
        sheet: str | None = None,
        on_validated: Callable[[StoredBatch], None] = lambda _: None,
        on_progress: Callable[[dict[str, int]], None] = lambda _: None,
        on_rows: Callable[[int], None] | None = None,
    ) -> RunResult:
        """Validate, queue, generate and export one file; returns when every job is final."""
        from producer.service.batches import store

        stored = store(
            engine, self._run.settings.ingest, path, options, institution_id,
            sheet=sheet, on_row=on_rows, batch_id=self._run.batch_id,
        )  # fmt: skip
        on_validated(stored)
        return self._run.finish(engine, stored, out, list(options.formats), on_progress=on_progress)


def tokens_per_s(engine: Any, batch_id: str) -> float | None:
    """How fast the model writes this batch now (tokens a second); None before it has begun."""
    from shared.db.generation import tokens_per_s as speed

    return speed(engine, batch_id)
