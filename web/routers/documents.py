"""/documents: upload, browse and search, status, exports, the archive copy, page images, reprocess, mark
reviewed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from ingest.intake import NotFinished, accept
from ingest.intake import reprocess as reprocess_document
from report.model import Severity
from schemas.models import STATUSES, Cell, Document, Page, Table, ValidationError
from schemas.statuses import UNFINISHED, DocumentStatus
from web import page_images, records
from web.api_models import (
    DocumentDetail,
    DocumentList,
    PageStatus,
    Problem,
    Reprocessing,
    ReviewDone,
    Reviewed,
    Uploaded,
)
from web.deps import (
    ADMIN,
    ERRORS,
    NO_NUL,
    PNG,
    REFUSED,
    REVIEWER,
    Caller,
    Db,
    DocId,
    Filter,
    Svc,
    document_or_404,
    page_image_or_404,
    trail_name,
)
from web.exports import FORMATS, MEDIA_TYPES, render
from web.review import CorrectionRefused, mark_reviewed
from worker.storage import FileTooLarge

router = APIRouter(tags=["documents"])
POLL_SECONDS = 2  # Retry-After while something is queued or running
IDLE_POLL_SECONDS = 15  # Retry-After of the list when nothing is


@router.post(
    "/documents",
    status_code=202,
    response_model=Uploaded,
    dependencies=REVIEWER,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 413: {"model": Problem}},
)
def upload(
    svc: Svc,
    files: Annotated[list[UploadFile], File(min_length=1, description="scans: PDF, TIFF, PNG, JPEG")],
    response: Response,
    collection: Annotated[str | None, Query(max_length=512, pattern=NO_NUL)] = None,
):
    """Upload one or more scans. Answers 202 with the new document ids; poll the `Location`. All or
    nothing: when one file is over UPLOAD_MAX_BYTES, none is kept and the 413 names it."""
    limit = svc.settings.upload_max_bytes
    over = [f.filename or "upload" for f in files if f.size is None or f.size > limit]
    if over:
        raise HTTPException(
            413,
            {
                "message": f"over the upload limit of {limit} bytes: {', '.join(over)}; "
                f"none of the {len(files)} files was kept",
                "too_large": over,
                "kept": [],
            },
        )
    ids: list[int] = []
    for f in files:
        try:
            doc = accept(
                f.file,
                f.filename or "upload",
                "http",
                storage=svc.storage,
                Session=svc.Session,
                queue=svc.queue,
                collection=collection or None,
                max_bytes=limit,
            )
        except FileTooLarge as e:  # the spooled file grew after it was measured: nothing to keep of it
            raise HTTPException(413, {"message": str(e), "kept": ids}) from None
        ids.append(doc.id)
    response.headers["Location"] = (
        f"/documents/{ids[0]}" if len(ids) == 1 else "/documents?ids=" + ",".join(map(str, ids))
    )
    return {"ids": ids, "status_urls": [f"/documents/{i}" for i in ids]}


@router.get("/documents", response_model=DocumentList)
def list_documents(
    s: Db,
    f: Filter,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
):
    """Documents matching the filters, newest first, with the number in each status. `Retry-After`
    says when polling again is worth it."""
    docs = s.scalars(records.find_documents(f).limit(limit).offset(offset)).all()
    total = s.scalar(select(func.count()).select_from(records.find_documents(f).order_by(None).subquery()))
    counts = records.count_by_status(s, f)
    errors = _issue_counts(s, [d.id for d in docs])
    busy = s.scalar(select(func.count()).where(Document.status.in_(UNFINISHED)))
    response.headers["Retry-After"] = str(POLL_SECONDS if busy else IDLE_POLL_SECONDS)
    return {
        "documents": [_summary(d, errors.get(d.id, (0, 0))) for d in docs],
        "total": total,
        "counts": {st: counts.get(st, 0) for st in STATUSES},
        "limit": limit,
        "offset": offset,
    }


@router.get("/documents/{doc_id}", response_model=DocumentDetail, responses=ERRORS)
def document_status(s: Db, doc_id: DocId, response: Response):
    """Status, pages done of the total, timings and error of one document, and the corrections made
    on its earlier readings beside the cells now at their places."""
    doc = document_or_404(s, doc_id)
    if doc.status in UNFINISHED:
        response.headers["Retry-After"] = str(POLL_SECONDS)
    timings: dict[str, float] = {}
    for p in doc.pages:
        for step, sec in (p.timings or {}).items():
            timings[step] = round(timings.get(step, 0.0) + sec, 3)
    return {
        **_summary(doc, _issue_counts(s, [doc.id]).get(doc.id, (0, 0))),
        "started_at": records.iso(doc.started_at),
        "timings": timings,
        "seconds_queued": _seconds(doc.queued_at or doc.created_at, doc.started_at),
        "seconds_running": _seconds(doc.started_at, doc.finished_at),
        "pages": [
            PageStatus(
                number=p.number,
                status=p.status,
                error=p.error,
                failure_reason=p.failure_reason,
                has_image=bool(p.image_path),
            )
            for p in doc.pages
        ],
        "earlier_corrections": records.earlier_corrections(s, doc),
    }


@router.get(
    "/documents/{doc_id}/export.{fmt}",
    responses={
        **ERRORS,
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "the document's tables"},
    },
)
def export(s: Db, doc_id: DocId, fmt: Annotated[str, Path(json_schema_extra={"enum": list(FORMATS)})]):
    """The document's tables as JSON (everything: pages, cells with ids and boxes, checks), CSV, XLSX
    (merged cells as merged ranges) or HTML (rowspan/colspan)."""
    if fmt not in FORMATS:  # documented as an enum; any other name is a file that does not exist
        raise HTTPException(404, f"formats: {', '.join(FORMATS)}")
    body = render(records.document_export(s, document_or_404(s, doc_id)), fmt)
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="document-{doc_id}.{fmt}"'},
    )


@router.get(
    "/documents/{doc_id}/archive.pdf",
    response_class=Response,
    responses={
        **ERRORS,
        409: {"model": Problem},
        200: {"content": {"application/pdf": {}}, "description": "a PDF/A-2b file"},
    },
)
def archive_copy(s: Db, svc: Svc, doc_id: DocId):
    """The archive copy of a finished document: its page images with an invisible text layer (page text
    and every cell's text, corrections included, at their boxes), PDF/A-2b, with its title, issuing body,
    year and the original's SHA-256. 409 while the document is under way, or when no copy can be made."""
    from worker.archive import ArchiveError, document_archive  # pikepdf and OCRmyPDF: only when asked

    try:
        body = document_archive(s, svc.storage, document_or_404(s, doc_id))
    except ArchiveError as e:
        raise HTTPException(409, str(e)) from None
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="document-{doc_id}-pdfa.pdf"'},
    )


