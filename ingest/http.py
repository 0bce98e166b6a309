"""The HTTP API and the dashboard: upload, browse, status, exports, page images, review and corrections,
re-processing, health and metrics. `tablescan serve` runs it with uvicorn; OpenAPI at /docs.

The dashboard is plain HTML, CSS and JavaScript in ingest/dashboard/, served at / and /ui/.
"""

import logging
import secrets
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, File, HTTPException, Path, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from redis import Redis
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as OrmSession

from ingest import metrics, page_images
from ingest.api_models import (AccuracyReport, Reviewed, ReviewDone, CellCorrection, CellView, Corrected, CorrectionOut, DocumentDetail, DocumentList,
                               PageStatus, Problem, Reprocessing, ReviewQueue, Uploaded)
from ingest.guard import BodyGuard
from ingest.intake import NotFinished, accept
from ingest.intake import reprocess as reprocess_document
from schemas.database import sessions
from schemas.export import ValidationErrorOut
from schemas.models import STATUSES, Cell, Document, Page, Table, ValidationError
from tablescan import records
from tablescan.archive import ArchiveError
from tablescan.exports import FORMATS, MEDIA_TYPES, batch_table, render, render_batch
from tablescan.accuracy import accuracy
from tablescan.review import CorrectionRefused, correct_cell, mark_reviewed, review_queue
from tablescan.settings import Settings, load
from tablescan.storage import FileTooLarge, Storage
from worker.jobs import queue_for

log = logging.getLogger(__name__)
DASHBOARD = FilePath(__file__).with_name("dashboard")
POLL_SECONDS = 2          # Retry-After while something is queued or running
IDLE_POLL_SECONDS = 15    # Retry-After of the list when nothing is
UNFINISHED = ("queued", "running")

