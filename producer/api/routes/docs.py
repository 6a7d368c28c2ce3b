"""/docs: the OpenAPI document as a page rendered here, so it works offline (no CDN assets)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from producer.api.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    spec: dict[str, Any] = request.app.openapi()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                f"{p['name']} ({p['in']}{', required' if p.get('required') else ''})"
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "body": ", ".join(body),
                    "responses": ", ".join(op.get("responses", {})),
                }
            )
    # The example names the address this page was reached at, not a port the server may not use.
    return render(
        request,
        "docs.html",
        {"operations": operations, "title": spec["info"]["title"], "base": str(request.base_url)},
    )
