"""Request logs carry ids, never a person's name or e-mail; an unexpected error shows no trace."""

from __future__ import annotations

import logging

import pytest

from tests.integration.producer.api.conftest import Api

PEOPLE = (
    "Student ID,Full Name,E-mail\n"
    "S1,Zelda Uniquename,zelda.unique@example.edu\n"
    "S2,,missing.name@example.edu\n"
    "S3,Bad Mail Person,not-an-address\n"
)


def test_request_logs_hold_ids_and_no_personal_data(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    batch = api.upload(api.a, "people.csv", PEOPLE)
    for path in ("", "/rows", "/errors", "/download"):
        api.client.get(f"/v1/batches/{batch['id']}{path}", headers=api.a.auth)
    api.client.get(f"/v1/batches/{batch['id']}/rows?status=rejected", headers=api.a.auth)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("cohortcv"))
    access = [r.getMessage() for r in caplog.records if r.name == "cohortcv.api.access"]
    assert len(access) == 6
    assert all(batch["id"] in line or "/v1/batches " in line for line in access)
    assert f"institution={api.a.institution}" in access[0]
    for secret in (
        "Zelda",
        "Uniquename",
        "zelda.unique",
        "missing.name",
        "not-an-address",
        "Bad Mail",
    ):
        assert secret not in text
    assert "status=rejected" not in text  # the query string is not logged


def test_an_unexpected_failure_is_a_500_with_a_request_id_and_no_trace(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A real fault (a table gone from under the server) reaches the client as a plain 500."""
    from sqlalchemy import text

    batch = api.upload(api.a, "people.csv", PEOPLE)
    with api.engine.begin() as conn:
        conn.execute(text("DROP TABLE row_errors"))
    response = api.client.get(f"/v1/batches/{batch['id']}/errors", headers=api.a.auth)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert response.headers["x-request-id"] in body["message"]
    assert "row_errors" not in response.text and "Traceback" not in response.text
    server = [r for r in caplog.records if r.name == "cohortcv.api"]
    assert any("ProgrammingError" in r.getMessage() for r in server)
    assert not any('row_errors" does not exist' in r.getMessage() for r in server)
