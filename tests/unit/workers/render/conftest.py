"""One PDF renderer per test session (its Typst compiler is the expensive part) and a text-layer
reader."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from workers.render.pdf import PdfRenderer


@pytest.fixture(scope="session")
def pdf_renderer() -> PdfRenderer:
    return PdfRenderer()


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="session")
def pdf_text() -> Callable[[bytes], str]:
    """The PDF's text layer as pypdf extracts it."""
    return _text
