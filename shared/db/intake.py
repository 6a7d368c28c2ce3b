"""Storing an upload: the batch row, its jobs in bulk (PostgreSQL COPY, SQLite executemany),
its row errors, the counts when it is stored, and undoing a half-stored one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, insert, update

from shared.db.models import Batch, BatchStatus, Job, RowErrorRecord, utcnow
from shared.db.rows import RowError

# The columns of a bulk-stored job, in the order `copy_jobs` lines and `insert_jobs` tuples hold.
JOB_COLUMNS = (
    "batch_id", "institution_id", "line", "external_id", "name", "person_key",
    "content_hash", "language", "profile", "status", "stage", "attempts", "resume_id",
    "updated_at",
)  # fmt: skip


def copy_text(value: str) -> str:
    """A string as a field of COPY's text format: backslash, tab, newline and CR escaped."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_jobs(engine: Engine, lines: Sequence[str]) -> None:
    """PostgreSQL COPY of pre-formatted text lines (JOB_COLUMNS, `copy_text` fields): one round
    trip for thousands of jobs."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY jobs ({', '.join(JOB_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write("".join(lines))
        raw.commit()
    finally:
        raw.close()


def insert_jobs(engine: Engine, rows: Sequence[tuple[Any, ...]]) -> None:
    """SQLite: the JOB_COLUMNS tuples in one executemany in one transaction."""
    # The profile is already JSON text, and the timestamp goes in the text form SQLAlchemy's
    # SQLite DateTime reads back.
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


def create_batch(
    engine: Engine, batch_id: str, institution_id: str, filename: str, options: dict[str, Any]
) -> None:
    """The batch row of an upload being validated."""
    with engine.begin() as conn:
        conn.execute(
            insert(Batch).values(
                id=batch_id,
                institution_id=institution_id,
                filename=filename,
                status=BatchStatus.VALIDATING,
                options=options,
                warnings=[],
                created_at=utcnow(),
            )
        )


def store_row_errors(engine: Engine, batch_id: str, errors: Sequence[RowError]) -> None:
    """The rejected rows of an upload."""
    with engine.begin() as conn:
        conn.execute(
            insert(RowErrorRecord),
            [
                {
                    "batch_id": batch_id,
                    "line": e.line,
                    "column": e.column,
                    "reason": e.reason,
                    "external_id": e.external_id,
                    "name": e.name,
                }
                for e in errors
            ],
        )


def remove_upload(engine: Engine, batch_id: str) -> None:
    """Undo a half-stored upload: its jobs, row errors and batch row."""
    with engine.begin() as conn:
        conn.execute(delete(Job).where(Job.batch_id == batch_id))
        conn.execute(delete(RowErrorRecord).where(RowErrorRecord.batch_id == batch_id))
        conn.execute(delete(Batch).where(Batch.id == batch_id))


def finish_intake(
    engine: Engine, batch_id: str, rows: int, accepted: int, rejected: int, warnings: list[str]
) -> None:
    """The counts of a stored upload; queued when it has jobs, else completed at once."""
    with engine.begin() as conn:
        conn.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(
                rows=rows,
                accepted=accepted,
                rejected=rejected,
                warnings=warnings,
                status=BatchStatus.QUEUED if accepted else BatchStatus.COMPLETED,
                finished_at=None if accepted else utcnow(),
            )
        )