@router.get("/documents/{doc_id}/pages/{number}.png", response_class=Response, responses={**PNG, **ERRORS})
def page_image(s: Db, svc: Svc, doc_id: DocId, number: Annotated[int, Path(ge=1, le=100_000)], overlay: bool = False):
    """The upright, deskewed page. `overlay=1` draws the recognised grid over it: cells in a failed
    check red, cells waiting for review orange, the others blue."""
    doc = document_or_404(s, doc_id)
    source = doc.duplicate_of_id or doc.id  # a duplicate shows its first copy's pages, as its export does
    page = s.scalar(select(Page).where(Page.document_id == source, Page.number == number))
    path = page_image_or_404(svc.storage, page)
    assert page is not None  # else page_image_or_404 said 404
    if not overlay:
        return FileResponse(path, media_type="image/png")
    cells = [
        (c.id, [int(v) for v in c.bbox], c.needs_review)
        for c in s.scalars(select(Cell).join(Table).where(Table.page_id == page.id))
    ]
    return Response(page_images.draw_grid(path, cells, _failing_cells(s, source)), media_type="image/png")


@router.post(
    "/documents/{doc_id}/reprocess",
    status_code=202,
    response_model=Reprocessing,
    dependencies=ADMIN,
    responses={**ERRORS, **REFUSED},
)
def reprocess(svc: Svc, doc_id: DocId, response: Response):
    """Recognise the document again from its original: its pages, tables, cells, checks and figures
    are cleared; the original, the attempts and the corrections are kept, and the corrections are
    re-applied to the new reading where the cell is the same (GET /documents/{id} shows them)."""
    try:
        reprocess_document(doc_id, storage=svc.storage, Session=svc.Session, queue=svc.queue)
    except LookupError:
        raise HTTPException(404, "no such document") from None
    except NotFinished as e:
        raise HTTPException(409, str(e)) from None
    response.headers["Location"] = f"/documents/{doc_id}"
    return {"id": doc_id, "status": DocumentStatus.QUEUED, "status_url": f"/documents/{doc_id}"}


@router.post(
    "/documents/{doc_id}/reviewed", response_model=Reviewed, dependencies=REVIEWER, responses={**ERRORS, **REFUSED}
)
def reviewed(svc: Svc, who: Caller, doc_id: DocId, body: ReviewDone):
    """Record that a person has checked every cell of the document: its corrections and its unchanged
    cells then count in the accuracy figures (GET /accuracy). Signed in, the reviewer is who signed in."""
    with svc.Session.begin() as s:
        try:
            doc = mark_reviewed(s, doc_id, trail_name(who, body.by))
        except LookupError:
            raise HTTPException(404, "no such document") from None
        except CorrectionRefused as e:
            raise HTTPException(409, str(e)) from None
        return {"id": doc.id, "reviewed_by": doc.reviewed_by, "reviewed_at": records.iso(doc.reviewed_at)}


def _summary(doc: Document, issues: tuple[int, int]) -> dict:
    return {
        **records.status(doc),
        "kind": doc.kind,
        "reviewed_by": doc.reviewed_by,
        "reviewed_at": records.iso(doc.reviewed_at),
        "report_year": doc.report_year,
        "issuing_body": doc.issuing_body,
        "duplicate_of_id": doc.duplicate_of_id,
        "errors": issues[0],
        "warnings": issues[1],
    }


def _seconds(start, end) -> float | None:
    return round((end - start).total_seconds(), 3) if start and end else None


def _issue_counts(s: OrmSession, doc_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(failed checks, warnings) per document."""
    rows = s.execute(
        select(ValidationError.document_id, ValidationError.severity, func.count())
        .where(ValidationError.document_id.in_(doc_ids))
        .group_by(ValidationError.document_id, ValidationError.severity)
    ).all()
    out: dict[int, list[int]] = {}
    for doc_id, severity, n in rows:
        out.setdefault(doc_id, [0, 0])[0 if severity == Severity.ERROR else 1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


def _failing_cells(s: OrmSession, doc_id: int) -> set[int]:
    """Ids of the cells that take part in a failed check of the document."""
    return {
        ref["cell_id"]
        for e in s.scalars(
            select(ValidationError).where(
                ValidationError.document_id == doc_id, ValidationError.severity == Severity.ERROR
            )
        )
        for ref in e.cell_ids or []
        if isinstance(ref, dict) and ref.get("cell_id") is not None
    }
