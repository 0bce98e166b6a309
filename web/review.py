"""The review queue and a person's corrections. A correction keeps the OCR text, records who and when,
and re-runs the document's checks."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from report.model import CheckStatus, Severity
from schemas.models import Cell, Document, Page, Table, ValidationError, utcnow
from schemas.statuses import READ
from worker import corrections, persist
from worker.config import PipelineConfig
from worker.normalise import normalise_text


class CorrectionRefused(ValueError):
    pass


MAX_DIGITS = 15  # the most a figure keeps exactly (a float's precision)
_NUMBERISH = re.compile(r"[+-]?[\d,]*\.?\d*(?:[eE][+-]?\d+)?")
_NOT_A_NUMBER = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)


def number_problem(text: str) -> str | None:
    """Why a correction's text cannot be stored as a number, or None: NaN and infinities are no counts,
    a number in exponent form or of more than MAX_DIGITS digits cannot be kept exactly."""
    t = text.strip().replace(" ", "")
    if _NOT_A_NUMBER.fullmatch(t):
        return f"{t!r} is not a number a report can state"
    if any(ch.isdigit() for ch in t) and _NUMBERISH.fullmatch(t):
        if "e" in t.lower():
            return "write the number out in full, not in exponent form"
        if sum(ch.isdigit() for ch in t) > MAX_DIGITS:
            return f"a number of more than {MAX_DIGITS} digits cannot be kept exactly"
    return None


def correct_cell(s: Session, cell_id: int, text: str, who: str, config: PipelineConfig) -> Cell:
    """Store `text` as the cell's value, by `who`, now; re-run the checks of its document."""
    if not who.strip():
        raise CorrectionRefused("a correction needs the name of who made it")
    problem = number_problem(text)
    if problem:
        raise CorrectionRefused(problem)
    cell = s.get(Cell, cell_id)
    if cell is None:
        raise LookupError(f"no cell {cell_id}")
    doc = s.scalars(select(Document).join(Page).join(Table).where(Table.id == cell.table_id)).one()
    if doc.status not in READ:
        raise CorrectionRefused(f"document {doc.id} is {doc.status}; correct it once it has finished")
    corrections.record(s, cell, normalise_text(text), who.strip())
    persist.reanalyse(s, doc, config)
    return cell


def mark_reviewed(s: Session, document_id: int, who: str) -> Document:
    """Record that `who` has checked every cell of a finished document now: from then on its unchanged
    cells count as confirmed in the accuracy figures."""
    if not who.strip():
        raise CorrectionRefused("marking a document reviewed needs the name of who reviewed it")
    doc = s.get(Document, document_id)
    if doc is None:
        raise LookupError(f"no document {document_id}")
    if doc.status not in READ:
        raise CorrectionRefused(f"document {doc.id} is {doc.status}; review it once it has finished")
    doc.reviewed_by, doc.reviewed_at = who.strip(), utcnow()
    return doc


def review_queue(s: Session, document_id: int | None = None, limit: int = 100) -> list[dict]:
    """Cells waiting for a person, those in a failed check first, then uncertain ones, then the least
    confident."""
    issues = s.scalars(
        select(ValidationError)
        if document_id is None
        else select(ValidationError).where(ValidationError.document_id == document_id)
    ).all()
    rank: dict[int, tuple[int, list[str]]] = {}
    order: dict[str, int] = {CheckStatus.FAIL: 0, CheckStatus.STRUCTURE_ERROR: 1, CheckStatus.UNCERTAIN: 2}
    for e in issues:
        for ref in e.cell_ids or []:
            cid = ref.get("cell_id") if isinstance(ref, dict) else None
            if cid is not None:
                r, rules = rank.get(cid, (9, []))
                rank[cid] = (
                    min(r, order.get(e.status, 3) + (0 if e.severity == Severity.ERROR else 3)),
                    rules + [e.rule],
                )
    q = (
        select(Cell, Table, Page)
        .join(Table, Cell.table_id == Table.id)
        .join(Page, Table.page_id == Page.id)
        .where(Cell.needs_review.is_(True))
    )
    if document_id is not None:
        q = q.where(Page.document_id == document_id)
    rows = s.execute(q).all()
    out = [
        {
            "cell_id": c.id,
            "document_id": p.document_id,
            "page": p.number,
            "table": t.index,
            "row": c.row,
            "col": c.col,
            "kind": c.kind,
            "text": c.text,
            "raw_text": c.raw_text,
            "confidence": round(c.confidence, 3),
            "rules": rank.get(c.id, (9, []))[1],
            "_rank": rank.get(c.id, (9, []))[0],
        }
        for c, t, p in rows
    ]
    out.sort(key=lambda r: (r["_rank"], r["confidence"], r["document_id"], r["page"], r["row"], r["col"]))
    for item in out:
        del item["_rank"]
    return out[:limit]
