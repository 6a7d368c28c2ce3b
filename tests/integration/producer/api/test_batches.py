"""The batch endpoints as an institution uses them: upload, poll, list, rows, errors, cancel, delete."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import event, func, select

from shared.db.models import Batch, Job, ResumeOutput, ResumeRecord, RowErrorRecord
from tests.integration.producer.api.conftest import COHORT, Api


def test_upload_answers_with_the_batch_object_and_keeps_the_client_file_name(api: Api) -> None:
    batch = api.upload(api.a, "Cohort 2024 (final).csv", COHORT, formats="pdf,html", language="en")
    assert batch["filename"] == "Cohort 2024 (final).csv"
    assert batch["status"] == "queued"
    assert batch["counts"] == {
        "rows": 4, "accepted": 2, "rejected": 2, "queued": 2, "running": 0, "done": 0,
        "failed": 0, "dead": 0, "cancelled": 0,
    }  # fmt: skip
    assert batch["options"]["formats"] == ["pdf", "html"]
    assert batch["options"]["language"] == "en"
    got = api.client.get(f"/v1/batches/{batch['id']}", headers=api.a.auth)
    assert got.status_code == 200
    assert got.json()["id"] == batch["id"]


def test_a_chinese_file_name_is_kept(api: Api) -> None:
    batch = api.upload(api.a, "2024届 毕业生.csv", COHORT)
    assert batch["filename"] == "2024届 毕业生.csv"


def test_a_path_in_the_file_name_is_dropped(api: Api) -> None:
    batch = api.upload(api.a, "../../etc/cohort.csv", COHORT)
    assert batch["filename"] == "cohort.csv"


def test_text_direction_controls_in_the_file_name_are_not_kept(api: Api) -> None:
    # Shown as is, "evil\u202ecsv.exe" reads "evilexe.vsc".
    batch = api.upload(api.a, "evil\u202ecsv.exe\u2066.csv", COHORT)
    assert batch["filename"] == "evil_csv.exe_.csv"
    page = api.client.get("/v1/batches", headers=api.a.auth).text
    assert "\u202e" not in page and "\\u202e" not in page


def test_a_5000_character_file_name_is_accepted_and_shortened(api: Api) -> None:
    for stem in ("x" * 5000, "毕业生" * 1700):  # 5,000 and 15,300 bytes of header
        batch = api.upload(api.a, stem + ".csv", COHORT)
        assert batch["filename"].endswith(".csv") and len(batch["filename"]) <= 200
        assert batch["filename"].startswith(stem[:100])


def test_rows_list_every_input_row_keyed_by_line_and_id(api: Api) -> None:
    batch = api.upload(api.a, "c.csv", COHORT)
    rows = api.client.get(f"/v1/batches/{batch['id']}/rows", headers=api.a.auth).json()
    assert [(r["line"], r["id"], r["outcome"]) for r in rows["data"]] == [
        (2, "S001", "accepted"), (3, "S002", "rejected"), (4, "S003", "rejected"),
        (5, "S004", "accepted"),
    ]  # fmt: skip
    rejected = api.client.get(
        f"/v1/batches/{batch['id']}/rows?status=rejected", headers=api.a.auth
    ).json()["data"]
    assert [r["id"] for r in rejected] == ["S002", "S003"]
    queued = api.client.get(
        f"/v1/batches/{batch['id']}/rows?status=queued", headers=api.a.auth
    ).json()["data"]
    assert [r["id"] for r in queued] == ["S001", "S004"]
    bad = api.client.get(f"/v1/batches/{batch['id']}/rows?status=bogus", headers=api.a.auth)
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_request"


def test_errors_name_line_column_and_reason(api: Api) -> None:
    batch = api.upload(api.a, "c.csv", COHORT)
    errors = api.client.get(f"/v1/batches/{batch['id']}/errors", headers=api.a.auth).json()
    assert [(e["line"], e["column"]) for e in errors["data"]] == [(3, "Full Name"), (4, "E-mail")]
    assert "name" in errors["data"][0]["reason"]
    assert "not-an-email" in errors["data"][1]["reason"]


def test_rows_page_through_with_a_cursor(api: Api) -> None:
    batch = api.upload(api.a, "c.csv", COHORT)
    url = f"/v1/batches/{batch['id']}/rows?limit=3"
    first = api.client.get(url, headers=api.a.auth).json()
    assert [r["line"] for r in first["data"]] == [2, 3, 4] and first["has_more"]
    second = api.client.get(f"{url}&after={first['next_after']}", headers=api.a.auth).json()
    assert [r["line"] for r in second["data"]] == [5] and not second["has_more"]


def test_list_is_newest_first_and_paginated(api: Api) -> None:
    ids = [api.upload(api.a, f"c{i}.csv", COHORT)["id"] for i in range(3)]
    page = api.client.get("/v1/batches?limit=2", headers=api.a.auth).json()
    assert [b["id"] for b in page["data"]] == [ids[2], ids[1]]
    assert page["has_more"]
    rest = api.client.get(
        f"/v1/batches?limit=2&after={page['next_after']}", headers=api.a.auth
    ).json()
    assert [b["id"] for b in rest["data"]] == [ids[0]]
    assert not rest["has_more"]


def test_cancel_stops_queued_jobs(api: Api) -> None:
    batch = api.upload(api.a, "c.csv", COHORT)
    response = api.client.post(f"/v1/batches/{batch['id']}/cancel", headers=api.a.auth)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["counts"]["queued"] == 0
    with api.engine.connect() as conn:
        statuses = set(conn.scalars(select(Job.status).where(Job.batch_id == batch["id"])))
    assert statuses == {"cancelled"}


def test_download_of_a_batch_without_finished_resumes_holds_the_reports(api: Api) -> None:
    batch = api.upload(api.a, "c.csv", COHORT)
    response = api.client.get(f"/v1/batches/{batch['id']}/download", headers=api.a.auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["errors.csv", "report.csv"]
    bad = api.client.get(f"/v1/batches/{batch['id']}/download?format=docx", headers=api.a.auth)
    assert bad.status_code == 422


def test_delete_leaves_no_row_of_the_batch_in_any_table(api: Api) -> None:
    batch = api.upload(api.a, "c.csv", COHORT)
    other = api.upload(api.a, "other.csv", COHORT)
    response = api.client.delete(f"/v1/batches/{batch['id']}", headers=api.a.auth)
    assert response.status_code == 200
    assert response.json()["deleted"] is True
    with api.engine.connect() as conn:
        for table, column in ((Batch, Batch.id), (Job, Job.batch_id),
                              (RowErrorRecord, RowErrorRecord.batch_id)):  # fmt: skip
            n = conn.scalar(select(func.count()).select_from(table).where(column == batch["id"]))
            assert n == 0, table.__tablename__
        assert conn.scalar(select(func.count()).select_from(Job).where(Job.batch_id == other["id"]))
        # Nothing was written for these jobs, so nothing of theirs may be left either.
        assert conn.scalar(select(func.count()).select_from(ResumeRecord)) == 0
        assert conn.scalar(select(func.count()).select_from(ResumeOutput)) == 0
    again = api.client.get(f"/v1/batches/{batch['id']}", headers=api.a.auth)
    assert again.status_code == 404


def test_delete_of_a_queued_batch_reads_the_batch_once(api: Api) -> None:
    # The batch is queued: delete cancels it first, then purges; one read of its row serves both
    # (the purge's transaction still probes the id, so a delete racing another finds it gone).
    batch = api.upload(api.a, "c.csv", COHORT)
    reads: list[str] = []

    def _count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        text = " ".join(statement.split()).lower()
        if text.startswith("select") and "batches.status" in text and " from batches" in text:
            reads.append(text)

    event.listen(api.engine, "before_cursor_execute", _count)
    try:
        response = api.client.delete(f"/v1/batches/{batch['id']}", headers=api.a.auth)
    finally:
        event.remove(api.engine, "before_cursor_execute", _count)
    assert response.status_code == 200 and response.json()["deleted"] is True
    assert len(reads) == 1, reads


def test_healthz_reports_database_and_broker(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_says_which_service_is_down(api: Api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from producer.api.app import create_app
    from tests.processes import free_port

    settings = api.settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"})
    with TestClient(create_app(settings, engine=api.engine, send=lambda *a: None)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}


def test_metrics_count_requests_and_rows(api: Api) -> None:
    api.upload(api.a, "c.csv", COHORT)
    text = api.client.get("/metrics").text
    assert 'cohortcv_api_uploads_total{outcome="accepted"} 1.0' in text
    assert 'cohortcv_rows_ingested_total{outcome="rejected"} 2.0' in text
    assert 'route="/v1/batches"' in text


def test_no_stack_trace_and_a_request_id_on_every_answer(api: Api) -> None:
    response = api.client.get("/v1/batches/x/rows?after=abc", headers=api.a.auth)
    assert response.headers["x-request-id"]
    assert "Traceback" not in response.text


def test_docs_and_openapi_are_served_offline(api: Api) -> None:
    docs = api.client.get("/docs")
    assert docs.status_code == 200
    assert "/v1/batches/{batch_id}/download" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    spec = api.client.get("/openapi.json").json()
    assert "/v1/batches" in spec["paths"]


def test_an_upload_the_broker_refuses_is_503_and_the_batch_never_runs(api: Api) -> None:
    from fastapi.testclient import TestClient

    from producer.api.app import create_app
    from tests.processes import free_port

    settings = api.settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"})
    with TestClient(create_app(settings, engine=api.engine)) as client:
        response = client.post("/v1/batches", headers=api.a.auth, files={"file": ("c.csv", COHORT)})
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "unavailable"
        assert "broker refused" in response.json()["message"]
    [batch] = api.client.get("/v1/batches", headers=api.a.auth).json()["data"]
    assert batch["status"] == "failed"
    assert batch["counts"]["queued"] == 0
