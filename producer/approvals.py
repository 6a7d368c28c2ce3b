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

from sqlalchemy import Engine

from shared.db.approvals import APPROVED, BatchApprovals, batch_approvals, store_approved
from shared.db.models import BatchStatus
from shared.db.resumes import load_documents
from shared.db.rows import WrittenRow, written_rows
from shared.errors import InputError
from shared.facts import build_profile

__all__ = ["APPROVED", "approve", "row_id", "write_pairs"]


def row_id(job: WrittenRow) -> str:
    return job.external_id or f"line-{job.line}"


def _finished(engine: Engine, batch_id: str) -> BatchApprovals:
    batch = batch_approvals(engine, batch_id)
    if batch.status != BatchStatus.COMPLETED:
        raise InputError(
            f"batch {batch_id} is {batch.status}: approve the resumes of a completed batch"
        )
    return batch


def approve(
    engine: Engine, batch_id: str, rows: Sequence[str] = (), revoke: bool = False
) -> list[str]:
    """Mark rows approved (all written rows when `rows` is empty) or, with `revoke`, not; the approved ids."""
    batch = _finished(engine, batch_id)
    written = [row_id(j) for j in written_rows(engine, batch_id)]
    unknown = sorted(set(rows) - set(written))
    if unknown:
        raise InputError(
            f"batch {batch_id} has no written resume for row id(s): {', '.join(unknown[:10])}"
        )
    chosen = set(rows or written)
    current = set(batch.approved)
    current = current - chosen if revoke else current | chosen
    approved = [r for r in written if r in current]
    store_approved(engine, batch_id, approved)
    return approved


def write_pairs(engine: Engine, batch_id: str, path: Path) -> int:
    """Write the batch's approved rows as a pairs JSONL file; how many pairs."""
    approved = set(_finished(engine, batch_id).approved)
    if not approved:
        raise InputError(
            f"batch {batch_id}: no approved resumes (cohortcv approve {batch_id} [--rows ID,...])"
        )
    jobs = [j for j in written_rows(engine, batch_id) if row_id(j) in approved]
    documents: dict[int, dict[str, Any]] = load_documents(engine, [j.resume_id for j in jobs])
    with path.open("w", encoding="utf-8") as out:
        for job in jobs:
            # Jobs keep the row's facts; the Profile built from them is what the writer was given.
            profile = build_profile(job.profile).model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
            pair = {"id": row_id(job), "profile": profile, "resume": documents[job.resume_id]}
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    return len(jobs)
