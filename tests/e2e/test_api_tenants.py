"""Two institutions on one deployment, with real workers: the same and different files, polling,
downloads holding only their own people, cancel, delete that leaves nothing behind."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shared.db import tenants
from shared.db.models import Batch, Job, ResumeOutput, ResumeRecord, RowErrorRecord
from shared.settings import Settings
from tests.e2e.conftest import Services

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    from producer.api.app import create_app

    settings = Settings(
        database_url=services.db_url, broker_url=services.broker_url, data_dir=services.data_dir,
        chunk_size=8, window_chunks=4,
    )  # fmt: skip
    with TestClient(create_app(settings)) as c:
        yield c


def _upload(client: TestClient, key: str, path: Path, **fields: str) -> str:
    response = client.post(
        "/v1/batches",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": (path.name, path.read_bytes())},
        data=fields,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _wait(client: TestClient, key: str, batch_id: str, timeout: float = 240) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        obj = client.get(
            f"/v1/batches/{batch_id}", headers={"Authorization": f"Bearer {key}"}
        ).json()
        if obj["status"] in ("completed", "failed", "cancelled"):
            return obj  # type: ignore[no-any-return]
        time.sleep(0.5)
    raise AssertionError(f"batch {batch_id} did not finish: {obj}")


def _zip_names(client: TestClient, key: str, batch_id: str) -> list[str]:
    response = client.get(
        f"/v1/batches/{batch_id}/download?format=json", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_two_institutions_share_a_deployment_and_see_only_their_own(
    services: Services,
    client: TestClient,
    write_cohort,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    a = tenants.create_tenant(services.engine, "Example University")
    b = tenants.create_tenant(services.engine, "Acme Staffing")
    services.start_worker("-c", "2")
    same = write_cohort(tmp_path / "cohort.csv", 30)
    other = tmp_path / "candidates.csv"
    other.write_text(
        "Candidate ID,Name,Email\nC1,Dana Candidate,dana@acme.example\n", encoding="utf-8"
    )

    a1 = _upload(client, a.key, same, formats="json,md")
    b1 = _upload(client, b.key, same, formats="json,md")
    b2 = _upload(client, b.key, other, formats="json")
    for key, batch_id in ((a.key, a1), (b.key, b1), (b.key, b2)):
        assert _wait(client, key, batch_id)["status"] == "completed"

    # The same file in two institutions: two separate sets of resumes, never shared.
    with services.engine.connect() as conn:
        a_resumes = set(conn.scalars(select(Job.resume_id).where(Job.batch_id == a1)))
        b_resumes = set(conn.scalars(select(Job.resume_id).where(Job.batch_id == b1)))
    assert len(a_resumes) == len(b_resumes) == 30 and not a_resumes & b_resumes
    a_files = _zip_names(client, a.key, a1)
    assert sum(n.endswith("resume.json") for n in a_files) == 30
    assert not any("C1" in n for n in a_files)
    b2_files = _zip_names(client, b.key, b2)
    assert [n for n in b2_files if n.endswith(".json")] == ["C1/resume.json"]

    # Each tries every id of the other's.
    rid = next(iter(a_resumes))
    b_auth = {"Authorization": f"Bearer {b.key}"}
    for path in (f"/v1/batches/{a1}", f"/v1/batches/{a1}/download", f"/v1/resumes/{rid}.json"):
        assert client.get(path, headers=b_auth).status_code == 404
    a_auth = {"Authorization": f"Bearer {a.key}"}
    assert client.get(f"/v1/resumes/{rid}.json", headers=a_auth).json()["basics"]["name"]

    # An unchanged re-upload in the same institution reuses its resumes.
    a2 = _upload(client, a.key, same, formats="json,md")
    assert _wait(client, a.key, a2)["status"] == "completed"
    with services.engine.connect() as conn:
        assert set(conn.scalars(select(Job.resume_id).where(Job.batch_id == a2))) == a_resumes

    # Deleting B's batch takes every row of it and B's resumes; A's are untouched.
    assert client.delete(f"/v1/batches/{b1}", headers=b_auth).status_code == 200
    with services.engine.connect() as conn:
        for table, column in ((Batch, Batch.id), (Job, Job.batch_id),
                              (RowErrorRecord, RowErrorRecord.batch_id)):  # fmt: skip
            assert conn.scalar(select(func.count()).select_from(table).where(column == b1)) == 0
        assert (
            conn.scalar(
                select(func.count()).select_from(ResumeRecord).where(ResumeRecord.id.in_(b_resumes))
            )
            == 0
        )
        assert (
            conn.scalar(
                select(func.count())
                .select_from(ResumeOutput)
                .where(ResumeOutput.resume_id.in_(b_resumes))
            )
            == 0
        )
        assert (
            conn.scalar(
                select(func.count()).select_from(ResumeRecord).where(ResumeRecord.id.in_(a_resumes))
            )
            == 30
        )


def test_cancel_stops_a_running_batch(
    services: Services,
    client: TestClient,
    write_cohort,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    a = tenants.create_tenant(services.engine, "Example University")
    auth = {"Authorization": f"Bearer {a.key}"}
    big = write_cohort(tmp_path / "big.csv", 400)
    batch_id = _upload(client, a.key, big, formats="pdf")
    services.start_worker("-c", "1")
    services.wait_for(lambda c: c.get("done", 0) >= 8, batch_id)
    cancelled = client.post(f"/v1/batches/{batch_id}/cancel", headers=auth).json()
    assert cancelled["status"] == "cancelled"
    # Running chunks finish; nothing queued is started afterwards.
    time.sleep(3)
    counts = services.counts(batch_id)
    assert counts.get("queued", 0) == counts.get("pending", 0) == 0
    settled = services.counts(batch_id)
    time.sleep(2)
    assert services.counts(batch_id) == settled
    assert counts.get("done", 0) < 400
