"""The web page through HTTP: sign in with a key, sessions, throttling, cookie flags, escaping,
languages, cross-site refusal, no caching."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from shared.db import tenants
from shared.db.models import WebSession, utcnow
from shared.settings import Settings
from tests.integration.producer.api.conftest import COHORT, Api

SAME = {"Origin": "http://testserver"}


def _sign_in(api: Api, key: str) -> None:
    response = api.client.post("/signin", data={"key": key}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/batches"


def test_sign_in_sets_an_httponly_strict_cookie(api: Api) -> None:
    response = api.client.post("/signin", data={"key": api.a.key}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = api.client.get("/batches")
    assert page.status_code == 200
    assert "upload-form" in page.text


def test_a_wrong_key_does_not_sign_in(api: Api) -> None:
    response = api.client.post("/signin", data={"key": "ccv_wrong"}, follow_redirects=False)
    assert response.status_code == 401
    assert "unknown or revoked" in response.text
    assert api.client.get("/batches", follow_redirects=False).status_code == 303


def test_upload_from_the_page_shows_the_report_escaped(api: Api) -> None:
    _sign_in(api, api.a.key)
    hostile = COHORT + 'S9,<img src=x onerror=alert(1)>,<b>@x,"<script>alert(2)</script>"\n'
    response = api.client.post(
        "/batches/upload",
        files={"file": ("<b>cohort.csv", hostile)},
        data={"formats": "pdf,html", "language": "auto"},
        headers={"Origin": "http://testserver"},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    page = response.text
    assert "<img src=x" not in page and "<script>alert" not in page and "<b>cohort" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;cohort.csv" in page
    assert "not-an-email" in page  # the reason of a rejected row
    assert 'id="rejected"' in page


def test_a_bad_file_from_the_page_says_why(api: Api) -> None:
    _sign_in(api, api.a.key)
    response = api.client.post(
        "/batches/upload",
        files={"file": ("empty.csv", b"")},
        headers={"Origin": "http://testserver"},
    )
    assert response.status_code == 422
    assert "empty.csv: is empty" in response.text


def test_cross_site_changes_with_the_cookie_are_refused(api: Api) -> None:
    _sign_in(api, api.a.key)
    batch = api.upload(api.a, "c.csv", COHORT)
    evil = {"Origin": "http://evil.example"}
    assert api.client.post(f"/batches/{batch['id']}/delete", headers=evil).status_code == 403
    assert api.client.delete(f"/v1/batches/{batch['id']}", headers=evil).status_code == 403
    assert api.client.get(f"/v1/batches/{batch['id']}", headers=api.a.auth).status_code == 200


def test_cancel_and_delete_from_the_page(api: Api) -> None:
    _sign_in(api, api.a.key)
    batch = api.upload(api.a, "c.csv", COHORT)
    same = {"Origin": "http://testserver"}
    page = api.client.post(f"/batches/{batch['id']}/cancel", headers=same, follow_redirects=True)
    assert page.status_code == 200
    assert api.client.get(f"/v1/batches/{batch['id']}").json()["status"] == "cancelled"
    done = api.client.post(f"/batches/{batch['id']}/delete", headers=same, follow_redirects=True)
    assert done.status_code == 200
    assert "The batch was deleted." in done.text
    assert api.client.get(f"/v1/batches/{batch['id']}").status_code == 404


def test_another_tenants_batch_page_is_not_found(api: Api) -> None:
    batch = api.upload(api.a, "c.csv", COHORT)
    _sign_in(api, api.b.key)
    page = api.client.get(f"/batches/{batch['id']}")
    assert page.status_code == 404
    assert "Alex" not in page.text


def test_chinese_interface_by_browser_language_and_toggle(api: Api) -> None:
    page = api.client.get("/signin", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in page.text and 'lang="zh-CN"' in page.text
    english = api.client.get("/signin?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "Sign in" in english.text
    # The toggle is remembered in a cookie.
    assert "Sign in" in api.client.get("/signin", headers={"Accept-Language": "zh-CN"}).text


def test_the_page_loads_nothing_from_elsewhere(api: Api) -> None:
    _sign_in(api, api.a.key)
    api.upload(api.a, "c.csv", COHORT)
    page = api.client.get("/batches")
    assert "http://" not in page.text and "https://" not in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert api.client.get("/static/app.js").status_code == 200


def _session_cookie(api: Api, key: str) -> str:
    response = api.client.post("/signin", data={"key": key}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.cookies["cohortcv_session"])


def _signed_out(client: TestClient) -> bool:
    page = client.get("/batches", follow_redirects=False)
    api_answer = client.get("/v1/batches")
    return (
        page.status_code == 303 and page.headers["location"] == "/signin"
        and api_answer.status_code == 401
    )  # fmt: skip


def test_the_cookie_holds_a_session_id_never_the_key(api: Api) -> None:
    response = api.client.post("/signin", data={"key": api.a.key}, follow_redirects=False)
    session = response.cookies["cohortcv_session"]
    assert session and session != api.a.key and api.a.key not in str(response.headers)
    assert "max-age=43200" in response.headers["set-cookie"].lower()
    for path in ("/batches", "/v1/batches"):
        answer = api.client.get(path)
        assert answer.status_code == 200 and api.a.key not in str(answer.headers)
    # The key itself as the cookie (what the page used to set) signs nobody in.
    keyed = TestClient(api.client.app, cookies={"cohortcv_session": api.a.key})
    assert _signed_out(keyed)


def test_sign_out_ends_the_session_on_the_server(api: Api) -> None:
    session = _session_cookie(api, api.a.key)
    assert api.client.post("/signout", headers=SAME, follow_redirects=False).status_code == 303
    # A copy of the cookie kept from before the sign-out (another tab, a stolen copy) is dead.
    replay = TestClient(api.client.app, cookies={"cohortcv_session": session})
    assert _signed_out(replay)


def test_revoking_the_key_signs_its_browsers_out(api: Api) -> None:
    _session_cookie(api, api.a.key)
    assert api.client.get("/batches", follow_redirects=False).status_code == 200
    tenants.revoke(api.engine, api.a.institution)
    assert _signed_out(api.client)


def test_an_expired_session_is_refused(api: Api) -> None:
    _session_cookie(api, api.a.key)
    with api.engine.begin() as conn:
        conn.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert _signed_out(api.client)


def test_wrong_sign_ins_from_one_address_are_throttled(api: Api) -> None:
    limit = api.settings.api.signin_max_failures
    for n in range(limit):
        # A forged X-Forwarded-For changes nothing: no proxy is trusted by default.
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        wrong = api.client.post(
            "/signin", data={"key": f"ccv_guess{n}"}, headers=forged, follow_redirects=False
        )
        assert wrong.status_code == 401
    refused = api.client.post("/signin", data={"key": api.a.key}, follow_redirects=False)
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    assert api.settings.api.signin_window_s - 60 < wait <= api.settings.api.signin_window_s
    assert "Too many wrong keys" in refused.text and "set-cookie" not in refused.headers
    # Another address signs in as usual.
    other = TestClient(api.client.app, client=("203.0.113.9", 40000))
    signed_in = other.post("/signin", data={"key": api.a.key}, follow_redirects=False)
    assert signed_in.status_code == 303


def test_behind_a_trusted_proxy_each_client_is_counted(api: Api) -> None:
    from producer.api.app import create_app

    settings = Settings(
        database_url=api.settings.database_url, broker_url=api.settings.broker_url,
        data_dir=api.settings.data_dir, api={"trusted_proxies": ["testclient"]},
    )  # fmt: skip
    proxied = TestClient(create_app(settings, engine=api.engine))
    guesser = {"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}
    for n in range(settings.api.signin_max_failures):
        wrong = proxied.post("/signin", data={"key": f"ccv_guess{n}"}, headers=guesser)
        assert wrong.status_code == 401
    assert proxied.post("/signin", data={"key": "ccv_x"}, headers=guesser).status_code == 429
    # The proxy's other clients are not locked out with the guesser.
    colleague = {"X-Forwarded-For": "203.0.113.8"}
    response = proxied.post(
        "/signin", data={"key": api.a.key}, headers=colleague, follow_redirects=False
    )
    assert response.status_code == 303


def test_answers_with_personal_data_are_never_stored(api: Api) -> None:
    _session_cookie(api, api.a.key)
    batch = api.upload(api.a, "c.csv", COHORT)
    paths = [
        "/", "/signin", "/batches", f"/batches/{batch['id']}", "/v1/batches",
        f"/v1/batches/{batch['id']}", f"/v1/batches/{batch['id']}/rows",
        f"/v1/batches/{batch['id']}/errors", f"/v1/batches/{batch['id']}/download",
        "/v1/resumes/999.html", "/batches/nope",
    ]  # fmt: skip
    for path in paths:
        response = api.client.get(path, follow_redirects=False)
        assert response.headers.get("cache-control") == "no-store", path
    signin = api.client.post("/signin", data={"key": api.a.key}, follow_redirects=False)
    assert signin.headers.get("cache-control") == "no-store"
    # The page's own script and stylesheet may be cached.
    assert "no-store" not in api.client.get("/static/app.js").headers.get("cache-control", "")

ZH = {"Accept-Language": "zh-CN,zh;q=0.9", "Origin": "http://testserver"}


def test_the_chinese_page_shows_rejection_reasons_and_upload_errors_in_chinese(api: Api) -> None:
    _sign_in(api, api.a.key)
    page = api.client.post(
        "/batches/upload", files={"file": ("c.csv", COHORT)}, headers=ZH, follow_redirects=True
    ).text
    assert "缺少姓名" in page and "name is missing" not in page
    assert "邮箱 &#39;not-an-email&#39; 不是有效的电子邮件地址" in page
    assert "not a valid e-mail address" not in page
    for name, content, says in (
        ("empty.csv", b"", "empty.csv：是空文件；可接受"),
        ("c.csv", COHORT.encode(), "格式：未知的 &#39;exe&#39;；可选 pdf, html, md, json"),
    ):
        response = api.client.post(
            "/batches/upload", files={"file": (name, content)}, headers=ZH,
            data={"formats": "exe"} if says.startswith("格式") else {},
        )  # fmt: skip
        assert response.status_code == 422
        assert says in response.text, response.text[-1500:]
    cut = api.client.post(
        "/batches/upload",
        headers={**ZH, "Content-Type": "multipart/form-data; boundary=cut"},
        content=b'--cut\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\nname\n',
    )
    assert cut.status_code == 400 and "上传被中断" in cut.text
    # The English page keeps the English words.
    english = api.client.post(
        "/batches/upload", files={"file": ("empty.csv", b"")},
        headers={"Origin": "http://testserver", "Accept-Language": "en"},
    )  # fmt: skip
    assert "empty.csv: is empty" in english.text
