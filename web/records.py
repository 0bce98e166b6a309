"""Reading the record: a document's status and its export, for the CLI and the API alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import overload

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from report.model import Severity
from schemas.export import DocumentExport
from schemas.models import Cell, Correction, Document, Page, Table, ValidationError
from web.exports import build_export, figure_value
from worker import corrections, persist
from worker.document import DocumentAnalysis, logical_tables


def status(doc: Document) -> dict:
    return {
        "id": doc.id,
        "filename": doc.filename,
        "status": doc.status,
        "error": doc.error,
        "duplicate_of": doc.duplicate_of_id,
        "retake_of_id": doc.retake_of_id,
        "inbox_path": doc.inbox_path,
        "reading": doc.reading,
        "source": doc.source,
        "collection": doc.collection,
        "page_count": doc.page_count,
        "pages_done": doc.pages_done,
        "pages_failed": doc.pages_failed,
        "sha256": doc.sha256,
        "created_at": iso(doc.created_at),
        "finished_at": iso(doc.finished_at),
    }


@overload
def iso(when: datetime) -> str: ...
@overload
def iso(when: None) -> None: ...
def iso(when: datetime | None) -> str | None:
    """A stored time in ISO 8601 with its UTC offset (SQLite hands times back without one)."""
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


@dataclass
class DocumentFilter:
    """Which documents to list or export; None means any."""

    status: str | None = None
    collection: str | None = None
    year: int | None = None
    issuing_body: str | None = None  # part of the issuing body's name
    kind: str | None = None  # annual_report | budget | final_account | other
    has_errors: bool | None = None  # has a failed check (severity error)
    q: str | None = None  # part of the file name, the OCR'd page text or a cell's text
    ids: list[int] | None = None


def find_documents(f: DocumentFilter, *, by_status: bool = True) -> Select:
    """SELECT of the documents matching `f`, newest first (`by_status=False` ignores f.status)."""
    q = select(Document).order_by(Document.id.desc())
    if f.ids is not None:
        q = q.where(Document.id.in_(f.ids))
    if f.status and by_status:
        q = q.where(Document.status == f.status)
    if f.collection:
        q = q.where(Document.collection == f.collection)
    if f.year is not None:
        q = q.where(Document.report_year == f.year)
    if f.issuing_body:
        q = q.where(Document.issuing_body.icontains(f.issuing_body, autoescape=True))
    if f.kind:
        q = q.where(Document.kind == f.kind)
    if f.has_errors is not None:
        failed = exists().where(ValidationError.document_id == Document.id, ValidationError.severity == Severity.ERROR)
        q = q.where(failed if f.has_errors else ~failed)
    if f.q:
        in_text = exists().where(Page.document_id == Document.id, Page.text.icontains(f.q, autoescape=True))
        in_cell = exists().where(
            Page.document_id == Document.id,
            Table.page_id == Page.id,
            Cell.table_id == Table.id,
            Cell.text.icontains(f.q, autoescape=True),
        )
        q = q.where(Document.filename.icontains(f.q, autoescape=True) | in_text | in_cell)
    return q


def count_by_status(s: Session, f: DocumentFilter) -> dict[str, int]:
    """How many documents matching `f` (whatever its status) are in each status."""
    found = find_documents(f, by_status=False).order_by(None).subquery()
    return dict(s.execute(select(found.c.status, func.count()).group_by(found.c.status)).all())


def document_export(s: Session, doc: Document) -> DocumentExport:
    """The export of a document as the record holds it now (corrections included)."""
    source = (
        s.get_one(Document, doc.duplicate_of_id) if doc.duplicate_of_id else doc
    )  # a copy shows its first's content
    pages = persist.load_pages(s, source.id)
    issues = persist.load_issues(s, source.id)
    analysis = DocumentAnalysis(
        tables=logical_tables(pages) if pages else [],
        kind=source.kind,
        report_year=source.report_year,
        issuing_body=source.issuing_body,
        figures={f.key: figure_value(f.key, f.value) for f in source.figures},
        validation_errors=[i for i in issues if i.severity == Severity.ERROR],
        warnings=[i for i in issues if i.severity != Severity.ERROR],
    )
    meta = {
        "id": doc.id,
        "filename": doc.filename,
        "sha256": doc.sha256,
        "status": doc.status,
        "error": doc.error,
        "collection": doc.collection,
        "created_at": doc.created_at,
        "finished_at": doc.finished_at,
        "engine": doc.engine or {},
    }
    export = build_export(meta, pages, analysis)
    if source.page_count:
        export.page_count = source.page_count
    return export


def earlier_corrections(s: Session, doc: Document) -> list[dict]:
    """The corrections made on earlier readings of the document, each beside the cell now at its place
    and what became of it: `reapplied` (as correction `reapplied_as_id`), `agrees` (the new reading
    already says so), `not_reapplied` (the cell there is not the same, or there is none: a person
    should look) or `superseded` (a later correction at the same place took its place)."""
    before = corrections.earlier(s, doc)
    if not before:
        return []
    latest = {c.id for c in corrections.latest_by_place(before).values()}
    cells = corrections.reading_cells(s, doc.id)
    reapplied = dict(
        s.execute(
            select(Correction.reapplied_from_id, Correction.id).where(
                Correction.document_id == doc.id,
                Correction.reading == doc.reading,
                Correction.reapplied_from_id.is_not(None),
            )
        ).all()
    )
    out = []
    for c in before:
        cell = cells.get(corrections.place_of(c))
        if c.id in reapplied:
            outcome = "reapplied"
        elif c.id not in latest:
            outcome = "superseded"
        elif cell is not None and cell.text == c.new_text:
            outcome = "agrees"
        else:
            outcome = "not_reapplied"
        out.append(
            {
                "id": c.id,
                "reading": c.reading,
                "page": c.page,
                "table": c.table_index,
                "row": c.row,
                "col": c.col,
                "kind": c.kind,
                "row_label": c.row_label,
                "read_text": c.read_text,
                "old_text": c.old_text,
                "new_text": c.new_text,
                "corrected_by": c.corrected_by,
                "corrected_at": iso(c.corrected_at),
                "outcome": outcome,
                "reapplied_as_id": reapplied.get(c.id),
                "cell_id": cell.id if cell is not None else None,
                "cell_text": cell.text if cell is not None else None,
            }
        )
    return out
