"""What the routers depend on: the app's services, a database session, who may change things, the
bounded path parameters, and lookups that answer 404."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis import Redis
from rq import Queue
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from schemas.models import STATUSES, Cell, Document, Page
from web import records
from web.api_models import Problem
from web.auth import Identity
from worker.settings import Settings
from worker.storage import Storage


@dataclass(frozen=True)
class Services:
    """Built once by the app factory from its settings, and shared by every request."""

    settings: Settings
    Session: sessionmaker[OrmSession]
    storage: Storage
    redis: Redis
    queue: Queue


def services(request: Request) -> Services:
    return request.app.state.services


Svc = Annotated[Services, Depends(services)]


def session(svc: Svc) -> Iterator[OrmSession]:
    """A read session for one request (a change opens its own transaction, committed before answering)."""
    with svc.Session() as s:
        yield s


Db = Annotated[OrmSession, Depends(session)]

bearer = HTTPBearer(
    auto_error=False, description="a user's API token, or API_TOKEN (an admin's); a browser signs in at /login instead"
)


def caller(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Identity:
    """Who makes the request, as the Gate found (web.guard): the bearer above, or a session cookie."""
    return request.state.identity


Caller = Annotated[Identity, Depends(caller)]


def require(role: str):
    def check(who: Caller) -> Identity:
        if not who.may(role):
            raise HTTPException(403, f"this needs a {role}; you are a {who.role}")
        return who

    return Depends(check)


def trail_name(who: Identity, given: str | None) -> str:
    """The name a change is recorded under: the signed-in user's; the request's own `by` only where no
    sign-in says it (the open service, the shared API_TOKEN), and then it is needed."""
    name = who.name or (given or "").strip()
    if not name:
        raise RequestValidationError(
            [{"loc": ("body", "by"), "type": "missing", "msg": "who makes this change? Sign in, or give it as `by`"}]
        )
    return name


VIEWER, REVIEWER, ADMIN = [require("viewer")], [require("reviewer")], [require("admin")]

# Identifiers are bounded so that no request can reach the database with a number it cannot hold.
MAX_ID = 2**31 - 1
DocId = Annotated[int, Path(ge=1, le=MAX_ID)]
CellId = Annotated[int, Path(ge=1, le=MAX_ID)]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot hold NUL characters in text
PNG: dict[int | str, dict] = {200: {"content": {"image/png": {}}, "description": "a PNG image"}}
ERRORS: dict[int | str, dict] = {404: {"model": Problem}}
REFUSED: dict[int | str, dict] = {401: {"model": Problem}, 403: {"model": Problem}, 409: {"model": Problem}}


def document_filter(
    status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
    collection: Annotated[str | None, Query(max_length=512, pattern=NO_NUL)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="the report's year")] = None,
    issuing_body: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="part of the issuing body's name")
    ] = None,
    has_errors: Annotated[bool | None, Query(description="has a failed check")] = None,
    kind: Annotated[
        Literal["annual_report", "budget", "final_account", "other"] | None,
        Query(description="what the document is: an annual report or another table document"),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, pattern=NO_NUL, description="text in the file name, the OCR'd page text or a cell"),
    ] = None,
    ids: Annotated[
        str | None, Query(pattern=r"^\d{1,9}(,\d{1,9}){0,199}$", description="comma-separated document ids")
    ] = None,
) -> records.DocumentFilter:
    return records.DocumentFilter(
        status=status,
        collection=collection or None,
        year=year,
        issuing_body=issuing_body or None,
        has_errors=has_errors,
        q=q or None,
        kind=kind,
        ids=[int(i) for i in ids.split(",")] if ids else None,
    )


Filter = Annotated[records.DocumentFilter, Depends(document_filter)]


def document_or_404(s: OrmSession, doc_id: int, lock: bool = False) -> Document:
    doc = s.get(Document, doc_id, with_for_update=lock)
    if doc is None:
        raise HTTPException(404, "no such document")
    return doc


def cell_or_404(s: OrmSession, cell_id: int) -> Cell:
    c = s.get(Cell, cell_id)
    if c is None:
        raise HTTPException(404, "no such cell")
    return c


def page_image_or_404(storage: Storage, page: Page | None) -> FilePath:
    """The stored page image; 404 when the page, its image or the file is missing."""
    path = storage.path(page.image_path) if page is not None and page.image_path else None
    if path is None or not path.is_file():
        raise HTTPException(404, "no image of that page")
    return path
