"""PDF through Typst: a real text layer, Chinese in Noto CJK, data never evaluated as markup."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader

from shared.errors import RenderError
from shared.profile import Resume
from workers.render.fonts import find_cjk_font_dir
from workers.render.pdf import PdfRenderer

needs_cjk = pytest.mark.skipif(find_cjk_font_dir() is None, reason="Noto CJK not installed")


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        fonts = resources["/Font"]
        for ref in fonts.values():
            # Subset fonts are named "ABCDEF+Family-Style"; keep the family part.
            names.add(str(ref.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_english_text_layer(
    pdf_renderer: PdfRenderer, pdf_text: Callable[[bytes], str], resume_en: Resume
) -> None:
    pdf = pdf_renderer.render(resume_en)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Alice Example" in text
    for title in ("Summary", "Experience", "Education", "Projects", "Skills", "Languages"):
        assert re.search(rf"^{title}$", text, flags=re.M), title
    assert "alice@example.org" in text
    assert "Jun 2023 – Present" in text
    assert any(f.startswith("LibertinusSerif") for f in _fonts(pdf))


@needs_cjk
def test_chinese_text_layer_and_font(
    pdf_renderer: PdfRenderer, pdf_text: Callable[[bytes], str], resume_zh: Resume
) -> None:
    pdf = pdf_renderer.render(resume_zh)
    text = pdf_text(pdf)
    assert "张伟" in text
    for title in ("个人简介", "工作经历", "教育经历", "专业技能", "语言能力", "获奖情况"):
        assert title in text
    assert "2023年7月 – 2023年9月" in text
    assert "2022年10月8日" in text
    # Typst puts a quarter-em between Han and Latin ("专业 2024 届"); extractors read it as a space.
    assert "示例大学计算机科学专业2024届毕业生" in re.sub(r"\s+", "", text)
    assert any(f.startswith("NotoSansCJK") for f in _fonts(pdf)), _fonts(pdf)


def test_hostile_cells_appear_literally(
    pdf_renderer: PdfRenderer,
    pdf_text: Callable[[bytes], str],
    resume_hostile: Resume,
    hostile_cells: list[str],
) -> None:
    pdf = pdf_renderer.render(resume_hostile)
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", pdf_text(pdf))
    for cell in hostile_cells:
        assert cell in text, cell
    # Nothing was evaluated: no red page fill, no file contents, no 49.
    assert "root:" not in text and "49" not in text
    content = b"".join(page.get_contents().get_data() for page in reader.pages)  # type: ignore[union-attr]
    assert b"1 0 0 rg" not in content and b"1 0 0 RG" not in content
    assert len(reader.pages) == 1


def test_a_reused_compiler_renders_each_resume(
    pdf_renderer: PdfRenderer,
    pdf_text: Callable[[bytes], str],
    resume_en: Resume,
    resume_thin: Resume,
) -> None:
    first = pdf_text(pdf_renderer.render(resume_thin))
    second = pdf_text(pdf_renderer.render(resume_en))
    third = pdf_text(pdf_renderer.render(resume_thin))
    assert "Sam Thin" in first and "Sam Thin" not in second and "Alice Example" in second
    assert first == third
    assert "Summary" not in first  # a thin row stays thin on paper too


def test_same_resume_same_bytes(pdf_renderer: PdfRenderer, resume_en: Resume) -> None:
    assert pdf_renderer.render(resume_en) == pdf_renderer.render(resume_en)


def test_chinese_without_a_cjk_font_is_a_render_error(resume_zh: Resume) -> None:
    with pytest.raises(RenderError, match="CJK"):
        PdfRenderer(font_dirs=[]).render(resume_zh)
