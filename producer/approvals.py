"""Which of a finished batch's resumes an operator approved, and those as a fine-tuning pairs file.

The smallest mechanism that works: the approved row ids are kept in the batch's `options` JSON
(`options["approved"]`), so no schema change is needed. A row id is the input's id column, or
`line-N` for a row without one. `cohortcv finetune --from-batch ID` writes the approved rows as
pairs ({id, profile, resume} per line) and trains on that file like any other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shared.db.models import Batch, BatchStatus, Job, JobStatus, ResumeRecord
from shared.errors import InputError, NotFoundError
from shared.facts import build_profile

APPROVED = "approved"


def row_id(job: Job) -> str:
    return job.external_id or f"line-{job.line}"


def _finished(session: Session, batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(f"no batch {batch_id!r}")
    if batch.status != BatchStatus.COMPLETED:
        raise InputError(
            f"batch {batch_id} is {batch.status}: approve the resumes of a completed batch"
        )
    return batch


def _done_jobs(session: Session, batch_id: str) -> list[Job]:
    query = select(Job).where(Job.batch_id == batch_id, Job.status == JobStatus.DONE,
                              Job.resume_id.is_not(None)).order_by(Job.line)  # fmt: skip
    return list(session.scalars(query))


def approve(
    engine: Engine, batch_id: str, rows: Sequence[str] = (), revoke: bool = False
) -> list[str]:
    """Mark rows approved (all written rows when `rows` is empty) or, with `revoke`, not; the approved ids."""
    with Session(engine) as session:
        batch = _finished(session, batch_id)
        written = [row_id(j) for j in _done_jobs(session, batch_id)]
        unknown = sorted(set(rows) - set(written))
        if unknown:
            raise InputError(
                f"batch {batch_id} has no written resume for row id(s): {', '.join(unknown[:10])}"
            )
        chosen = set(rows or written)
        current = set(batch.options.get(APPROVED, []))
        current = current - chosen if revoke else current | chosen
        # A new dict: SQLAlchemy saves a JSON column when it is assigned, not when mutated.
        batch.options = {**batch.options, APPROVED: [r for r in written if r in current]}
        session.commit()
        return list(batch.options[APPROVED])


def write_pairs(engine: Engine, batch_id: str, path: Path) -> int:
    """Write the batch's approved rows as a pairs JSONL file; how many pairs."""
    with Session(engine) as session:
        batch = _finished(session, batch_id)
        approved = set(batch.options.get(APPROVED, []))
        if not approved:
            raise InputError(
                f"batch {batch_id}: no approved resumes (cohortcv approve {batch_id} [--rows ID,...])"
            )
        jobs = [j for j in _done_jobs(session, batch_id) if row_id(j) in approved]
        documents: dict[int, dict[str, Any]] = {
            r.id: r.document
            for r in session.scalars(
                select(ResumeRecord).where(ResumeRecord.id.in_([j.resume_id for j in jobs]))
            )
        }
    with path.open("w", encoding="utf-8") as out:
        for job in jobs:
            assert job.resume_id is not None
            # Jobs keep the row's facts; the Profile built from them is what the writer was given.
            profile = build_profile(job.profile).model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
            pair = {"id": row_id(job), "profile": profile, "resume": documents[job.resume_id]}
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    return len(jobs)
