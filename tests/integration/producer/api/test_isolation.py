"""Each institution sees only its own data: every endpoint with the other tenant's ids, a revoked
key and no key. Another tenant's id is a 404 (never a 403 that would confirm it exists)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from shared.db import tenants
from shared.db.models import Batch, Job, ResumeOutput, ResumeRecord
from tests.integration.producer.api.conftest import COHORT, Api, Tenant

# Every endpoint that names a batch or a resume: (method, path template).
BY_ID = [
    ("GET", "/v1/batches/{b}"),
    ("GET", "/v1/batches/{b}/rows"),
    ("GET", "/v1/batches/{b}/rows?status=rejected"),
    ("GET", "/v1/batches/{b}/errors"),
    ("GET", "/v1/batches/{b}/download"),
    ("GET", "/v1/batches/{b}/download?format=pdf"),
    ("POST", "/v1/batches/{b}/cancel"),
    ("POST", "/v1/batches/{b}/retry"),
    ("DELETE", "/v1/batches/{b}"),
    ("GET", "/v1/resumes/{r}.pdf"),
    ("GET", "/v1/resumes/{r}.html"),
    ("GET", "/v1/resumes/{r}.md"),
    ("GET", "/v1/resumes/{r}.json"),
    ("GET", "/v1/batches?after={b}"),
]
ALL = [*BY_ID, ("GET", "/v1/batches"), ("POST", "/v1/batches")]


def _finished_resume(api: Api, batch_id: str) -> int:
    """Stand in for a worker: store a resume and its files for the batch's first job."""
    from shared.db import jobs, resumes

    with api.engine.connect() as conn:
        job = conn.execute(
            select(Job.id, Job.institution_id, Job.person_key, Job.content_hash)
            .where(Job.batch_id == batch_id)
            .order_by(Job.line)
        ).first()
    assert job is not None
    writing = jobs.claim(api.engine, [job.id], "write", 3, 600)
    record = resumes.NewResume(job.institution_id, job.person_key, job.content_hash,
                               "en:template", "template", {"basics": {"name": "x"}})  # fmt: skip
    jobs.advance_to_render(api.engine, writing.jobs, {job.id: record}, 600)
    [rendering] = jobs.claim(api.engine, [job.id], "render", 3, 600).jobs
    rid = rendering.resume_id
    assert rid is not None
    files = [(rid, f, b"file " + f.encode()) for f in ("pdf", "html", "md", "json")]
    assert jobs.finish(api.engine, [rendering], files) == [job.id]
    return rid


def _call(api: Api, tenant_headers: dict[str, str], method: str, path: str):  # type: ignore[no-untyped-def]
    if method == "POST" and path == "/v1/batches":
        return api.client.post(path, headers=tenant_headers, files={"file": ("c.csv", COHORT)})
    return api.client.request(method, path, headers=tenant_headers)


@pytest.fixture
def owned(api: Api) -> tuple[str, int]:
    """A batch of tenant A with one finished resume."""
    batch = api.upload(api.a, "a.csv", COHORT)
    return str(batch["id"]), _finished_resume(api, str(batch["id"]))


def _counts(api: Api) -> tuple[int, int, int, int]:
    with api.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.scalar(select(func.count()).select_from(t))
            for t in (Batch, Job, ResumeRecord, ResumeOutput)
        )


def test_the_owner_reaches_every_endpoint(api: Api, owned: tuple[str, int]) -> None:
    batch_id, resume_id = owned
    assert api.client.get(f"/v1/resumes/{resume_id}.pdf", headers=api.a.auth).content == b"file pdf"
    for method, template in BY_ID[:-1]:
        if method == "DELETE":
            continue
        path = template.format(b=batch_id, r=resume_id)
        response = _call(api, api.a.auth, method, path)
        assert response.status_code == 200, (method, path, response.text)


def test_another_tenants_ids_are_not_found_everywhere(api: Api, owned: tuple[str, int]) -> None:
    batch_id, resume_id = owned
    before = _counts(api)
    for method, template in BY_ID:
        path = template.format(b=batch_id, r=resume_id)
        response = _call(api, api.b.auth, method, path)
        assert response.status_code == 404, (method, path, response.status_code, response.text)
        assert response.json()["code"] == "not_found"
        assert "Alex" not in response.text and "example.edu" not in response.text
    assert _counts(api) == before  # nothing was cancelled, retried or deleted for A
    with api.engine.connect() as conn:
        assert conn.scalar(select(Batch.status).where(Batch.id == batch_id)) != "cancelled"
    listing = api.client.get("/v1/batches", headers=api.b.auth).json()
    assert listing["data"] == []


def test_a_missing_id_and_another_tenants_id_answer_alike(api: Api, owned: tuple[str, int]) -> None:
    batch_id, _ = owned
    theirs = api.client.get(f"/v1/batches/{batch_id}", headers=api.b.auth)
    missing = api.client.get("/v1/batches/00000000-0000-0000-0000-000000000000", headers=api.b.auth)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda api: {}, id="no key"),
        pytest.param(lambda api: {"Authorization": "Bearer ccv_not-a-real-key"}, id="unknown key"),
        pytest.param(lambda api: {"Authorization": f"Basic {api.a.key}"}, id="wrong scheme"),
        pytest.param(lambda api: {"Authorization": "Bearer "}, id="empty key"),
    ],
)
def test_no_valid_key_is_401_everywhere(
    api: Api, owned: tuple[str, int], headers: Callable[[Api], dict[str, str]]
) -> None:
    batch_id, resume_id = owned
    before = _counts(api)
    for method, template in ALL:
        path = template.format(b=batch_id, r=resume_id)
        response = _call(api, headers(api), method, path)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert _counts(api) == before


def test_a_revoked_key_is_refused_everywhere(api: Api, owned: tuple[str, int]) -> None:
    batch_id, resume_id = owned
    assert tenants.revoke(api.engine, api.a.institution) == 1
    for method, template in ALL:
        path = template.format(b=batch_id, r=resume_id)
        response = _call(api, api.a.auth, method, path)
        assert response.status_code == 401, (method, path, response.status_code)
    # A new key for the same institution reaches the same data again.
    fresh = tenants.add_key(api.engine, api.a.institution)
    again = api.client.get(
        f"/v1/batches/{batch_id}", headers=Tenant(api.a.institution, fresh.key).auth
    )
    assert again.status_code == 200


def test_unchanged_reupload_reuses_resumes_only_within_the_institution(
    api: Api, owned: tuple[str, int]
) -> None:
    """A's second upload of the same file reuses A's resume; B's identical upload does not."""
    _, resume_id = owned
    again = api.upload(api.a, "a.csv", COHORT)
    theirs = api.upload(api.b, "a.csv", COHORT)
    with api.engine.connect() as conn:
        mine = dict(
            conn.execute(select(Job.line, Job.resume_id).where(Job.batch_id == again["id"])).all()
        )
        other = dict(
            conn.execute(select(Job.line, Job.resume_id).where(Job.batch_id == theirs["id"])).all()
        )
    assert mine[2] == resume_id  # the row whose resume A already has
    assert set(other.values()) == {None}  # B writes its own, never A's
    rows = api.client.get(f"/v1/batches/{theirs['id']}/rows", headers=api.b.auth).json()["data"]
    assert all(r["resume_id"] is None for r in rows)
