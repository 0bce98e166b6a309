"""The only place that writes recognition results to the database, and reads them back as results.

Every write is idempotent: running a page job twice leaves one set of rows for that page.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from report.model import CheckStatus, Severity
from schemas.failures import FailureReason
from schemas.models import Attempt, Cell, Document, Figure, Page, Table, ValidationError, utcnow
from schemas.results import CellResult, PageResult, TableResult, TextLine, Word
from schemas.statuses import READ, UNFINISHED, AttemptOutcome, DocumentStatus, PageStatus
from worker.config import PipelineConfig
from worker.document import CellRef, DocumentAnalysis, RecordedIssue, analyse_document
from worker.failures import PageFailure


def start_document(s: Session, doc: Document, page_count: int, engine: dict) -> None:
    doc.status = DocumentStatus.RUNNING
    doc.page_count = page_count
    doc.engine = engine
    doc.started_at = doc.started_at or utcnow()
    doc.error = None


def clear_reading(s: Session, doc: Document) -> None:
    """Make ready to read the document again: its pages (with their tables and cells), checks and
    figures go; the original, the attempts and the corrections stay (the finaliser re-applies those)."""
    for model in (Figure, ValidationError, Page):  # tables and cells go with their page
        s.execute(delete(model).where(model.document_id == doc.id))
    doc.status, doc.error, doc.page_count, doc.pages_done, doc.pages_failed = DocumentStatus.QUEUED, None, None, 0, 0
    doc.kind = doc.report_year = doc.issuing_body = doc.engine = doc.started_at = doc.finished_at = None
    doc.reviewed_by = doc.reviewed_at = None  # new cells: nobody has checked them yet
    doc.queued_at = utcnow()  # the reconciler leaves it alone until its job has had time to be queued
    doc.duplicate_of_id = None
    doc.reading += 1


def pages_to_do(s: Session, doc: Document) -> list[int]:
    """Page numbers the record holds no finished page for."""
    done = set(s.scalars(select(Page.number).where(Page.document_id == doc.id, Page.status == PageStatus.DONE)))
    return [n for n in range(1, (doc.page_count or 0) + 1) if n not in done]


def fail_document(s: Session, doc: Document, reason: str) -> None:
    doc.status = DocumentStatus.FAILED
    doc.error = reason
    doc.finished_at = utcnow()
    settle_copies(s, doc)


def settle_copies(s: Session, doc: Document) -> None:
    """Copies of the same content that came in while `doc` was under way end as it ended."""
    for copy in s.scalars(select(Document).where(Document.duplicate_of_id == doc.id, Document.status.in_(UNFINISHED))):
        copy.status, copy.finished_at = doc.status, utcnow()
        copy.error = f"same content as document {doc.id}, which failed: {doc.error}" if doc.error else None


def save_page(s: Session, doc_id: int, result: PageResult, image_path: str | None) -> Page:
    """Replace whatever the record holds for this page with `result`, and recount the document's pages.

    The document row is locked first, so concurrent page jobs of one document queue here."""
    s.get(Document, doc_id, with_for_update=True)
    old = s.scalar(select(Page).where(Page.document_id == doc_id, Page.number == result.number))
    if old is not None:
        s.delete(old)
        s.flush()
    page = Page(
        document_id=doc_id,
        number=result.number,
        status=PageStatus.FAILED if result.error else PageStatus.DONE,
        error=result.error,
        failure_reason=(result.failure_reason or FailureReason.INTERNAL_ERROR) if result.error else None,
        rotation=result.rotation,
        skew_degrees=result.skew_degrees,
        dpi=result.dpi,
        width=result.width,
        height=result.height,
        text=result.text,
        text_lines=lines_record(result.lines),
        timings=result.timings,
        image_path=image_path,
    )
    for t in result.tables:
        table = Table(
            index=t.index,
            bbox=list(t.bbox),
            n_rows=t.n_rows,
            n_cols=t.n_cols,
            confidence=t.confidence,
            template=t.template,
            inferred_xs=list(t.inferred_xs),
        )
        table.cells = [
            Cell(
                row=c.row,
                col=c.col,
                row_span=c.row_span,
                col_span=c.col_span,
                kind=c.kind,
                raw_text=c.raw_text,
                text=c.text,
                confidence=c.confidence,
                bbox=list(c.bbox),
                needs_review=c.needs_review,
            )
            for c in t.cells
        ]
        page.tables.append(table)
    s.add(page)
    s.flush()
    _count_pages(s, doc_id)
    return page


def lines_record(lines: list[TextLine]) -> list[dict]:
    """Page text lines as the record keeps them (Page.text_lines)."""
    return [{"bbox": list(ln.bbox), "words": [[*w.bbox, w.text] for w in ln.words]} for ln in lines]


def lines_of(record: list[dict] | None) -> list[TextLine]:
    """Page.text_lines -> TextLines."""
    return [
        TextLine(bbox=tuple(ln["bbox"]), words=[Word(text=w[4], bbox=tuple(w[:4])) for w in ln["words"]])
        for ln in record or []
    ]


def _count_pages(s: Session, doc_id: int) -> None:
    done = s.scalars(select(func.count()).where(Page.document_id == doc_id, Page.status == PageStatus.DONE)).one()
    failed = s.scalars(select(func.count()).where(Page.document_id == doc_id, Page.status == PageStatus.FAILED)).one()
    doc = s.get_one(Document, doc_id)
    doc.pages_done, doc.pages_failed = done, failed


def load_pages(s: Session, doc_id: int) -> list[PageResult]:
    """The record's pages as PageResults (with database ids), for analysis and export."""
    pages = s.scalars(
        select(Page)
        .where(Page.document_id == doc_id)
        .order_by(Page.number)
        .options(selectinload(Page.tables).selectinload(Table.cells))
    ).all()
    key: dict[int | None, tuple[int, int]] = {t.id: (p.number, t.index) for p in pages for t in p.tables}
    return [
        PageResult(
            number=p.number,
            rotation=p.rotation,
            skew_degrees=p.skew_degrees,
            dpi=p.dpi,
            width=p.width,
            height=p.height,
            text=p.text,
            lines=lines_of(p.text_lines),
            timings=dict(p.timings or {}),
            error=p.error,
            failure_reason=p.failure_reason,
            tables=[
                TableResult(
                    index=t.index,
                    bbox=tuple(t.bbox),
                    n_rows=t.n_rows,
                    n_cols=t.n_cols,
                    confidence=t.confidence,
                    template=t.template,
                    template_label=t.template_label,
                    template_score=t.template_score,
                    inferred_xs=list(t.inferred_xs or []),
                    id=t.id,
                    continued_from=key.get(t.continued_from_id),
                    cells=[
                        CellResult(
                            row=c.row,
                            col=c.col,
                            row_span=c.row_span,
                            col_span=c.col_span,
                            bbox=tuple(c.bbox),
                            kind=c.kind,
                            raw_text=c.raw_text,
                            text=c.text,
                            confidence=1.0 if c.corrected_by else c.confidence,
                            needs_review=c.needs_review,
                            id=c.id,
                        )
                        for c in t.cells
                    ],
                )
                for t in p.tables
            ],
        )
        for p in pages
    ]


