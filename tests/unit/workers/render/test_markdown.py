"""Markdown output: structure from the template only; data is always literal text."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from shared.profile import Resume
from workers.render.markdown import MarkdownRenderer, escape

RENDERER = MarkdownRenderer()


def test_english_document(resume_en: Resume) -> None:
    md = RENDERER.render(resume_en).decode()
    assert md.startswith("# Alice Example\n")
    for title in ("Summary", "Experience", "Education", "Projects", "Skills", "Languages"):
        assert f"\n## {title}\n" in md
    assert "[alice@example.org](mailto:alice@example.org)" in md
    assert "Jun 2023 – Present" in md


def test_chinese_headings(resume_zh: Resume) -> None:
    md = RENDERER.render(resume_zh).decode()
    for title in ("个人简介", "工作经历", "教育经历", "专业技能", "语言能力", "获奖情况"):
        assert f"\n## {title}\n" in md
    assert "2023年7月 – 2023年9月" in md
    assert "2022年10月8日" in md


def test_hostile_cells_never_become_structure(resume_hostile: Resume) -> None:
    md = RENDERER.render(resume_hostile).decode()
    # The only headings are the name and the section titles the renderer wrote.
    headings = re.findall(r"^#{1,6} .*$", md, flags=re.M)
    assert headings[0] == "# Eve Hostile"
    assert all(h.startswith(("## ", "### ")) for h in headings[1:])
    assert not re.search(r"(?<!\\)<", md)  # every "<" from data is backslash-escaped
    assert "\\# heading" in md
    assert "\\[x\\](javascript:alert(1))" in md


def test_a_commonmark_parser_sees_only_our_structure(
    resume_hostile: Resume, hostile_cells: list[str]
) -> None:
    tokens = MarkdownIt("commonmark").parse(RENDERER.render(resume_hostile).decode())
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"html_inline", "html_block", "link_open", "image", "code_inline"}
    headings = [
        "".join(c.content for c in tokens[i + 1].children or [])
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
    assert headings == [
        "Eve Hostile",
        "Summary",
        "Experience",
        "$x$ — #set page(fill: red)",
        "Skills",
    ]
    # Rendered back to HTML, every hostile cell reads exactly as typed.
    html = MarkdownIt("commonmark").render(RENDERER.render(resume_hostile).decode())
    for cell in hostile_cells:
        escaped = cell.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped.replace('"', "&quot;") in html, cell


def test_escape() -> None:
    assert escape("# x") == "\\# x"
    assert escape("- item") == "\\- item"
    assert escape("1. one") == "1\\. one"
    assert escape("a\n\n# b") == "a \\# b"
    assert escape("<b>&amp;</b>") == "\\<b\\>\\&amp;\\</b\\>"
    assert escape("a|b *c* _d_") == "a\\|b \\*c\\* \\_d\\_"


def test_unsafe_link_is_plain_text(resume_hostile: Resume) -> None:
    md = RENDERER.render(resume_hostile).decode()
    assert "javascript:alert(1)" in md
    assert "(javascript:" not in md.replace("\\[x\\](javascript:", "")
