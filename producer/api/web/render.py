"""Rendering the page templates: autoescaped Jinja2 with the interface text of the chosen language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from producer.api.web.i18n import LANG_COOKIE, TEXT, choose, say

HERE = Path(__file__).parent
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request) -> str:
    return choose(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    lang = language(request)
    body = _env.get_template(template).render(
        {**context, "t": TEXT[lang], "lang": lang, "other_lang": "zh" if lang == "en" else "en",
         "path": request.url.path, "say": lambda message: say(str(message or ""), lang)}
    )  # fmt: skip
    response = HTMLResponse(body, status_code=status_code)
    if request.query_params.get("lang") in TEXT:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict")
    return response
