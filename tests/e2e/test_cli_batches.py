"""`cohortcv cancel`, `delete` and `purge --older-than` through the real CLI (PostgreSQL, Redis)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from shared.db.models import Batch, Job, RowErrorRecord, utcnow
from tests.e2e.conftest import Services

pytestmark = pytest.mark.e2e


def _left(services: Services, batch_id: str) -> int:
    with services.engine.connect() as conn:
        return sum(
            conn.scalar(select(func.count()).select_from(t).where(c == batch_id)) or 0
            for t, c in ((Batch, Batch.id), (Job, Job.batch_id),
                         (RowErrorRecord, RowErrorRecord.batch_id))
        )  # fmt: skip


def test_cancel_delete_and_purge_older_than(
    services: Services,
    write_cohort,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    cohort = write_cohort(tmp_path / "c.csv", 20)
    first = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    second = services.cli("submit", str(cohort)).stdout.strip().splitlines()[-1]
    third = services.cli("submit", str(cohort), "--formats", "md").stdout.strip().splitlines()[-1]

    cancelled = services.cli("cancel", first)
    assert "cancelled" in cancelled.stdout
    status = json.loads(services.cli("status", first, "--json").stdout)
    assert status["status"] == "cancelled" and status["counts"]["queued"] == 0

    refused = services.cli("delete", "no-such-batch", "--yes", check=False)
    assert refused.returncode == 3 and "no batch" in refused.stderr
    deleted = services.cli("delete", first, "--yes")
    assert f"deleted batch {first}" in deleted.stdout
    assert _left(services, first) == 0

    with services.engine.begin() as conn:
        conn.execute(
            update(Batch).where(Batch.id == second).values(created_at=utcnow() - timedelta(days=31))
        )
    bad = services.cli("purge", "--older-than", "a month", "--yes", check=False)
    assert bad.returncode == 2
    purged = services.cli("purge", "--older-than", "30d", "--yes")
    assert f"deleted batch {second}" in purged.stdout
    assert _left(services, second) == 0
    assert _left(services, third) > 0
    assert "no batch is older" in services.cli("purge", "--older-than", "30d", "--yes").stdout
