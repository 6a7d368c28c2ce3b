"""The web page in a real browser (Debian's headless chromium driven by Playwright, never a
downloaded browser): sign in → upload → live progress → download → delete, with a screenshot."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shared.db import tenants
from shared.db.models import Batch, Job, RowErrorRecord
from tests.e2e.conftest import Services
from tests.processes import free_port, start, stop, wait_for

CHROMIUM = os.environ.get("COHORTCV_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
ROWS = 120
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = pytest.mark.e2e


def _need_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (the test extra)")
    if missing:
        message = "browser test needs " + ", ".join(missing)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _cohort(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student ID", "Full Name", "E-mail", "University", "Degree", "Graduation Year"])
        for i in range(n):
            w.writerow(
                [
                    f"S{i:03d}",
                    f"Alex Example {i}",
                    f"a{i}@example.edu",
                    "Example University",
                    "BSc",
                    "2024",
                ]
            )
        w.writerow(["S998", "", "nobody@example.edu", "Example University", "BSc", "2024"])
        w.writerow(
            [
                "S999",
                "<script>alert(1)</script>",
                "bad-address",
                "Example University",
                "BSc",
                "2024",
            ]
        )
    return path


def _serve(services: Services, port: int, log: Path) -> subprocess.Popen[bytes]:
    """The API as an operator runs it: `cohortcv api` on loopback."""
    return start(["api", "--port", str(port)], services.env(), log)


def test_sign_in_upload_progress_download_delete(services: Services, tmp_path: Path) -> None:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    new = tenants.create_tenant(services.engine, "Example University")
    port = free_port()
    api = _serve(services, port, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        wait_for(
            "the API",
            lambda: urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200,
            [api],
        )
        upload = _cohort(tmp_path / "Cohort 2024.csv", ROWS)
        shots = Path(os.environ.get("COHORTCV_TEST_ARTIFACTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(accept_downloads=True, viewport={"width": 1200, "height": 1100})
            blocked: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(base) else blocked.append(r.url))
            page.goto(f"{base}/")
            expect(page.locator("h1")).to_have_text("Sign in")
            page.fill("#key", new.key)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/batches")

            page.set_input_files("#file", str(upload))
            page.uncheck("input.fmt[value=md]")
            page.click("#upload-button")
            page.wait_for_url(f"{base}/batches/*")
            expect(page.locator(".status")).to_have_text("queued")
            # Live progress: with the page open, workers start; the script polls the JSON API and
            # moves the bar without reloading (the marker survives only until a reload).
            page.evaluate("window.__notReloaded = true")
            services.start_worker("-c", "2")
            page.wait_for_function(
                "() => window.__notReloaded === true && "
                "Number(document.querySelector('[data-count=done]').textContent) > 0 && "
                "document.querySelector('progress.bar').value > 0",
                timeout=120_000,
            )
            page.screenshot(path=str(shots / "batch-in-progress.png"), full_page=True)
            batch_id = page.url.rsplit("/", 1)[-1]
            # Live progress: the script polls the JSON API and reloads when the batch is done.
            expect(page.locator(".status")).to_have_text("completed", timeout=180_000)
            expect(page.locator("#rejected")).to_contain_text("bad-address")
            expect(page.locator("#report")).to_contain_text("<script>alert(1)</script>")
            page.screenshot(path=str(shots / "batch-page.png"), full_page=True)

            with page.expect_download() as caught:
                page.click("#download-all")
            data = Path(caught.value.path()).read_bytes()
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
            assert "report.csv" in names and "errors.csv" in names
            assert sum(n.endswith("/resume.pdf") for n in names) == ROWS
            assert not any(n.endswith(".md") for n in names)

            page.on("dialog", lambda dialog: dialog.accept())
            page.click("#delete")
            page.wait_for_url(f"{base}/batches?notice=deleted")
            expect(page.locator(".notice")).to_be_visible()
            page.screenshot(path=str(shots / "after-delete.png"), full_page=True)
            page.click("#lang-toggle")
            expect(page.locator("h1")).to_have_text("上传文件")
            page.goto(f"{base}/batches")  # the choice is remembered
            expect(page.locator("#upload-button")).to_have_text("上传并开始")
            page.screenshot(path=str(shots / "batches-zh.png"), full_page=True)
            browser.close()
        assert blocked == [], f"the page fetched from elsewhere: {blocked}"
        with services.engine.connect() as conn:
            for table, column in ((Batch, Batch.id), (Job, Job.batch_id),
                                  (RowErrorRecord, RowErrorRecord.batch_id)):  # fmt: skip
                left = conn.scalar(
                    select(func.count()).select_from(table).where(column == batch_id)
                )
                assert left == 0, table.__tablename__
    finally:
        stop([api])


# A served resume must look exactly like the file: at most this share of pixels may differ
# (anti-aliasing); an unstyled page differs in most of its rows of text.
MAX_DIFFERENT_PIXELS = 0.002
# What the resume's own stylesheet sets (resume.html.j2), and a browser's default does not.
RESUME_STYLE = (
    "() => { const b = getComputedStyle(document.body), h = getComputedStyle("
    "document.querySelector('h2')); return {font: b.fontFamily, color: b.color, "
    "maxWidth: b.maxWidth, h2: h.textTransform, rule: h.borderBottomStyle}; }"
)


def _different_pixels(one: bytes, other: bytes) -> float:
    """The share of pixels that differ between two PNG screenshots (1.0 if sizes differ)."""
    from PIL import Image, ImageChops

    a = Image.open(io.BytesIO(one)).convert("RGB")
    b = Image.open(io.BytesIO(other)).convert("RGB")
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 16 else 0)
    histogram = diff.histogram()
    return histogram[255] / (a.size[0] * a.size[1])


def test_a_served_html_resume_looks_like_the_file(services: Services, tmp_path: Path) -> None:
    """Opened from the batch page's link and from /v1/resumes/N.html, a resume shows with its
    own style, pixel for pixel as the same file opened from disk."""
    _need_browser()
    import httpx
    from playwright.sync_api import expect, sync_playwright

    new = tenants.create_tenant(services.engine, "Example University")
    auth = {"Authorization": f"Bearer {new.key}"}
    port = free_port()
    api = _serve(services, port, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    cohort = (
        "Student ID,Full Name,E-mail,University,Degree,Graduation Year,Skills\n"
        'S001,Alex Example,alex@example.edu,Example University,BSc,2024,"Python, SQL"\n'
        "S002,张伟,zw@example.edu,示例大学,学士,2024,Python、SQL\n"
    )
    try:
        wait_for(
            "the API", lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200,
            [api], errors=(httpx.TransportError,),
        )  # fmt: skip
        sent = httpx.post(
            f"{base}/v1/batches", headers=auth, files={"file": ("cohort.csv", cohort)},
            data={"formats": "html"}, timeout=60,
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        batch_id = sent.json()["id"]
        services.start_worker("-c", "1")
        services.wait_done(batch_id, 2)
        report = httpx.get(f"{base}/v1/batches/{batch_id}/rows", headers=auth).json()["data"]
        links = [r["outputs"]["html"] for r in report]
        assert len(links) == 2

        shots = Path(os.environ.get("COHORTCV_TEST_ARTIFACTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1000})
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
            page.goto(f"{base}/signin")
            page.fill("#key", new.key)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/batches")

            for n, link in enumerate(links):
                file_html = httpx.get(f"{base}{link}", headers=auth).content
                on_disk = tmp_path / f"resume-{n}.html"
                on_disk.write_bytes(file_html)
                page.goto(on_disk.as_uri())
                from_file = page.screenshot(full_page=True)
                file_style = page.evaluate(RESUME_STYLE)
                assert "Helvetica Neue" in file_style["font"], file_style

                # The batch page's own link, as a person clicks it.
                page.goto(f"{base}/batches/{batch_id}")
                page.locator(f'#report a[href="{link}"]').click()
                page.wait_for_url(f"{base}{link}")
                via_page = page.screenshot(full_page=True)
                assert page.evaluate(RESUME_STYLE) == file_style
                (shots / f"resume-{n}-via-page.png").write_bytes(via_page)

                page.goto(f"{base}{link}")
                direct = page.screenshot(full_page=True)
                assert page.evaluate(RESUME_STYLE) == file_style

                (shots / f"resume-{n}-file.png").write_bytes(from_file)
                for served in (via_page, direct):
                    share = _different_pixels(served, from_file)
                    assert share <= MAX_DIFFERENT_PIXELS, f"resume {n}: {share:.1%} differ"
            browser.close()
        assert refused == [], f"the browser refused parts of the resume: {refused}"
    finally:
        stop([api])


def test_the_pages_fit_a_390_px_phone(services: Services, tmp_path: Path) -> None:
    """No page is wider than a phone's screen: wide tables scroll inside their card."""
    _need_browser()
    from playwright.sync_api import sync_playwright

    new = tenants.create_tenant(services.engine, "Example University")
    port = free_port()
    api = _serve(services, port, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        wait_for(
            "the API",
            lambda: urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200,
            [api],
        )
        upload = _cohort(tmp_path / ("Cohort of the class of 2024 final" * 3 + ".csv"), 20)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{base}/signin")
            page.fill("#key", new.key)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/batches")
            page.set_input_files("#file", str(upload))
            page.click("#upload-button")
            page.wait_for_url(f"{base}/batches/*")
            batch = page.url
            wide = "() => document.documentElement.scrollWidth"
            for url in (batch, f"{base}/batches", f"{base}/docs", f"{batch}?lang=zh",
                        f"{base}/batches?lang=zh"):  # fmt: skip
                page.goto(url)
                width = page.evaluate(wide)
                assert width <= 390, f"{url} is {width} px wide on a 390 px screen"
            page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
            browser.close()
    finally:
        stop([api])
