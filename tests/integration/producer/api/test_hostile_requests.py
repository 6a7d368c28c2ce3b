"""Requests an attacker sends by hand: NUL in ids and cursors, cursors past any integer, HEAD;
and the OpenAPI document as a client generator reads it (security, fixed values)."""

from __future__ import annotations

import pytest

from shared.options import FORMATS, LANGUAGES, RUNTIMES, THEMES, WRITERS
from tests.integration.producer.api.conftest import COHORT, Api

HOSTILE = [
    ("GET", "/v1/batches/%00"),
    ("GET", "/v1/batches/{b}%00"),
    ("DELETE", "/v1/batches/%00"),
    ("POST", "/v1/batches/%00/cancel"),
    ("GET", "/v1/batches/%00/download"),
    ("GET", "/v1/batches?after=%00"),
    ("GET", "/v1/batches/{b}/rows?after=%00"),
    ("GET", "/v1/batches/{b}/rows?after=2147483648"),
    ("GET", "/v1/batches/{b}/rows?after=99999999999999999999999"),
    ("GET", "/v1/batches/{b}/rows?after=-1"),
    ("GET", "/v1/batches/{b}/errors?after=2147483648"),
    ("GET", "/v1/batches/{b}/rows?status=%00"),
    ("GET", "/v1/batches/{b}/download?format=%00"),
    ("GET", "/v1/resumes/1.%00"),
]


@pytest.mark.parametrize(("method", "template"), HOSTILE)
def test_nul_and_huge_numbers_are_refused_with_the_json_error(
    api: Api, method: str, template: str
) -> None:
    batch_id = api.upload(api.a, "c.csv", COHORT)["id"]
    response = api.client.request(method, template.format(b=batch_id), headers=api.a.auth)
    assert response.status_code in (404, 422), response.text
    body = response.json()
    assert body["code"] in ("not_found", "invalid_request") and body["message"]
    # Nothing was deleted or cancelled by the attempt.
    assert api.client.get(f"/v1/batches/{batch_id}", headers=api.a.auth).json()["status"] in (
        "queued", "in_progress"
    )  # fmt: skip


def test_the_batch_page_of_a_nul_id_is_a_404_page(api: Api) -> None:
    api.client.cookies.set("cohortcv_session", api.a.key)
    response = api.client.get("/batches/%00")
    assert response.status_code == 404
    assert "internal error" not in response.text


def test_head_answers_like_get_without_a_body(api: Api) -> None:
    batch_id = api.upload(api.a, "c.csv", COHORT)["id"]
    for path in (f"/v1/batches/{batch_id}", "/v1/batches", f"/v1/batches/{batch_id}/rows",
                 "/healthz", "/openapi.json", "/docs"):  # fmt: skip
        get = api.client.get(path, headers=api.a.auth)
        head = api.client.head(path, headers=api.a.auth)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
    assert api.client.head("/v1/batches/nope", headers=api.a.auth).status_code == 404
    assert api.client.head("/v1/batches").status_code == 401
    metrics = api.client.get("/metrics").text
    assert 'method="HEAD",route="/v1/batches/{batch_id}",status="200"' in metrics


def test_openapi_declares_the_bearer_key_and_the_fixed_values(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            if path.startswith("/v1/"):
                assert operation["security"] == [{"bearer": []}], path
            else:
                assert "security" not in operation, path
    form = spec["paths"]["/v1/batches"]["post"]["requestBody"]["content"]["multipart/form-data"]
    fields = form["schema"]["properties"]
    assert fields["language"]["enum"] == list(LANGUAGES)
    assert fields["writer"]["enum"] == list(WRITERS)
    assert fields["runtime"]["enum"] == list(RUNTIMES)
    assert fields["theme"]["enum"] == list(THEMES)
    assert all(f in fields["formats"]["pattern"] for f in FORMATS)

    def param(path: str, name: str) -> dict:  # type: ignore[type-arg]
        [found] = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
        return found["schema"]  # type: ignore[no-any-return]

    assert param("/v1/resumes/{resume_id}.{fmt}", "fmt")["enum"] == list(FORMATS)
    statuses = param("/v1/batches/{batch_id}/rows", "status")
    statuses = statuses.get("enum") or next(s["enum"] for s in statuses["anyOf"] if "enum" in s)
    assert {"accepted", "rejected", "done", "dead"} <= set(statuses)
    after = param("/v1/batches/{batch_id}/rows", "after")
    after = next(s for s in after.get("anyOf", [after]) if s.get("type") == "integer")
    assert after["maximum"] == 2**31 - 1 and after["minimum"] == 0


def test_the_docs_example_names_the_address_the_page_was_reached_at(api: Api) -> None:
    page = api.client.get("/docs", headers={"host": "cv.example.edu:9123"}).text
    assert "http://cv.example.edu:9123/v1/batches" in page
    assert ":8000" not in page
