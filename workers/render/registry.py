"""The Renderer protocol and the table that turns format names into renderers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from shared.errors import ConfigurationError
from shared.profile import Resume
from workers.render.html import HtmlRenderer
from workers.render.jsonresume import JsonResumeRenderer
from workers.render.markdown import MarkdownRenderer
from workers.render.pdf import PdfRenderer


class Renderer(Protocol):
    """Turns one Resume into the bytes of one file; raises RenderError on failure."""

    format: str
    extension: str
    media_type: str

    def render(self, resume: Resume) -> bytes: ...


RENDERERS: dict[str, Callable[[], Renderer]] = {
    "pdf": PdfRenderer,
    "html": HtmlRenderer,
    "md": MarkdownRenderer,
    "json": JsonResumeRenderer,
}


def build_renderers(formats: Iterable[str]) -> dict[str, Renderer]:
    """One renderer per requested format, in the order asked; unknown names are a config error."""
    renderers: dict[str, Renderer] = {}
    for name in formats:
        key = name.strip().lower()
        factory = RENDERERS.get(key)
        if factory is None:
            known = ", ".join(RENDERERS)
            raise ConfigurationError(f"unknown output format {name!r}; known formats: {known}")
        if key not in renderers:
            renderers[key] = factory()
    return renderers
