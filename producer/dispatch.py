"""Dispatch: store a validated upload as a batch of jobs (bulk) and send its first window of chunks."""

from __future__ import annotations

import contextlib
import gc
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from producer.ingest.pipeline import AcceptedRow, Ingestion, RejectedRow
from shared.db import heartbeats, resumes
from shared.db.batches import ensure_institution, submit_heartbeat_id
from shared.db.intake import (
    copy_jobs,
    copy_text,
    create_batch,
    finish_intake,
    insert_jobs,
    remove_upload,
    store_row_errors,
)
from shared.db.jobs import PENDING
from shared.db.models import JobStage, utcnow
from shared.db.rows import RowError
from shared.variants import variant_key

FLUSH_ROWS = 5_000
# PostgreSQL COPYs in flight at once: the server's share of a job (parsing the JSON, indexes)
# is about what validating its row costs, so two backends keep pace with the producer.
COPY_THREADS = 2


@contextmanager
def _young_gc_only() -> Iterator[None]:
    """Full garbage collections walk every live object; with thousands of buffered profiles
    they cost more than building the profiles (measured 5×). Rows hold no cycles, so only
    young collections run while a file streams through."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 1_000_000, 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@dataclass(frozen=True)
class StoredBatch:
    id: str
    rows: int
    accepted: int
    rejected: int
    reused: int
    warnings: list[str]


class _Writer:
    """Buffers accepted and rejected rows and writes them in bulk.

    On PostgreSQL the jobs of a buffer are COPYed by a background thread while the next buffer
    is validated: the server parses and indexes them on the other core (the client waits on the
    socket without the GIL). At most COPY_THREADS buffers are in flight, so memory stays bounded;
    `close` waits for them and raises what they raised. SQLite (one writer) stores inline.
    """

    def __init__(
        self, engine: Engine, batch_id: str, institution_id: str, variant_of: Callable[[str], str]
    ) -> None:
        self.engine = engine
        self.batch_id = batch_id
        self.institution_id = institution_id
        self.variant_of = variant_of
        self.accepted: list[AcceptedRow] = []
        self.rejected: list[RejectedRow] = []
        self.reused = 0
        self._postgres = engine.dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(COPY_THREADS, "store-jobs") if self._postgres else None
        self._pending: deque[Future[None]] = deque()

    def add(self, row: AcceptedRow | RejectedRow) -> None:
        if isinstance(row, AcceptedRow):
            self.accepted.append(row)
            if len(self.accepted) >= FLUSH_ROWS:
                self.flush()
        else:
            self.rejected.append(row)
            if len(self.rejected) >= FLUSH_ROWS:
                self.flush()

    def flush(self) -> None:
        if self.accepted:
            self._flush_accepted()
        if self.rejected:
            store_row_errors(
                self.engine,
                self.batch_id,
                [
                    RowError(r.line, r.column, r.reason, r.external_id, r.name)
                    for r in self.rejected
                ],
            )
            self.rejected = []

    def wait(self, in_flight: int = 0) -> None:
        """Wait until at most `in_flight` buffers are in flight; raises what storing them raised."""
        while len(self._pending) > in_flight:
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    def _flush_accepted(self) -> None:
        accepted, self.accepted = self.accepted, []
        variants: dict[str, str] = {}
        keyed: list[tuple[AcceptedRow, tuple[str, str, str]]] = []
        by_variant: dict[str, list[tuple[str, str]]] = {}
        for r in accepted:
            variant = variants.get(r.language)
            if variant is None:
                variant = variants[r.language] = self.variant_of(r.language)
                by_variant[variant] = []
            key = (r.person_key, r.content_hash)
            by_variant[variant].append(key)
            keyed.append((r, (variant, *key)))
        existing: dict[tuple[str, str, str], int] = {}
        for variant, keys in by_variant.items():
            for key, rid in resumes.find_existing(
                self.engine, self.institution_id, variant, keys
            ).items():
                existing[(variant, *key)] = rid
        now = utcnow()
        if not self._postgres:
            rows = []
            for r, identity in keyed:
                resume_id = existing.get(identity)
                self.reused += resume_id is not None
                rows.append(
                    (
                        self.batch_id, self.institution_id, r.line, r.external_id, r.name,
                        r.person_key, r.content_hash, r.language, r.facts_json,
                        PENDING, JobStage.RENDER if resume_id else JobStage.WRITE, 0, resume_id,
                        now,
                    )
                )  # fmt: skip
            insert_jobs(self.engine, rows)
            return
        # PostgreSQL: COPY text lines in JOB_COLUMNS order, formatted here (write_row costs more)
        # and sent by a background thread while the next buffer is validated.
        head = f"{copy_text(self.batch_id)}\t{copy_text(self.institution_id)}\t"
        to_write = f"\t{PENDING}\t{JobStage.WRITE}\t0\t\\N\t{now.isoformat()}\n"
        lines = []
        for r, identity in keyed:
            resume_id = existing.get(identity) if existing else None
            if resume_id is None:
                tail = to_write
            else:
                self.reused += 1
                tail = f"\t{PENDING}\t{JobStage.RENDER}\t0\t{resume_id}\t{now.isoformat()}\n"
            external_id = "\\N" if r.external_id is None else copy_text(r.external_id)
            # JSON text holds no raw tab, newline or CR: only backslashes need escaping.
            profile = r.facts_json
            if "\\" in profile:
                profile = profile.replace("\\", "\\\\")
            lines.append(
                f"{head}{r.line}\t{external_id}\t{copy_text(r.name)}\t{identity[1]}\t"
                f"{identity[2]}\t{r.language}\t{profile}{tail}"
            )
        self.wait(COPY_THREADS - 1)
        assert self._pool is not None
        self._pending.append(self._pool.submit(copy_jobs, self.engine, lines))


def store_batch(
    engine: Engine,
    ingestion: Ingestion,
    *,
    institution_id: str,
    options: dict[str, Any],
    batch_id: str | None = None,
    on_row: Callable[[int], None] | None = None,
) -> StoredBatch:
    """Validate the whole upload into SQL: a batch, one pending job per accepted row, one error
    per rejected row. A whole-file error removes the batch again: nothing is queued."""
    batch_id = batch_id or str(uuid.uuid4())
    ensure_institution(engine, institution_id)
    create_batch(engine, batch_id, institution_id, str(ingestion.path.name), options)
    writer = str(options.get("writer", "template"))
    buffer = _Writer(engine, batch_id, institution_id, lambda lang: variant_key(lang, writer))
    # While this process stores the file it beats; if it is killed, the reconciler sees the
    # batch abandoned and removes its partial jobs (shared.db.batches.clean_abandoned).
    alive = heartbeats.Beating(engine, submit_heartbeat_id(batch_id), heartbeats.Kind.SUBMIT)
    alive.start()
    try:
        return _store(engine, ingestion, buffer, batch_id, on_row)
    finally:
        alive.stop()


def _store(
    engine: Engine,
    ingestion: Ingestion,
    buffer: _Writer,
    batch_id: str,
    on_row: Callable[[int], None] | None,
) -> StoredBatch:
    try:
        try:
            with _young_gc_only():
                for n, row in enumerate(ingestion, 1):
                    buffer.add(row)
                    if on_row is not None and n % 1000 == 0:
                        on_row(n)
                buffer.flush()
        finally:
            buffer.close()  # every job stored (or failed) before the batch is kept or undone
    except BaseException:
        # A whole-file error, Ctrl-C or a lost database: nothing half-stored stays behind.
        # (A kill -9 cannot run this; the reconciler cleans that up.)
        with contextlib.suppress(Exception):
            remove_upload(engine, batch_id)
        raise
    finish_intake(
        engine,
        batch_id,
        ingestion.rows,
        ingestion.accepted,
        ingestion.rejected,
        list(ingestion.warnings),
    )
    if on_row is not None:
        on_row(ingestion.rows)
    return StoredBatch(
        id=batch_id,
        rows=ingestion.rows,
        accepted=ingestion.accepted,
        rejected=ingestion.rejected,
        reused=buffer.reused,
        warnings=list(ingestion.warnings),
    )