def save_analysis(s: Session, doc: Document, pages: list[PageResult], analysis: DocumentAnalysis) -> None:
    """Write what the analysis over all pages found (links, a continued part's columns renumbered in the
    first part's column system, templates, review marks, checks, figures), replacing what an earlier
    analysis wrote."""
    ids = {(p.number, t.index): t.id for p in pages for t in p.tables}
    for p in pages:
        for t in p.tables:
            row = s.get_one(Table, t.id)
            row.continued_from_id = ids.get(t.continued_from) if t.continued_from else None
            row.template, row.template_label, row.template_score = t.template, t.template_label, t.template_score
            row.n_cols = t.n_cols
            analysed = {c.id: c for c in t.cells}
            for cell in row.cells:
                c = analysed[cell.id]
                cell.col, cell.col_span, cell.needs_review = c.col, c.col_span, c.needs_review
    s.execute(delete(ValidationError).where(ValidationError.document_id == doc.id))
    s.execute(delete(Figure).where(Figure.document_id == doc.id))
    for e in analysis.validation_errors + analysis.warnings:
        s.add(
            ValidationError(
                document_id=doc.id,
                rule=e.rule,
                severity=e.severity,
                status=e.status,
                message=e.message,
                message_en=e.message_en,
                expected=e.expected,
                found=e.found,
                cell_ids=[c.to_record() for c in e.cells],
            )
        )
    for key, value in analysis.figures.items():
        ref = analysis.figure_refs.get(key, CellRef(key))
        s.add(
            Figure(
                document_id=doc.id,
                report_year=analysis.report_year,
                issuing_body=analysis.issuing_body,
                key=key,
                value=value,
                cell_id=ref.cell_id,
                confidence=ref.confidence,
            )
        )
    doc.kind, doc.report_year, doc.issuing_body = analysis.kind, analysis.report_year, analysis.issuing_body


