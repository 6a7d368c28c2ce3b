"""Dependencies of the routes: the service, and the caller's institution (API key or web session)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from producer.api.errors import Forbidden, Unauthorized
from producer.service import sessions, tenants
from producer.service.context import Service

SESSION_COOKIE = "cohortcv_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def same_origin(request: Request) -> bool:
    """Whether a browser request comes from our own pages (Origin, else Sec-Fetch-Site)."""
    origin = request.headers.get("origin")
    if origin:
        ours = urlsplit(str(request.base_url))
        theirs = urlsplit(origin)
        return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def key_institution(request: Request, svc: Service, key: str | None) -> str:
    if not key:
        raise Unauthorized("send your API key as 'Authorization: Bearer KEY'")
    institution = tenants.institution_of(svc, key)
    if institution is None:
        raise Unauthorized("the API key is unknown or revoked")
    request.state.institution = institution
    return institution


def session_institution(request: Request, svc: Service) -> str | None:
    """The institution of the page's session cookie (a random id, never the key), else None."""
    session_id = request.cookies.get(SESSION_COOKIE)
    institution = sessions.institution_of(svc, session_id) if session_id else None
    if institution is not None:
        request.state.institution = institution
    return institution


def get_institution(request: Request, svc: ServiceDep) -> str:
    """The institution that signed the request: a Bearer key, or the page's session cookie.

    A change made with the cookie must come from our own page (the cookie is SameSite=Strict
    as well): another site cannot make a signed-in browser cancel or delete a batch.
    """
    key = _bearer(request)
    if key is not None or not request.cookies.get(SESSION_COOKIE):
        return key_institution(request, svc, key)
    if request.method not in SAFE_METHODS and not same_origin(request):
        raise Forbidden("a change with the session cookie must come from this site's page")
    institution = session_institution(request, svc)
    if institution is None:
        raise Unauthorized("the session has ended: sign in again")
    return institution


InstitutionDep = Annotated[str, Depends(get_institution)]
