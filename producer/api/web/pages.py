"""The web page's routes: sign in with an API key, upload, batch list with progress, report, cancel, delete."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from producer.api.deps import SESSION_COOKIE, ServiceDep, same_origin, session_institution
from producer.api.errors import classify
from producer.api.upload import accept_upload
from producer.api.web.render import HERE, render
from producer.service import batches, rows, sessions
from producer.service.context import Service
from shared.api_settings import ApiSettings
from shared.errors import CohortcvError
from shared.options import FORMATS

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 500


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _signed_in(request: Request, svc: Service) -> str | None:
    return session_institution(request, svc)


def _to_signin() -> RedirectResponse:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _cross_site(request: Request) -> Response | None:
    if same_origin(request):
        return None
    return Response("cross-site request refused", status_code=403, media_type="text/plain")


def client_address(request: Request, api: ApiSettings) -> str:
    """Who is signing in: the peer, or behind a trusted proxy the client it forwarded for."""
    peer = request.client.host if request.client else "-"
    if peer in api.trusted_proxies:
        # The proxy appends the address it saw last; earlier entries are the client's to forge.
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return peer


@router.get("/")
def home(request: Request, svc: ServiceDep) -> Response:
    return RedirectResponse("/batches" if _signed_in(request, svc) else "/signin", status_code=303)


@router.get("/signin")
def signin_form(request: Request) -> Response:
    return render(request, "signin.html", {})


def _sign_in(request: Request, svc: Service, key: str) -> Response:
    api = svc.settings.api
    address = client_address(request, api)
    window = timedelta(seconds=api.signin_window_s)
    # Checked before the key, so that an address over the limit learns nothing from its tries.
    wait = sessions.retry_after(svc, address, api.signin_max_failures, window)
    if wait is not None:
        throttled = render(
            request, "signin.html", {"throttled": math.ceil(wait / 60)}, status_code=429
        )
        throttled.headers["Retry-After"] = str(wait)
        return throttled
    new = sessions.start(svc, key, timedelta(hours=api.session_hours)) if key else None
    if new is None:
        sessions.record_failure(svc, address, window)
        return render(request, "signin.html", {"error": True}, status_code=401)
    if old := request.cookies.get(SESSION_COOKIE):
        sessions.end(svc, old)
    response = RedirectResponse("/batches", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, new.session_id, max_age=api.session_hours * 3600, httponly=True,
        samesite="strict", secure=api.secure_cookies, path="/",
    )  # fmt: skip
    return response


@router.post("/signin")
async def signin(request: Request, svc: ServiceDep) -> Response:
    if (refused := _cross_site(request)) is not None:
        return refused
    form = await request.form(max_files=0, max_fields=4)
    key = str(form.get("key") or "").strip()
    return await run_in_threadpool(_sign_in, request, svc, key)


@router.post("/signout")
def signout(request: Request, svc: ServiceDep) -> Response:
    if session_id := request.cookies.get(SESSION_COOKIE):
        sessions.end(svc, session_id)
    return _to_signin()


def _list_context(svc: Service, institution: str) -> dict[str, Any]:
    page = batches.list_batches(svc, institution, limit=50)
    return {
        "batches": [b.model_dump(mode="json") for b in page.data],
        "formats": FORMATS,
        "institution": institution,
    }


@router.get("/batches")
def batch_list(request: Request, svc: ServiceDep) -> Response:
    institution = _signed_in(request, svc)
    if institution is None:
        return _to_signin()
    context = _list_context(svc, institution)
    context["notice"] = (
        request.query_params.get("notice")
        if request.query_params.get("notice") in ("deleted", "cancelled")
        else None
    )
    return render(request, "batches.html", context)


@router.post("/batches/upload")
async def upload(request: Request, svc: ServiceDep) -> Response:
    institution = await run_in_threadpool(_signed_in, request, svc)
    if institution is None:
        return _to_signin()
    if (refused := _cross_site(request)) is not None:
        return refused
    try:
        obj, _ = await accept_upload(request, svc, institution)
    except CohortcvError as exc:
        status, _code, message = classify(exc)
        context = await run_in_threadpool(_list_context, svc, institution)
        context["error"] = message
        return render(request, "batches.html", context, status_code=status)
    return RedirectResponse(f"/batches/{quote(obj.id)}", status_code=303)


@router.get("/batches/{batch_id}")
def batch_page(batch_id: str, request: Request, svc: ServiceDep) -> Response:
    institution = _signed_in(request, svc)
    if institution is None:
        return _to_signin()
    try:
        obj = batches.get(svc, batch_id, institution)
    except CohortcvError as exc:
        status, _code, message = classify(exc)
        return render(request, "error.html", {"message": message}, status_code=status)
    report = rows.rows(svc, batch_id, institution, limit=PAGE_ROWS)
    rejected = rows.errors(svc, batch_id, institution, limit=PAGE_ROWS)
    return render(
        request,
        "batch.html",
        {
            "b": obj.model_dump(mode="json"),
            "rows": [row.model_dump(mode="json") for row in report.data],
            "more_rows": report.has_more,
            "rejected": rejected.data,
            "formats": obj.options.get("formats", FORMATS),
        },
    )


def _change(request: Request, svc: Service, batch_id: str, action: str) -> Response:
    institution = _signed_in(request, svc)
    if institution is None:
        return _to_signin()
    if (refused := _cross_site(request)) is not None:
        return refused
    try:
        if action == "cancel":
            batches.cancel(svc, batch_id, institution)
            return RedirectResponse(f"/batches/{quote(batch_id)}", status_code=303)
        batches.delete(svc, batch_id, institution)
    except CohortcvError as exc:
        status, _code, message = classify(exc)
        return render(request, "error.html", {"message": message}, status_code=status)
    return RedirectResponse("/batches?notice=deleted", status_code=303)


@router.post("/batches/{batch_id}/cancel")
def cancel(batch_id: str, request: Request, svc: ServiceDep) -> Response:
    return _change(request, svc, batch_id, "cancel")


@router.post("/batches/{batch_id}/delete")
def delete(batch_id: str, request: Request, svc: ServiceDep) -> Response:
    return _change(request, svc, batch_id, "delete")