def load_issues(s: Session, doc_id: int) -> list[RecordedIssue]:
    """The document's validation errors and warnings as the record holds them, in the order written."""
    rows = s.scalars(select(ValidationError).where(ValidationError.document_id == doc_id).order_by(ValidationError.id))
    return [
        RecordedIssue(
            rule=e.rule,
            severity=Severity(e.severity),
            status=CheckStatus(e.status),
            message=e.message,
            message_en=e.message_en or "",
            expected=e.expected,
            found=e.found,
            cells=[CellRef.from_record(ref) for ref in e.cell_ids or [] if isinstance(ref, dict)],
        )
        for e in rows
    ]


def figures_of(s: Session, issuing_body: str | None, year: int | None) -> dict[str, float | None] | None:
    """The figures of the newest finished report of `issuing_body` for `year`, if the record has one."""
    if not issuing_body or not year:
        return None
    doc = s.scalar(
        select(Document)
        .where(
            Document.issuing_body == issuing_body,
            Document.report_year == year,
            Document.status.in_(READ),
        )
        .order_by(Document.id.desc())
    )
    return {f.key: f.value for f in doc.figures} if doc else None


def reanalyse(s: Session, doc: Document, config: PipelineConfig) -> DocumentAnalysis:
    """Analyse the document as the record holds it now (corrections included) and store the result:
    the finaliser's last step, and what a correction re-runs."""
    pages = load_pages(s, doc.id)
    analysis = analyse_document(pages, config, lambda body, year: figures_of(s, body, year))
    save_analysis(s, doc, pages, analysis)
    return analysis


def settle_status(s: Session, doc: Document) -> None:
    """The final status, from the pages the record holds."""
    _count_pages(s, doc.id)
    doc.finished_at = utcnow()
    if doc.page_count and doc.pages_done == 0:
        first = s.scalar(
            select(Page.error).where(Page.document_id == doc.id, Page.error.is_not(None)).order_by(Page.number)
        )
        doc.status, doc.error = DocumentStatus.FAILED, f"no page could be read: {first or 'unknown reason'}"
        settle_copies(s, doc)
        return
    failed = doc.pages_failed or (doc.page_count or 0) > doc.pages_done + doc.pages_failed
    doc.status = DocumentStatus.DONE_WITH_ERRORS if failed else DocumentStatus.DONE
    settle_copies(s, doc)


def mark_missing_pages(s: Session, doc: Document, failure: PageFailure) -> None:
    """Pages whose job never wrote a row (its job failed for good) are recorded as failed, for `failure`."""
    have = set(s.scalars(select(Page.number).where(Page.document_id == doc.id)))
    for n in range(1, (doc.page_count or 0) + 1):
        if n not in have:
            s.add(
                Page(
                    document_id=doc.id,
                    number=n,
                    status=PageStatus.FAILED,
                    error=str(failure),
                    failure_reason=failure.code,
                    dpi=0,
                )
            )
    s.flush()


def begin_attempt(
    s: Session, doc_id: int, job_id: str, kind: str, page_number: int | None, worker: str | None
) -> Attempt:
    """Record a job run. Earlier runs of the same step still marked running died with their worker."""
    earlier = select(Attempt).where(
        Attempt.document_id == doc_id, Attempt.kind == kind, Attempt.outcome == AttemptOutcome.RUNNING
    )
    if page_number is not None:
        earlier = earlier.where(Attempt.page_number == page_number)
    for old in s.scalars(earlier):
        end_attempt(old, AttemptOutcome.ABANDONED, "the job stopped without finishing (worker killed or Redis lost)")
    a = Attempt(document_id=doc_id, job_id=job_id, kind=kind, page_number=page_number, worker=worker)
    s.add(a)
    s.flush()
    return a


def end_attempt(a: Attempt, outcome: AttemptOutcome, error: str | None = None) -> None:
    a.outcome, a.error, a.finished_at = outcome, error, utcnow()
