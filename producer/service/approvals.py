"""Approving a finished batch's resumes for fine-tuning, and writing the approved pairs for training."""

from __future__ import annotations

from pathlib import Path

from producer import approvals
from producer.service.context import Service


def approve(svc: Service, batch_id: str, row_ids: list[str], *, revoke: bool = False) -> list[str]:
    """Mark the batch's written resumes (or only `row_ids`) approved, or withdraw it; the rows."""
    return approvals.approve(svc.engine, batch_id, row_ids, revoke=revoke)


def write_pairs(svc: Service, batch_id: str, path: Path) -> int:
    """The batch's approved (input, resume) pairs as JSONL at `path`; how many were written."""
    return approvals.write_pairs(svc.engine, batch_id, path)
