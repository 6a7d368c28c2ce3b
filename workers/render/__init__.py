"""Renderers: one Resume in, the bytes of one PDF, HTML, Markdown or JSON Resume file out."""

from workers.render.registry import RENDERERS, Renderer, build_renderers

__all__ = ["RENDERERS", "Renderer", "build_renderers"]
