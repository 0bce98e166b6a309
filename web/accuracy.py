"""Accuracy measured from reviewers' corrections: every document a person has marked reviewed is a
labelled example. Its cells that a reviewer changed were read wrong; the others were confirmed.

Figures, over all reviewed documents and per collection:
  changed[kind]        share of cells of that kind (value, label, header) a reviewer changed
  changed_in_review    of the value cells changed, the share that had been sent to review
  silent_error_rate    value cells changed that had not been sent to review, over all value cells
  reliability          per confidence bucket: cells, and the share of them read right
  suggested_threshold  the lowest review threshold that would have kept the silent error rate at or
                       under TARGET_SILENT on what was reviewed (shown and explained, never applied)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.models import Cell, Correction, Document, Page, Table
from schemas.statuses import CellKind

BUCKETS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0)
TARGET_SILENT = 0.0005
KINDS = (CellKind.VALUE, CellKind.LABEL, CellKind.HEADER)


@dataclass
class ReviewedCell:
    kind: str
    confidence: float
    changed: bool  # a reviewer's last text differs from what was read
    in_review: bool  # it was in the review queue (when first corrected, or now)


@dataclass
class Bucket:
    low: float
    high: float
    cells: int
    right: float | None  # share read right


@dataclass
class Accuracy:
    documents: int = 0
    cells: int = 0
    value_cells: int = 0
    changed: dict[str, float | None] = field(default_factory=dict)
    changed_in_review: float | None = None
    silent_error_rate: float | None = None
    reliability: list[Bucket] = field(default_factory=list)
    suggested_threshold: float | None = None
    review_load_at_suggestion: float | None = None
    explanation: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _share(n: int, d: int) -> float | None:
    return round(n / d, 6) if d else None


def reviewed_cells(s: Session, collection: str | None = None) -> dict[str | None, list[ReviewedCell]]:
    """The cells of every reviewed document, by the document's collection."""
    q = (
        select(Cell, Document.collection)
        .join(Table, Cell.table_id == Table.id)
        .join(Page, Table.page_id == Page.id)
        .join(Document, Page.document_id == Document.id)
        .where(Document.reviewed_at.is_not(None))
    )
    if collection is not None:
        q = q.where(Document.collection == collection)
    rows = s.execute(q).all()
    history: dict[int, list[Correction]] = {}
    ids = [c.id for c, _ in rows]
    for k in range(0, len(ids), 500):
        for h in s.scalars(select(Correction).where(Correction.cell_id.in_(ids[k : k + 500])).order_by(Correction.id)):
            if h.cell_id is not None:
                history.setdefault(h.cell_id, []).append(h)
    out: dict[str | None, list[ReviewedCell]] = {}
    for c, coll in rows:
        hs = history.get(c.id, [])
        read = hs[0].old_text if hs else c.text
        in_review = bool(hs[0].was_in_review) if hs and hs[0].was_in_review is not None else c.needs_review
        out.setdefault(coll, []).append(ReviewedCell(c.kind, float(c.confidence), read != c.text, in_review))
    return out


def measure(cells: list[ReviewedCell], documents: int) -> Accuracy:
    a = Accuracy(documents=documents, cells=len(cells))
    values = [c for c in cells if c.kind == CellKind.VALUE]
    a.value_cells = len(values)
    a.changed = {
        k: _share(sum(c.changed for c in cells if c.kind == k), sum(c.kind == k for c in cells)) for k in KINDS
    }
    wrong = [c for c in values if c.changed]
    a.changed_in_review = _share(sum(c.in_review for c in wrong), len(wrong))
    a.silent_error_rate = _share(sum(not c.in_review for c in wrong), len(values))
    for low, high in zip(BUCKETS, BUCKETS[1:]):
        inside = [c for c in cells if low <= c.confidence < high or (high == 1.0 and c.confidence == 1.0)]
        a.reliability.append(Bucket(low, high, len(inside), _share(sum(not c.changed for c in inside), len(inside))))
    if values:
        for t in [round(0.5 + 0.01 * k, 2) for k in range(51)]:
            silent = sum(c.changed and c.confidence >= t for c in values) / len(values)
            if silent <= TARGET_SILENT:
                a.suggested_threshold = t
                a.review_load_at_suggestion = _share(sum(c.confidence < t for c in values), len(values))
                break
        if a.suggested_threshold is None:
            a.explanation = (
                f"No threshold up to 1.0 keeps wrong numbers outside review at or under "
                f"{TARGET_SILENT:.2%}: {len(wrong)} of {len(values)} value cells were changed, some "
                "read at full confidence. Review these documents in full."
            )
        else:
            a.explanation = (
                f"On {documents} reviewed documents ({len(values)} value cells, {len(wrong)} corrected), "
                f"a review threshold of {a.suggested_threshold:.2f} would have left at most "
                f"{TARGET_SILENT:.2%} of all numbers wrong and out of review, and sent "
                f"{a.review_load_at_suggestion:.1%} of the numbers to review. "
                "The threshold in use is not changed by this."
            )
    else:
        a.explanation = "No reviewed document yet: mark a document reviewed once every cell has been checked."
    return a


def accuracy(s: Session, collection: str | None = None) -> dict:
    """{"overall": Accuracy, "collections": {name: Accuracy}} over the reviewed documents."""
    by = reviewed_cells(s, collection)
    q = select(Document.collection).where(Document.reviewed_at.is_not(None))
    if collection is not None:
        q = q.where(Document.collection == collection)
    docs = s.scalars(q).all()
    every = [c for cells in by.values() for c in cells]
    return {
        "overall": measure(every, len(docs)).to_dict(),
        "collections": {
            (name or ""): measure(cells, sum(1 for d in docs if d == name)).to_dict()
            for name, cells in sorted(by.items(), key=lambda kv: kv[0] or "")
        },
    }
