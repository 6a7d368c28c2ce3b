"""`ingest`: write a file, read it through open_ingestion, check rows == accepted + rejected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from producer.ingest.pipeline import AcceptedRow, Ingestion, RejectedRow, open_ingestion

Outcome = AcceptedRow | RejectedRow
Ingest = Callable[..., tuple[Ingestion, list[Outcome]]]


@pytest.fixture
def ingest(tmp_path: Path) -> Ingest:
    def run(
        content: str | bytes, name: str = "cohort.csv", encoding: str = "utf-8", **options: Any
    ) -> tuple[Ingestion, list[Outcome]]:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        ingestion = open_ingestion(path, **options)
        outcomes = list(ingestion)
        assert ingestion.rows == ingestion.accepted + ingestion.rejected == len(outcomes)
        assert ingestion.accepted == sum(isinstance(o, AcceptedRow) for o in outcomes)
        return ingestion, outcomes

    return run


def by_line(outcomes: list[Outcome]) -> dict[int, Outcome]:
    return {o.line: o for o in outcomes}
