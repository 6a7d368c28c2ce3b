"""Dispatch: store a validated upload as a batch of jobs (bulk) and send its first window of chunks."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, update

from producer.ingest.pipeline import AcceptedRow, Ingestion, RejectedRow
from shared.db import resumes
from shared.db.batches import ensure_institution
from shared.db.jobs import PENDING
from shared.db.models import Batch, BatchStatus, Job, JobStage, RowErrorRecord, utcnow
from shared.errors import WholeFileError

FLUSH_ROWS = 5_000
JOB_COLUMNS = (
    "batch_id", "institution_id", "line", "external_id", "name", "person_key",
    "content_hash", "language", "profile", "status", "stage", "attempts", "resume_id",
    "updated_at",
)  # fmt: skip


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


def _copy_jobs(engine: Engine, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL COPY: one round trip for thousands of jobs."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY jobs ({', '.join(JOB_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _insert_jobs(engine: Engine, rows: Sequence[tuple[Any, ...]]) -> None:
    if engine.dialect.name == "postgresql":
        _copy_jobs(engine, rows)
        return
    # SQLite: one executemany in one transaction; the profile is already JSON text, and the
    # timestamp goes in the text form SQLAlchemy's SQLite DateTime reads back.
    rows = [(*r[:-1], r[-1].strftime("%Y-%m-%d %H:%M:%S.%f")) for r in rows]
    raw = engine.raw_connection()
    try:
        marks = ", ".join("?" for _ in JOB_COLUMNS)
        raw.cursor().executemany(
            f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES ({marks})", rows
        )
        raw.commit()
    finally:
        raw.close()


class _Writer:
    """Buffers accepted and rejected rows and writes them in bulk."""

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
            with self.engine.begin() as conn:
                conn.execute(
                    insert(RowErrorRecord),
                    [
                        {
                            "batch_id": self.batch_id,
                            "line": r.line,
                            "column": r.column,
                            "reason": r.reason,
                            "external_id": r.external_id,
                            "name": r.name,
                        }
                        for r in self.rejected
                    ],
                )
            self.rejected = []

    def _flush_accepted(self) -> None:
        existing: dict[tuple[str, str], int] = {}
        by_variant: dict[str, list[tuple[str, str]]] = {}
        for r in self.accepted:
            by_variant.setdefault(self.variant_of(r.language), []).append(
                (r.person_key, r.content_hash)
            )
        for variant, keys in by_variant.items():
            for key, rid in resumes.find_existing(
                self.engine, self.institution_id, variant, keys
            ).items():
                existing[(variant, *key)] = rid
        now = utcnow()
        rows = []
        for r in self.accepted:
            resume_id = existing.get((self.variant_of(r.language), r.person_key, r.content_hash))
            self.reused += resume_id is not None
            rows.append(
                (
                    self.batch_id, self.institution_id, r.line, r.external_id, r.name,
                    r.person_key, r.content_hash, r.language, r.facts_json,
                    PENDING, JobStage.RENDER if resume_id else JobStage.WRITE, 0, resume_id,
                    now,
                )
            )  # fmt: skip
        _insert_jobs(self.engine, rows)
        self.accepted = []


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
    with engine.begin() as conn:
        conn.execute(
            insert(Batch).values(
                id=batch_id,
                institution_id=institution_id,
                filename=str(ingestion.path.name),
                status=BatchStatus.VALIDATING,
                options=options,
                warnings=[],
                created_at=utcnow(),
            )
        )
    writer = str(options.get("writer", "template"))
    buffer = _Writer(engine, batch_id, institution_id, lambda lang: f"{lang}:{writer}")
    try:
        with _young_gc_only():
            for n, row in enumerate(ingestion, 1):
                buffer.add(row)
                if on_row is not None and n % 1000 == 0:
                    on_row(n)
            buffer.flush()
    except WholeFileError:
        with engine.begin() as conn:
            conn.execute(delete(Job).where(Job.batch_id == batch_id))
            conn.execute(delete(RowErrorRecord).where(RowErrorRecord.batch_id == batch_id))
            conn.execute(delete(Batch).where(Batch.id == batch_id))
        raise
    with engine.begin() as conn:
        conn.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(
                rows=ingestion.rows,
                accepted=ingestion.accepted,
                rejected=ingestion.rejected,
                warnings=list(ingestion.warnings),
                status=BatchStatus.QUEUED if ingestion.accepted else BatchStatus.COMPLETED,
                finished_at=None if ingestion.accepted else utcnow(),
            )
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
