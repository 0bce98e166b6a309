"""Signing in and out of the dashboard: the sign-in page, a session cookie (httpOnly, SameSite=Strict)
and the CSRF token the dashboard keeps in memory and sends back on every change."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from web.api_models import Me
from web.auth import SESSION_COOKIE, auth_configured, sign_in, sign_out
from web.deps import Caller, Svc

router = APIRouter(tags=["auth"])
LOGIN_PAGE = Path(__file__).resolve().parents[1] / "dashboard" / "login.html"


def _local(next_: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    return next_ if next_ and next_.startswith("/") and not next_.startswith("//") and "\\" not in next_ else "/"


@router.get("/login", include_in_schema=False)
def login_page(svc: Svc, next: str | None = None, failed: bool = False):
    with svc.Session() as s:
        if not auth_configured(s, svc.settings.api_token):
            return RedirectResponse(_local(next), status_code=303)
    page = LOGIN_PAGE.read_text(encoding="utf-8").replace("{next}", html.escape(_local(next), quote=True))
    return HTMLResponse(
        page.replace('class="failed" hidden', 'class="failed"') if failed else page, status_code=401 if failed else 200
    )


@router.post("/auth/login", include_in_schema=False)
def login(
    request: Request,
    svc: Svc,
    name: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=1024)] = "/",
):
    """The sign-in form: a right name and password set the session cookie and go on to `next`."""
    with svc.Session.begin() as s:
        secret = sign_in(s, name, password, svc.settings.api_token, svc.settings.session_hours)
    if secret is None:
        return RedirectResponse(f"/login?failed=1&next={quote(_local(next))}", status_code=303)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(svc.settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/auth/logout", status_code=204, response_class=Response)
def logout(request: Request, svc: Svc):
    """End this browser's session; its cookie is of no use from now on, here or anywhere it was copied."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        with svc.Session.begin() as s:
            sign_out(s, secret)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/auth/me", response_model=Me)
def me(svc: Svc, who: Caller):
    """Who is signed in, their role, and (for a session) the CSRF token to send as X-CSRF-Token."""
    return {"name": who.name, "role": who.role, "via": who.via, "csrf_token": who.csrf_token, "auth": who.via != "open"}
