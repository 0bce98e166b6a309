"""Checks made before a request's body is read: a change needs the token when one is set, and a body
larger than allowed is refused, so that nobody can fill the disk by uploading without authorisation."""
from __future__ import annotations

import json
import secrets

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}


class BodyGuard:
    """ASGI middleware: answers 401 to a change without the right bearer token, and 413 to a request that
    says (Content-Length) or turns out to be larger than max_bytes, before the application reads it."""

    def __init__(self, app, token: str | None, max_bytes: int):
        self.app, self.token, self.max_bytes = app, token, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in CHANGES:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if self.token:
            given = headers.get(b"authorization", b"")
            if not secrets.compare_digest(given, b"Bearer " + self.token.encode()):
                return await _answer(send, 401, "a valid token is needed: Authorization: Bearer <API_TOKEN>",
                                     [(b"www-authenticate", b"Bearer")])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            return await _answer(send, 400, "Content-Length is not a number")
        if declared > self.max_bytes:
            return await _answer(send, 413, f"the request is larger than {self.max_bytes} bytes")
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:          # no Content-Length, or a false one: stop reading here
                    return {"type": "http.disconnect"}
            return message

        return await self.app(scope, counted, send)


async def _answer(send, status: int, detail: str, headers: list | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
