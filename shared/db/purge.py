"""Deleting rows: one batch's (jobs, row errors, the batch, resumes no other batch uses), and resumes no job names."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, text

from shared.db.models import Batch, Job, ResumeOutput, ResumeRecord, RowErrorRecord
from shared.errors import NotFoundError

# Ids per IN (…) list: below SQLite's bound-parameter limit, and small statements for PostgreSQL.
_IN_CHUNK = 500


@dataclass(frozen=True)
class PurgedRows:
    """How many rows of each kind a batch purge deleted."""

    jobs: int
    row_errors: int
    resumes: int
    outputs: int


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + _IN_CHUNK]) for i in range(0, len(ids), _IN_CHUNK)]


def purge_batch_rows(engine: Engine, batch_id: str) -> PurgedRows:
    """Delete everything of `batch_id` in one transaction; resumes shared with another batch stay.

    A resume is shared when a later upload of the same unchanged row reused it (docs/design.md §3.5):
    deleting it would take that other batch's output away.
    """
    with engine.begin() as conn:
        if conn.scalar(select(Batch.id).where(Batch.id == batch_id)) is None:
            raise NotFoundError(f"no batch {batch_id!r}")
        # The jobs go first, with DELETE … RETURNING: a worker storing results for some of them
        # holds their rows (jobs.advance_to_render, jobs.finish), so this waits for it and then
        # sees the resumes it stored; a worker that comes later finds no job and stores nothing.
        named = conn.execute(delete(Job).where(Job.batch_id == batch_id).returning(Job.resume_id))
        rows = named.all()
        jobs = len(rows)
        mine = sorted({rid for (rid,) in rows if rid is not None})
        errors = (
            conn.execute(delete(RowErrorRecord).where(RowErrorRecord.batch_id == batch_id)).rowcount
            or 0
        )
        conn.execute(delete(Batch).where(Batch.id == batch_id))
        resumes = outputs = 0
        for ids in _chunks(mine):
            # After this batch's jobs are gone, a resume still named by a job is another batch's.
            shared = set(conn.scalars(select(Job.resume_id).where(Job.resume_id.in_(ids))))
            own = [rid for rid in ids if rid not in shared]
            r, o = _delete_resumes(conn, own)
            resumes, outputs = resumes + r, outputs + o
    return PurgedRows(int(jobs), int(errors), resumes, outputs)


def _delete_resumes(conn: Connection, ids: Sequence[int]) -> tuple[int, int]:
    if not ids:
        return 0, 0
    outputs = conn.execute(delete(ResumeOutput).where(ResumeOutput.resume_id.in_(ids))).rowcount
    resumes = conn.execute(delete(ResumeRecord).where(ResumeRecord.id.in_(ids))).rowcount
    return int(resumes or 0), int(outputs or 0)


def purge_unreferenced(engine: Engine) -> tuple[int, int]:
    """Delete resumes (and their files) that no job names: left by a batch deleted while one of
    its chunks was storing, before stores were fenced. Returns (resumes, files) deleted.

    Safe under running workers: a worker stores a resume and points its job at it in one
    transaction, so a resume it is writing is never seen here without its job.
    """
    named = select(Job.resume_id).where(Job.resume_id.is_not(None))
    with engine.begin() as conn:
        # NOT IN over one subquery: one pass over jobs (a hashed set), whatever their number.
        orphans = list(conn.scalars(select(ResumeRecord.id).where(ResumeRecord.id.not_in(named))))
        resumes = outputs = 0
        for ids in _chunks(orphans):
            r, o = _delete_resumes(conn, ids)
            resumes, outputs = resumes + r, outputs + o
    return resumes, outputs


def release_deleted_pages(engine: Engine, attempts: int = 20) -> None:
    """SQLite only: give deleted pages back and empty the write-ahead log.

    Every connection runs with secure_delete (shared.db.engine), so deleted rows are zeroed in
    the database file; the write-ahead log still holds earlier copies of the pages until a
    checkpoint truncates it. A checkpoint waits for readers: retried a few times, best effort.
    """
    if engine.url.get_backend_name() != "sqlite":
        return
    with engine.connect() as conn:
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        with contextlib.suppress(Exception):
            auto.execute(text("VACUUM"))  # skipped while others write
        for _ in range(attempts):
            busy = auto.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).first()
            if busy is None or not busy[0]:
                return
            time.sleep(0.05)
