"""Deleting one batch's rows: its jobs, row errors, the batch, and resumes no other batch uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select

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

    A resume is shared when a later upload of the same unchanged row reused it (DESIGN §3.5):
    deleting it would take that other batch's output away.
    """
    with engine.begin() as conn:
        if conn.scalar(select(Batch.id).where(Batch.id == batch_id)) is None:
            raise NotFoundError(f"no batch {batch_id!r}")
        query = select(Job.resume_id).where(Job.batch_id == batch_id, Job.resume_id.is_not(None))
        mine = sorted({rid for rid in conn.scalars(query) if rid is not None})
        jobs = conn.execute(delete(Job).where(Job.batch_id == batch_id)).rowcount or 0
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
            if not own:
                continue
            outputs += (
                conn.execute(delete(ResumeOutput).where(ResumeOutput.resume_id.in_(own))).rowcount
                or 0
            )
            resumes += (
                conn.execute(delete(ResumeRecord).where(ResumeRecord.id.in_(own))).rowcount or 0
            )
    return PurgedRows(int(jobs), int(errors), resumes, outputs)
