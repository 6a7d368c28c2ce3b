"""Approvals in SQL: a batch's status and the approved row ids kept in its options JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select, update

from shared.db.models import Batch
from shared.errors import NotFoundError

APPROVED = "approved"


@dataclass(frozen=True)
class BatchApprovals:
    """A batch's status and the row ids approved so far."""

    status: str
    approved: list[str]


def batch_approvals(engine: Engine, batch_id: str) -> BatchApprovals:
    """The batch's status and approved row ids; NotFoundError when there is no such batch."""
    with engine.connect() as conn:
        row = conn.execute(select(Batch.status, Batch.options).where(Batch.id == batch_id)).first()
    if row is None:
        raise NotFoundError(f"no batch {batch_id!r}")
    return BatchApprovals(str(row.status), list((row.options or {}).get(APPROVED, [])))


def store_approved(engine: Engine, batch_id: str, approved: Sequence[str]) -> None:
    """Keep `approved` as the batch's approved row ids (its other options unchanged)."""
    with engine.begin() as conn:
        options = conn.scalar(select(Batch.options).where(Batch.id == batch_id)) or {}
        conn.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(options={**options, APPROVED: list(approved)})
        )
