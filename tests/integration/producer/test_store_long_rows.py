"""Rows whose id, name or header are longer than a column holds are stored, never crash the batch."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from producer.dispatch import store_batch
from producer.ingest.pipeline import open_ingestion
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.models import Job, RowErrorRecord


def test_long_ids_names_and_headers_are_stored_on_both_databases(
    db_url: str, tmp_path: Path
) -> None:
    header = ["id", "name", "summary", "h" * 300]
    rows = [
        ["S" * 201, "Ann", "", ""],  # an id longer than jobs.external_id holds
        ["S2", "N" * 501, "", ""],  # a name longer than jobs.name holds
        ["S3", "Bo " + "N" * 25_000, "", ""],  # a 25,000-character name cell
        ["S4", "Cy", "", "x" * 25_000],  # a long cell under a 300-character header
        ["S5", "Dee", "fine", ""],
    ]
    path = tmp_path / "cohort.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    upgrade(db_url)
    engine = make_engine(db_url)
    stored = store_batch(engine, open_ingestion(path), institution_id="uni", options={})
    assert (stored.accepted, stored.rejected) == (1, 4)
    with engine.connect() as conn:
        errors = list(
            conn.execute(
                select(RowErrorRecord)
                .where(RowErrorRecord.batch_id == stored.id)
                .order_by(RowErrorRecord.line)
            )
        )
        jobs = list(conn.execute(select(Job.name).where(Job.batch_id == stored.id)))
    assert [j.name for j in jobs] == ["Dee"]
    assert [(e.line, e.external_id, e.name) for e in errors] == [
        (2, "S" * 199 + "…", "Ann"),
        (3, "S2", "N" * 499 + "…"),
        # A cell over the cell limit is replaced by its start and length by the source.
        (4, "S3", "Bo " + "N" * 57 + "… (25,003 characters)"),
        (5, "S4", "Cy"),
    ]
    assert errors[3].column == "h" * 199 + "…"
