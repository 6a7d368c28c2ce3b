"""Exporting a batch to a folder: <person>/resume.* plus report.csv and errors.csv, and a ZIP beside it on request."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from producer.export import ExportSummary, export_batch
from producer.service.context import Service
from shared.db.batches import get_batch

__all__ = ["ExportSummary", "export"]


def export(
    svc: Service,
    batch_id: str,
    out: Path,
    formats: Sequence[str],
    *,
    institution_id: str | None = None,
    make_zip: bool = False,
) -> ExportSummary:
    """Write the batch's done resumes and its reports under `out` (an unknown id: NotFoundError
    before anything is written)."""
    get_batch(svc.engine, batch_id, institution_id)
    return export_batch(svc.engine, batch_id, out, formats, make_zip=make_zip)
