"""Checking a file against the input contract without storing it (`cohortcv validate`), and the blank template."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from producer.csvsafe import write_csv
from producer.ingest.columns import template_csv
from producer.ingest.decoding import ACCEPTED
from producer.ingest.pipeline import Ingestion, RejectedRow, open_ingestion
from shared.settings import Settings

__all__ = ["ACCEPTED", "Ingestion", "RejectedRow", "open_file", "template_csv", "write_errors"]


def open_file(
    path: Path, settings: Settings, institution: str, lang: str | None, sheet: str | None
) -> Ingestion:
    """The file's rows, read and checked one by one as they are iterated (nothing stored)."""
    return open_ingestion(
        path,
        institution_id=institution,
        language=lang or settings.language,
        settings=settings.ingest,
        sheet=sheet,
    )


def write_errors(path: Path, rejected: Iterable[RejectedRow]) -> None:
    """errors.csv of the rejected rows: line, column, reason (cells made safe for spreadsheets)."""
    write_csv(path, ("line", "column", "reason"), ((r.line, r.column, r.reason) for r in rejected))
