"""What a reader sees: labels, colons and list items in every format, from a table row's facts."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.facts import build_profile
from shared.profile import Profile, Resume
from workers.render.html import to_html
from workers.render.markdown import to_markdown
from workers.render.pdf import PdfRenderer
from workers.writers.template import TemplateWriter

SAMPLE = Path(__file__).parents[3] / "data" / "jsonresume" / "sample.resume.json"


def _row(language: str, **values: str) -> Resume:
    """A resume as `cohortcv run` makes it from one table row (the producer's facts)."""
    facts = {"values": {"name": "Ada Example", **values}, "groups": [], "language": language}
    writer = TemplateWriter(today=datetime.date(2025, 1, 1))
    return writer.write_one(build_profile(facts))


EN = {"skills": "Java, SQL", "gpa": "3.17", "school": "Example University", "grad_year": "2024"}
ZH = {"skills": "Java、SQL", "gpa": "3.17", "school": "示例大学", "grad_year": "2024"}


def test_the_default_skills_group_is_just_its_list() -> None:
    md_en = to_markdown(_row("en", **EN))
    md_zh = to_markdown(_row("zh", **ZH))
    assert "\n## Skills\n\n- Java, SQL\n" in md_en
    assert "\n## 专业技能\n\n- Java、SQL\n" in md_zh
    assert "**Skills**" not in md_en and "**技能**" not in md_zh
    html = to_html(_row("en", **EN))
    assert "<li>Java, SQL</li>" in html and "<strong>Skills</strong>" not in html


def test_a_named_group_keeps_its_label() -> None:
    resume = _row("en", skills="Backend: Java, SQL")
    md = to_markdown(resume)
    assert [s.name for s in resume.skills] == ["Backend"]
    assert "- **Backend**: Java, SQL" in md


def test_a_gpa_is_labelled_gpa() -> None:
    assert "GPA: 3.17" in to_markdown(_row("en", **EN))
    assert "绩点：3.17" in to_markdown(_row("zh", **ZH))
    assert "Score" not in to_markdown(_row("en", **EN))
    assert "GPA: 3.17" in to_html(_row("en", **EN))
    # A grade that is not a grade point average is not called one.
    assert "Score: First class" in to_markdown(_row("en", school="X", gpa="First class"))


def test_chinese_markdown_uses_the_fullwidth_colon() -> None:
    md = to_markdown(_row("zh", languages="英语（流利）", **ZH))
    labelled = [line for line in md.splitlines() if line.startswith("- **")]
    assert labelled, md
    assert all("**：" in line for line in labelled), labelled
    assert "**: " not in md


def test_awards_are_list_items_not_headings() -> None:
    resume = _row("en", awards="Dean's List (2023); Hackathon winner", **EN)
    md = to_markdown(resume)
    assert not [line for line in md.splitlines() if line.startswith("###") and "Dean" in line]
    section = md.split("## Awards\n", 1)[1].split("\n## ", 1)[0]
    items = [line for line in section.splitlines() if line]
    assert items and all(line.startswith("- ") for line in items), section
    assert any("Dean's List" in line for line in items)


@pytest.mark.parametrize(("lang", "values"), [("en", EN), ("zh", ZH)])
def test_pdf_shows_the_list_without_the_group_label(
    pdf_renderer: PdfRenderer, pdf_text: Callable[[bytes], str], lang: str, values: dict[str, str]
) -> None:
    text = pdf_text(pdf_renderer.render(_row(lang, **values)))
    heading = "Skills" if lang == "en" else "专业技能"
    section = text.split(f"\n{heading}\n", 1)[1].replace(" ", "")
    assert section.startswith("•Java"), section
    gpa = "GPA:3.17" if lang == "en" else "绩点：3.17"
    assert gpa in text.replace(" ", "")


def test_every_json_resume_section_has_a_heading_in_both_languages(
    pdf_renderer: PdfRenderer, pdf_text: Callable[[bytes], str]
) -> None:
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    headings = {
        "en": ("Publications", "References", "Volunteering", "Interests", "Awards"),
        "zh": ("论文与出版物", "推荐人", "志愿经历", "兴趣爱好", "获奖情况"),
    }
    for lang, titles in headings.items():
        sample["meta"] = {"language": lang}
        resume = TemplateWriter().write_one(Profile.model_validate(sample))
        md, html = to_markdown(resume), to_html(resume)
        pdf = pdf_text(pdf_renderer.render(resume))
        for title in titles:
            assert f"\n## {title}\n" in md and f"<h2>{title}</h2>" in html and title in pdf
        for text in (md, html, pdf.replace("\n", " ")):
            assert "Erlich Bachman" in text and "Hooli" in text and "Smoogle" in text