# Identifiers are bounded so that no request can reach the database with a number it cannot hold.
MAX_ID = 2**31 - 1
DocId = Annotated[int, Path(ge=1, le=MAX_ID)]
CellId = Annotated[int, Path(ge=1, le=MAX_ID)]
NO_NUL = r"^[^\x00]*$"    # PostgreSQL cannot hold NUL characters in text
PNG = {200: {"content": {"image/png": {}}, "description": "a PNG image"}}
ERRORS = {404: {"model": Problem}}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load()
    Session = sessions(settings.database_url)
    storage = Storage(settings.storage_root)
    redis = Redis.from_url(settings.redis_url)
    queue = queue_for(settings, redis)
    app = FastAPI(title="tablescan", version="0.1.0",
                  description="Scanned reports with ruled tables in; checked table data out. "
                              "The dashboard is at [/](/).")
    bearer = HTTPBearer(auto_error=False, description="needed for uploads and changes when API_TOKEN is set")
    app.add_middleware(BodyGuard, token=settings.api_token, max_bytes=settings.request_max_bytes)

    def authorised(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        if not settings.api_token:
            return
        given = credentials.credentials if credentials else ""
        if not secrets.compare_digest(given.encode(), settings.api_token.encode()):
            raise HTTPException(401, "a valid token is needed: Authorization: Bearer <API_TOKEN>",
                                headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Exception)
    async def hide_internals(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"detail": "internal error; see the server log"}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        """Say which parameter is wrong and why, without echoing the input back (it may be a file)."""
        return JSONResponse({"detail": [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""),
                                         "type": e.get("type", "")} for e in exc.errors()]}, status_code=422)

    # -- documents ----------------------------------------------------------------------------------------

    @app.post("/documents", status_code=202, response_model=Uploaded, dependencies=[Depends(authorised)],
              responses={401: {"model": Problem}, 413: {"model": Problem}})
    def upload(files: Annotated[list[UploadFile], File(min_length=1, description="scans: PDF, TIFF, PNG, JPEG")],
               response: Response,
               collection: Annotated[str | None, Query(max_length=512, pattern=NO_NUL)] = None):
        """Upload one or more scans. Answers 202 with the new document ids; poll the `Location`."""
        ids = []
        for f in files:
            try:
                doc = accept(f.file, f.filename or "upload", "http", storage=storage, Session=Session,
                             queue=queue, collection=collection or None, max_bytes=settings.upload_max_bytes)
            except FileTooLarge as e:
                raise HTTPException(413, str(e)) from None
            ids.append(doc.id)
        response.headers["Location"] = f"/documents/{ids[0]}" if len(ids) == 1 else \
            "/documents?ids=" + ",".join(map(str, ids))
        return {"ids": ids, "status_urls": [f"/documents/{i}" for i in ids]}

    def document_filter(
            status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
            collection: Annotated[str | None, Query(max_length=512, pattern=NO_NUL)] = None,
            year: Annotated[int | None, Query(ge=1900, le=2200, description="the report's year")] = None,
            issuing_body: Annotated[str | None, Query(max_length=200, pattern=NO_NUL,
                                                      description="part of the issuing body's name")] = None,
            has_errors: Annotated[bool | None, Query(description="has a failed check")] = None,
            kind: Annotated[Literal["annual_report", "budget", "final_account", "other"] | None,
                            Query(description="what the document is: an annual report or another table document")
                            ] = None,
            q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL,
                                           description="text in the file name, the OCR'd page text or a cell")] = None,
            ids: Annotated[str | None, Query(pattern=r"^\d{1,9}(,\d{1,9}){0,199}$",
                                             description="comma-separated document ids")] = None,
    ) -> records.DocumentFilter:
        return records.DocumentFilter(status=status, collection=collection or None, year=year,
                                      issuing_body=issuing_body or None, has_errors=has_errors, q=q or None, kind=kind,
                                      ids=[int(i) for i in ids.split(",")] if ids else None)

    Filter = Annotated[records.DocumentFilter, Depends(document_filter)]

    @app.get("/documents", response_model=DocumentList)
    def list_documents(f: Filter, response: Response,
                       limit: Annotated[int, Query(ge=1, le=500)] = 50,
                       offset: Annotated[int, Query(ge=0, le=10**9)] = 0):
        """Documents matching the filters, newest first, with the number in each status. `Retry-After`
        says when polling again is worth it."""
        with Session() as s:
            docs = s.scalars(records.find_documents(f).limit(limit).offset(offset)).all()
            total = s.scalar(select(func.count()).select_from(records.find_documents(f).order_by(None).subquery()))
            counts = records.count_by_status(s, f)
            errors = _issue_counts(s, [d.id for d in docs])
            busy = s.scalar(select(func.count()).where(Document.status.in_(UNFINISHED)))
            listed = [_summary(d, errors.get(d.id, (0, 0))) for d in docs]
        response.headers["Retry-After"] = str(POLL_SECONDS if busy else IDLE_POLL_SECONDS)
        return {"documents": listed, "total": total, "counts": {st: counts.get(st, 0) for st in STATUSES},
                "limit": limit, "offset": offset}

    @app.get("/documents/{doc_id}", response_model=DocumentDetail, responses=ERRORS)
    def document_status(doc_id: DocId, response: Response):
        """Status, pages done of the total, timings and error of one document, and the corrections made
        on its earlier readings beside the cells now at their places."""
        with Session() as s:
            doc = _document(s, doc_id)
            if doc.status in UNFINISHED:
                response.headers["Retry-After"] = str(POLL_SECONDS)
            timings: dict[str, float] = {}
            for p in doc.pages:
                for step, sec in (p.timings or {}).items():
                    timings[step] = round(timings.get(step, 0.0) + sec, 3)
            return {**_summary(doc, _issue_counts(s, [doc.id]).get(doc.id, (0, 0))),
                    "started_at": records.iso(doc.started_at), "timings": timings,
                    "seconds_queued": _seconds(doc.created_at, doc.started_at),
                    "seconds_running": _seconds(doc.started_at, doc.finished_at),
                    "pages": [PageStatus(number=p.number, status=p.status, error=p.error,
                                         has_image=bool(p.image_path)) for p in doc.pages],
                    "earlier_corrections": records.earlier_corrections(s, doc)}

    @app.get("/documents/{doc_id}/export.{fmt}", responses={**ERRORS, 200: {"content": {
        t: {} for t in MEDIA_TYPES.values()}, "description": "the document's tables"}})
    def export(doc_id: DocId, fmt: Annotated[str, Path(json_schema_extra={"enum": list(FORMATS)})]):
        """The document's tables as JSON (everything: pages, cells with ids and boxes, checks), CSV, XLSX
        (merged cells as merged ranges) or HTML (rowspan/colspan)."""
        if fmt not in FORMATS:   # documented as an enum; any other name is a file that does not exist
            raise HTTPException(404, f"formats: {', '.join(FORMATS)}")
        with Session() as s:
            body = render(records.document_export(s, _document(s, doc_id)), fmt)
        return Response(body, media_type=MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="document-{doc_id}.{fmt}"'})

    @app.get("/documents/{doc_id}/archive.pdf", response_class=Response,
             responses={**ERRORS, 409: {"model": Problem},
                        200: {"content": {"application/pdf": {}}, "description": "a PDF/A-2b file"}})
    def archive_copy(doc_id: DocId):
        """The archive copy of a finished document: its page images with an invisible text layer (page text
        and every cell's text, corrections included, at their boxes), PDF/A-2b, with its title, issuing body,
        year and the original's SHA-256. 409 while the document is under way, or when no copy can be made."""
        with Session() as s:
            try:
                body = records.document_archive(s, storage, _document(s, doc_id))
            except ArchiveError as e:
                raise HTTPException(409, str(e)) from None
        return Response(body, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="document-{doc_id}-pdfa.pdf"'})

    @app.get("/documents/{doc_id}/pages/{number}.png", response_class=Response, responses={**PNG, **ERRORS})
    def page_image(doc_id: DocId, number: Annotated[int, Path(ge=1, le=100_000)], overlay: bool = False):
        """The upright, deskewed page. `overlay=1` draws the recognised grid over it: cells in a failed
        check red, cells waiting for review orange, the others blue."""
        with Session() as s:
            doc = _document(s, doc_id)
            source = doc.duplicate_of_id or doc.id   # a duplicate shows its first copy's pages, as its export does
            page = s.scalar(select(Page).where(Page.document_id == source, Page.number == number))
            path = _image(storage, page)
            if not overlay:
                return FileResponse(path, media_type="image/png")
            cells = [(c.id, [int(v) for v in c.bbox], c.needs_review)
                     for c in s.scalars(select(Cell).join(Table).where(Table.page_id == page.id))]
            failing = _failing_cells(s, source)
        return Response(page_images.draw_grid(path, cells, failing), media_type="image/png")

    @app.post("/documents/{doc_id}/reprocess", status_code=202, response_model=Reprocessing,
              dependencies=[Depends(authorised)], responses={**ERRORS, 401: {"model": Problem},
                                                             409: {"model": Problem}})
    def reprocess(doc_id: DocId, response: Response):
        """Recognise the document again from its original: its pages, tables, cells, checks and figures
        are cleared; the original, the attempts and the corrections are kept, and the corrections are
        re-applied to the new reading where the cell is the same (GET /documents/{id} shows them)."""
        try:
            reprocess_document(doc_id, storage=storage, Session=Session, queue=queue)
        except LookupError:
            raise HTTPException(404, "no such document") from None
        except NotFinished as e:
            raise HTTPException(409, str(e)) from None
        response.headers["Location"] = f"/documents/{doc_id}"
        return {"id": doc_id, "status": "queued", "status_url": f"/documents/{doc_id}"}

    # -- review and corrections ---------------------------------------------------------------------------

    @app.get("/review", response_model=ReviewQueue)
    def review(document_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100):
        """Cells waiting for a person, those in a failed check first, then uncertain, then least confident."""
        with Session() as s:
            return {"cells": review_queue(s, document_id, limit)}

    @app.get("/cells/{cell_id}", response_model=CellView, responses=ERRORS)
    def cell(cell_id: CellId):
        """One cell with its place, its OCR text and the history of its corrections."""
        with Session() as s:
            return _cell_view(s, _cell(s, cell_id))

    @app.get("/cells/{cell_id}/image.png", response_class=Response, responses={**PNG, **ERRORS})
    def cell_image(cell_id: CellId):
        """The cell cut out of its page image, for reviewing it next to its text."""
        with Session() as s:
            c = _cell(s, cell_id)
            path = _image(storage, c.table.page)
            bbox = [int(v) for v in c.bbox]
        return Response(page_images.crop(path, bbox), media_type="image/png")

    @app.patch("/cells/{cell_id}", response_model=Corrected, dependencies=[Depends(authorised)],
               responses={**ERRORS, 401: {"model": Problem}, 409: {"model": Problem}})
    def correct(cell_id: CellId, body: CellCorrection):
        """Correct a cell's text. Who and when are stored, the OCR text is kept, and the document's checks
        run again: the answer holds the cell and the checks as they stand now."""
        with Session.begin() as s:
            try:
                c = correct_cell(s, cell_id, body.text, body.by, settings.pipeline())
            except LookupError:
                raise HTTPException(404, "no such cell") from None
            except CorrectionRefused as e:
                raise HTTPException(409, str(e)) from None
            view = _cell_view(s, c)
            issues = _issues(s, view["document_id"])
        return {"cell": view, "validation_errors": [i for i in issues if i.severity == "error"],
                "warnings": [i for i in issues if i.severity != "error"]}

    @app.post("/documents/{doc_id}/reviewed", response_model=Reviewed, dependencies=[Depends(authorised)],
              responses={**ERRORS, 401: {"model": Problem}, 409: {"model": Problem}})
    def reviewed(doc_id: DocId, body: ReviewDone):
        """Record that a person has checked every cell of the document: its corrections and its unchanged
        cells then count in the accuracy figures (GET /accuracy)."""
        with Session.begin() as s:
            try:
                doc = mark_reviewed(s, doc_id, body.by)
            except LookupError:
                raise HTTPException(404, "no such document") from None
            except CorrectionRefused as e:
                raise HTTPException(409, str(e)) from None
            return {"id": doc.id, "reviewed_by": doc.reviewed_by, "reviewed_at": records.iso(doc.reviewed_at)}

    @app.get("/accuracy", response_model=AccuracyReport)
    def accuracy_report(collection: Annotated[str | None, Query(max_length=512, pattern=NO_NUL)] = None):
        """Accuracy measured from reviewers' corrections, over every reviewed document and per collection:
        cells changed by kind, the share of wrong numbers that had been sent to review, the silent error
        rate, a reliability table (confidence against the share read right) and a suggested review
        threshold, explained and never applied."""
        with Session() as s:
            return accuracy(s, collection)

    # -- batch export and operations ------------------------------------------------------------------------

    @app.get("/exports/reports.{fmt}", responses={404: {"model": Problem}, 200: {"content": {
        MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}, "description": "one row per report"}})
    def batch_export(f: Filter, fmt: Annotated[str, Path(json_schema_extra={"enum": ["csv", "xlsx"]})]):
        """The records office's table: one row per report matching the filters (those of GET /documents),
        every named figure a column; in XLSX the figures of failed checks are shaded."""
        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404, "formats: csv, xlsx")
        with Session() as s:
            body = render_batch(*batch_table(s, s.scalars(records.find_documents(f)).all()), fmt)
        return Response(body, media_type=MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="reports.{fmt}"'})

    @app.get("/healthz")
    def healthz():
        """Whether the database and Redis answer, and how many workers are registered."""
        health = {"database": "ok", "redis": "ok", "workers": 0}
        try:
            with Session() as s:
                s.execute(text("SELECT 1"))
        except Exception:
            health["database"] = "unreachable"
        try:
            from rq import Worker
            health["workers"] = len(Worker.all(connection=redis))
        except Exception:
            health["redis"] = "unreachable"
        ok = health["database"] == "ok" and health["redis"] == "ok"
        return JSONResponse(health, status_code=200 if ok else 503)

    @app.get("/metrics", response_class=Response,
             responses={200: {"content": {metrics.CONTENT_TYPE: {}}, "description": "Prometheus text format"}})
    def prometheus():
        """Queue depth, workers busy, documents by status, pages per minute and job durations."""
        with Session() as s:
            body = metrics.render(s, queue)
        return Response(body, media_type=metrics.CONTENT_TYPE)

    # -- the dashboard ----------------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def dashboard():
        return FileResponse(DASHBOARD / "index.html", media_type="text/html")

    app.mount("/ui", StaticFiles(directory=DASHBOARD), name="ui")

    return app


def _document(s: OrmSession, doc_id: int, lock: bool = False) -> Document:
    doc = s.get(Document, doc_id, with_for_update=lock)
    if doc is None:
        raise HTTPException(404, "no such document")
    return doc


def _cell(s: OrmSession, cell_id: int) -> Cell:
    c = s.get(Cell, cell_id)
    if c is None:
        raise HTTPException(404, "no such cell")
    return c


def _image(storage: Storage, page: Page | None) -> FilePath:
    """The stored page image; 404 when the page, its image or the file is missing."""
    path = storage.path(page.image_path) if page is not None and page.image_path else None
    if path is None or not path.is_file():
        raise HTTPException(404, "no image of that page")
    return path


def _summary(doc: Document, issues: tuple[int, int]) -> dict:
    return {**records.status(doc), "kind": doc.kind, "reviewed_by": doc.reviewed_by,
            "reviewed_at": records.iso(doc.reviewed_at), "report_year": doc.report_year, "issuing_body": doc.issuing_body,
            "duplicate_of_id": doc.duplicate_of_id, "errors": issues[0], "warnings": issues[1]}


def _seconds(start, end) -> float | None:
    return round((end - start).total_seconds(), 3) if start and end else None


def _issue_counts(s: OrmSession, doc_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(failed checks, warnings) per document."""
    rows = s.execute(select(ValidationError.document_id, ValidationError.severity, func.count())
                     .where(ValidationError.document_id.in_(doc_ids))
                     .group_by(ValidationError.document_id, ValidationError.severity)).all()
    out: dict[int, list[int]] = {}
    for doc_id, severity, n in rows:
        out.setdefault(doc_id, [0, 0])[0 if severity == "error" else 1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


def _issues(s: OrmSession, doc_id: int) -> list[ValidationErrorOut]:
    return [ValidationErrorOut(rule=e.rule, severity=e.severity, status=e.status, message=e.message,
                               message_en=e.message_en, expected=e.expected, found=e.found, cells=e.cell_ids or [])
            for e in s.scalars(select(ValidationError).where(ValidationError.document_id == doc_id)
                               .order_by(ValidationError.id))]


def _failing_cells(s: OrmSession, doc_id: int) -> set[int]:
    """Ids of the cells that take part in a failed check of the document."""
    return {ref["cell_id"] for e in s.scalars(select(ValidationError).where(
                ValidationError.document_id == doc_id, ValidationError.severity == "error"))
            for ref in e.cell_ids or [] if isinstance(ref, dict) and ref.get("cell_id") is not None}


def _cell_view(s: OrmSession, c: Cell) -> dict:
    table = c.table
    return {"id": c.id, "document_id": table.page.document_id, "page": table.page.number, "table": table.index,
            "row": c.row, "col": c.col, "row_span": c.row_span, "col_span": c.col_span, "kind": c.kind,
            "text": c.text, "raw_text": c.raw_text, "confidence": round(c.confidence, 4),
            "needs_review": c.needs_review, "bbox": [int(v) for v in c.bbox], "corrected_by": c.corrected_by,
            "corrected_at": records.iso(c.corrected_at),
            "corrections": [CorrectionOut(id=h.id, old_text=h.old_text, new_text=h.new_text,
                                          corrected_by=h.corrected_by, corrected_at=records.iso(h.corrected_at),
                                          reapplied_from_id=h.reapplied_from_id) for h in c.corrections]}
