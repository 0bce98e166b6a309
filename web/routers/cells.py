"""/cells: one cell with its correction history, its crop of the page, and a person's correction."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from sqlalchemy.orm import Session as OrmSession

from report.model import Severity
from schemas.export import ValidationErrorOut
from schemas.models import Cell
from web import page_images, records
from web.api_models import CellCorrection, CellView, Corrected, CorrectionOut
from web.deps import ERRORS, PNG, REFUSED, REVIEWER, Caller, CellId, Db, Svc, cell_or_404, page_image_or_404, trail_name
from web.exports import issue_out
from web.review import CorrectionRefused, correct_cell
from worker import persist

router = APIRouter(tags=["review"])


@router.get("/cells/{cell_id}", response_model=CellView, responses=ERRORS)
def cell(s: Db, cell_id: CellId):
    """One cell with its place, its OCR text and the history of its corrections."""
    return _cell_view(cell_or_404(s, cell_id))


@router.get("/cells/{cell_id}/image.png", response_class=Response, responses={**PNG, **ERRORS})
def cell_image(s: Db, svc: Svc, cell_id: CellId):
    """The cell cut out of its page image, for reviewing it next to its text."""
    c = cell_or_404(s, cell_id)
    path = page_image_or_404(svc.storage, c.table.page)
    return Response(page_images.crop(path, [int(v) for v in c.bbox]), media_type="image/png")


@router.patch("/cells/{cell_id}", response_model=Corrected, dependencies=REVIEWER, responses={**ERRORS, **REFUSED})
def correct(svc: Svc, who: Caller, cell_id: CellId, body: CellCorrection):
    """Correct a cell's text. Who and when are stored (signed in, who signed in), the OCR text is kept,
    and the document's checks run again: the answer holds the cell and the checks as they stand now."""
    with svc.Session.begin() as s:
        try:
            c = correct_cell(s, cell_id, body.text, trail_name(who, body.by), svc.settings.pipeline())
        except LookupError:
            raise HTTPException(404, "no such cell") from None
        except CorrectionRefused as e:
            raise HTTPException(409, str(e)) from None
        view = _cell_view(c)
        issues = _issues(s, view["document_id"])
    return {
        "cell": view,
        "validation_errors": [i for i in issues if i.severity == Severity.ERROR],
        "warnings": [i for i in issues if i.severity != Severity.ERROR],
    }


def _issues(s: OrmSession, doc_id: int) -> list[ValidationErrorOut]:
    return [issue_out(e) for e in persist.load_issues(s, doc_id)]


def _cell_view(c: Cell) -> dict:
    table = c.table
    return {
        "id": c.id,
        "document_id": table.page.document_id,
        "page": table.page.number,
        "table": table.index,
        "row": c.row,
        "col": c.col,
        "row_span": c.row_span,
        "col_span": c.col_span,
        "kind": c.kind,
        "text": c.text,
        "raw_text": c.raw_text,
        "confidence": round(c.confidence, 4),
        "needs_review": c.needs_review,
        "bbox": [int(v) for v in c.bbox],
        "corrected_by": c.corrected_by,
        "corrected_at": records.iso(c.corrected_at),
        "corrections": [
            CorrectionOut(
                id=h.id,
                old_text=h.old_text,
                new_text=h.new_text,
                corrected_by=h.corrected_by,
                corrected_at=records.iso(h.corrected_at),
                reapplied_from_id=h.reapplied_from_id,
            )
            for h in c.corrections
        ],
    }
