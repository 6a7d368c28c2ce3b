"""Self-contained HTML output: one Jinja2 template with autoescape, inline CSS, no external
resources."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from shared.errors import RenderError
from shared.profile import Resume
from workers.render.view import build_view

TEMPLATES_DIR = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # One environment per process: Jinja compiles the template once and caches it.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("resume.html.j2")


def to_html(resume: Resume) -> str:
    """The resume as one HTML document."""
    return _template().render(view=build_view(resume))


class HtmlRenderer:
    """Renders `resume.html`."""

    format = "html"
    extension = "html"
    media_type = "text/html; charset=utf-8"

    def render(self, resume: Resume) -> bytes:
        try:
            return to_html(resume).encode("utf-8")
        except jinja2.TemplateError as exc:
            raise RenderError(f"html: {exc}") from exc
