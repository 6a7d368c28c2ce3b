"""build_renderers turns format names into renderers and refuses unknown ones."""

from __future__ import annotations

import pytest

from shared.errors import ConfigurationError
from workers.render import RENDERERS, Renderer, build_renderers


def test_builds_each_known_format() -> None:
    renderers = build_renderers(["pdf", "html", "md", "json"])
    assert list(renderers) == ["pdf", "html", "md", "json"]
    expected = {
        "pdf": ("pdf", "application/pdf"),
        "html": ("html", "text/html; charset=utf-8"),
        "md": ("md", "text/markdown; charset=utf-8"),
        "json": ("json", "application/json"),
    }
    for name, renderer in renderers.items():
        assert renderer.format == name
        assert (renderer.extension, renderer.media_type) == expected[name]


def test_unknown_format_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="docx"):
        build_renderers(["md", "docx"])


def test_every_registered_renderer_meets_the_protocol() -> None:
    for factory in RENDERERS.values():
        renderer: Renderer = factory()
        assert callable(renderer.render)
