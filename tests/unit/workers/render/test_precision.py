"""A date keeps the precision it came with in every format: a bare year is never a month."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from shared.profile import Resume
from workers.render.html import HtmlRenderer
from workers.render.jsonresume import JsonResumeRenderer
from workers.render.markdown import MarkdownRenderer
from workers.render.pdf import PdfRenderer


def _year_only(language: str) -> Resume:
    return Resume.model_validate(
        {
            "basics": {"name": "Yan Year"},
            "work": [{"name": "Acme", "position": "Clerk", "startDate": "2019", "endDate": "2021"}],
            "education": [{"institution": "Uni", "endDate": "2024"}],
            "awards": [{"title": "Prize", "date": "2018"}],
            "meta": {"language": language},
        }
    )


INVENTED = re.compile(r"Jan 20|20\d\d-01|20\d\d年1月|January")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_years_stay_years_everywhere(
    language: str, pdf_renderer: PdfRenderer, pdf_text: Callable[[bytes], str]
) -> None:
    resume = _year_only(language)
    suffix = "年" if language == "zh" else ""
    outputs = {
        "md": MarkdownRenderer().render(resume).decode(),
        "html": HtmlRenderer().render(resume).decode(),
        "pdf": pdf_text(pdf_renderer.render(resume)),
    }
    for fmt, text in outputs.items():
        assert f"2019{suffix} – 2021{suffix}" in text, fmt
        assert f"2024{suffix}" in text and f"2018{suffix}" in text, fmt
        assert not INVENTED.search(text), fmt
    document = json.loads(JsonResumeRenderer().render(resume))
    assert document["work"][0]["startDate"] == "2019"
    assert document["education"][0]["endDate"] == "2024"
    assert document["awards"][0]["date"] == "2018"
