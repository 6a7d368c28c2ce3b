"""/v1/resumes/N.html answers with a policy that lets the resume's own style apply, and only it."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from shared.db import resumes
from shared.db.models import Job
from tests.integration.producer.api.conftest import COHORT, Api
from tests.unit.workers.conftest import rich_en, write
from workers.render.html import to_html


def _stored_html(api: Api) -> tuple[int, str]:
    """Stand in for a worker: a real rendered HTML resume for the first job of a batch."""
    batch = api.upload(api.a, "c.csv", COHORT)
    with api.engine.connect() as conn:
        job = conn.execute(
            select(Job.institution_id, Job.person_key, Job.content_hash)
            .where(Job.batch_id == batch["id"])
            .order_by(Job.line)
        ).first()
    assert job is not None
    html = to_html(write(rich_en()))
    [rid] = resumes.store_resumes(
        api.engine,
        [resumes.NewResume(job.institution_id, job.person_key, job.content_hash, "en:template",
                           "template", {"basics": {"name": "x"}})],
    )  # fmt: skip
    resumes.store_outputs(api.engine, [(rid, "html", html.encode()), (rid, "pdf", b"%PDF-1.7")])
    return rid, html


def test_an_html_resume_may_use_its_own_style_only(api: Api) -> None:
    rid, html = _stored_html(api)
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    response = api.client.get(f"/v1/resumes/{rid}.html", headers=api.a.auth)
    assert response.status_code == 200 and response.text == html
    csp = response.headers["content-security-policy"]
    assert f"style-src 'sha256-{digest}';" in csp
    assert "default-src 'none'" in csp and "script-src" not in csp and "sandbox" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_other_formats_keep_the_sites_policy(api: Api) -> None:
    rid, _ = _stored_html(api)
    response = api.client.get(f"/v1/resumes/{rid}.pdf", headers=api.a.auth)
    assert response.status_code == 200
    assert "style-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
