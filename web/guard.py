"""What is decided before a request's body is read: who sends it and whether they may (web.auth), that
a change from a signed-in browser really comes from the dashboard (CSRF), and that the body is not
larger than allowed. So nobody reads anything without auth once it is configured, and nobody can fill
the disk by uploading without it. Also the headers every answer carries."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.auth import SESSION_COOKIE, Identity

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC = {"/healthz", "/login", "/auth/login", "/ui/app.css"}  # the sign-in page and what it needs
PAGES = {"/", "/docs"}  # a browser without a session is sent to the sign-in page from these
ANYONE_MAY_POST = {"/auth/logout"}
CSRF_HEADER = "x-csrf-token"

# Only this origin's scripts, styles and images; no framing (clickjacking); no plugins; forms post here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class Gate:
    """ASGI middleware. `identify(bearer, cookie)` says who a request comes from (run in a thread: it
    reads the record): None is refused with 401, or sent to the sign-in page from a page. A change
    needs at least a reviewer; one carried by a session cookie needs the session's CSRF token and must
    not come from another site. A body larger than max_bytes is refused with 413, before it is read if
    Content-Length says so, else as soon as it turns out so; nothing of such a request is kept."""

    def __init__(self, app: ASGIApp, identify: Callable[[str | None, str | None], Identity | None], max_bytes: int):
        self.app, self.identify, self.max_bytes = app, identify, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method, headers = scope["path"], scope["method"], Headers(scope=scope)
        if path not in PUBLIC:
            identity = await run_in_threadpool(self.identify, _bearer(headers), _cookie(headers))
            if identity is None:
                if method == "GET" and path in PAGES:
                    return await _redirect(send, "/login?next=" + quote(path))
                return await answer(
                    send, 401, "sign in, or send Authorization: Bearer <token>", [(b"www-authenticate", b"Bearer")]
                )
            scope.setdefault("state", {})["identity"] = identity
            if method in CHANGES:
                refused = _may_not_change(identity, headers, path)
                if refused:
                    return await answer(send, 403, refused)
        elif method in CHANGES and not same_site(headers):
            return await answer(send, 403, "a cross-site request is refused")
        return await self._limited(scope, receive, send, headers)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        try:
            declared = int(headers.get("content-length") or 0)
        except ValueError:
            return await answer(send, 400, "Content-Length is not a number")
        if declared > self.max_bytes:
            return await answer(send, 413, f"the request is larger than {self.max_bytes} bytes; nothing was kept")
        seen, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not over:  # no Content-Length, or a false one: stop here
                    over = True
                    if not started:
                        await answer(
                            send, 413, f"the request is larger than {self.max_bytes} bytes; nothing of it was kept"
                        )
                    return {"type": "http.disconnect"}
            return message

        async def sent(message: Message) -> None:
            nonlocal started
            if over:
                return  # answered already: what the app makes of the cut-off body is dropped
            started = True
            await send(message)

        await self.app(scope, counted, sent)


def _may_not_change(identity: Identity, headers: Headers, path: str) -> str | None:
    """Why this identity may not make this change, or None."""
    if identity.via == "session":
        given = headers.get(CSRF_HEADER, "")
        if (
            not same_site(headers)
            or not identity.csrf_token
            or not secrets.compare_digest(given.encode(), identity.csrf_token.encode())
        ):
            return "a change needs the X-CSRF-Token of the session, from this site"
    if path not in ANYONE_MAY_POST and not identity.may("reviewer"):
        return f"a {identity.role} may look, not change"
    return None


def same_site(headers: Headers) -> bool:
    """False when the browser says the request comes from another site (Sec-Fetch-Site, Origin)."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    return origin is None or urlsplit(origin).netloc == headers.get("host", "")


def _bearer(headers: Headers) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _cookie(headers: Headers) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value or None
    return None


async def answer(send: Send, status: int, detail: str, headers: list | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", location.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


class SecurityHeaders:
    """ASGI middleware: every answer carries the CSP, no framing, nosniff, and no referrer to other sites
    (same-origin, not no-referrer: with no-referrer a browser sends its own form posts as Origin: null)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *[(k, v) for k, v in SECURITY_HEADERS if k not in present],
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
