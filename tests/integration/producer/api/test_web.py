"""The web page through HTTP: sign in with a key, cookie flags, escaping, languages, cross-site refusal."""

from __future__ import annotations

from tests.integration.producer.api.conftest import COHORT, Api


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
