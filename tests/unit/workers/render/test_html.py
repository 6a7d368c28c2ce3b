"""HTML output: self-contained, autoescaped, one column, links only for safe schemes."""

from __future__ import annotations

import re

from shared.profile import Resume
from workers.render.html import HtmlRenderer

RENDERER = HtmlRenderer()


def test_english_document(resume_en: Resume) -> None:
    html = RENDERER.render(resume_en).decode()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert "<h1>Alice Example</h1>" in html
    for title in ("Summary", "Experience", "Education", "Projects", "Skills", "Certificates"):
        assert f"<h2>{title}</h2>" in html
    assert "@page" in html and "@media print" in html
    assert '<a href="mailto:alice@example.org"' in html


def test_chinese_document(resume_zh: Resume) -> None:
    html = RENDERER.render(resume_zh).decode()
    assert '<html lang="zh-CN">' in html
    for title in ("个人简介", "工作经历", "教育经历", "专业技能"):
        assert f"<h2>{title}</h2>" in html
    assert "Noto Sans CJK SC" in html
    assert "2023年7月 – 2023年9月" in html


def test_self_contained(resume_en: Resume) -> None:
    html = RENDERER.render(resume_en).decode()
    assert not re.search(r"<(script|img|link|iframe|object|embed|svg)\b", html, flags=re.I)
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"\bsrc=", html)
    # Every href is one of the person's own links, shown as an anchor.
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == [
        "mailto:alice@example.org",
        "https://alice.example.org",
        "https://github.com/alice",
    ]


def test_hostile_cells_are_escaped(resume_hostile: Resume, hostile_cells: list[str]) -> None:
    html = RENDERER.render(resume_hostile).decode()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', html))
    assert "{{7*7}}" in html and "49" not in html
    assert "#set page(fill: red)" in html


def test_only_http_https_mailto_become_links() -> None:
    resume = Resume.model_validate(
        {
            "basics": {
                "name": "Lin",
                "url": "data:text/html,<b>x</b>",
                "profiles": [{"url": "ftp://example.org/x"}, {"url": "http://ok.example"}],
            }
        }
    )
    html = RENDERER.render(resume).decode()
    assert re.findall(r'href="([^"]*)"', html) == ["http://ok.example"]
    assert "data:text/html,&lt;b&gt;x&lt;/b&gt;" in html
