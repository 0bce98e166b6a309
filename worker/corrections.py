"""A person's corrections, kept across readings of a document.

A correction is recorded with the cell's place (page, table, row, column) and what the reading itself
had there: the cell's own text and the row's label. When the document is read again, the cells go but
the corrections stay (append-only), and the finaliser re-applies each place's latest earlier correction
to the new reading's cell when that is the same cell:

* a row with a label (a label cell covers the row, other than the cell itself): the new reading has the
  same label there, as it was read or as it was corrected in the earlier reading. Label corrections are
  re-applied first, so a label corrected in both readings still matches;
* a row without one (headers, the labels themselves): the new reading read the same text there as the
  earlier one did, or already the corrected text.

A re-applied correction is a new correction on the new cell, by the same person, naming the one it
re-applies (`reapplied_from_id`). Where the new reading already says what the person said, nothing is
changed. Otherwise the earlier correction is left beside the new reading, for a person to look at.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.models import Cell, Correction, Document, Page, Table, utcnow
from schemas.statuses import CellKind

Place = tuple[int, int, int, int]  # page number, table index, row, column


def place_of(c: Correction) -> Place:
    return c.page, c.table_index, c.row, c.col


def own_text(cell: Cell) -> str:
    """What the reading itself had in the cell, before any correction."""
    return cell.corrections[0].old_text if cell.corrections else cell.text


def row_label_cell(cell: Cell, row: list[Cell]) -> Cell | None:
    """The leftmost label cell covering the cell's row, other than the cell itself."""
    labels = [c for c in row if c.kind == CellKind.LABEL and c.id != cell.id and c.row <= cell.row < c.row + c.row_span]
    return min(labels, key=lambda c: c.col, default=None)


def record(s: Session, cell: Cell, text: str, who: str, reapplied_from: int | None = None) -> Correction:
    """Store `text` as the cell's value, by `who`, now, with the cell's place and context."""
    table = cell.table
    doc = s.get_one(Document, table.page.document_id)
    label = row_label_cell(cell, table.cells)
    c = Correction(
        document_id=doc.id,
        reading=doc.reading,
        cell=cell,
        page=table.page.number,
        table_index=table.index,
        row=cell.row,
        col=cell.col,
        kind=cell.kind,
        read_text=own_text(cell),
        row_label=own_text(label) if label is not None else None,
        old_text=cell.text,
        new_text=text,
        corrected_by=who,
        was_in_review=cell.needs_review,
        reapplied_from_id=reapplied_from,
    )
    s.add(c)
    cell.text, cell.corrected_by, cell.corrected_at = text, who, utcnow()
    s.flush()
    return c


def reading_cells(s: Session, doc_id: int) -> dict[Place, Cell]:
    rows = s.execute(
        select(Cell, Table.index, Page.number)
        .join(Table, Cell.table_id == Table.id)
        .join(Page, Table.page_id == Page.id)
        .where(Page.document_id == doc_id)
    ).all()
    return {(number, index, c.row, c.col): c for c, index, number in rows}


def earlier(s: Session, doc: Document) -> list[Correction]:
    return list(
        s.scalars(
            select(Correction)
            .where(Correction.document_id == doc.id, Correction.reading < doc.reading)
            .order_by(Correction.id)
        )
    )


def latest_by_place(corrections: list[Correction]) -> dict[Place, Correction]:
    """Each place's newest correction."""
    return {place_of(c): c for c in sorted(corrections, key=lambda c: c.id)}


def label_names(c: Correction, before: list[Correction]) -> set[str | None]:
    """What the earlier reading called the correction's row: its label as read, and as corrected."""
    return {c.row_label} | {
        x.new_text
        for x in before
        if x.kind == CellKind.LABEL
        and x.reading == c.reading
        and (x.page, x.table_index) == (c.page, c.table_index)
        and x.read_text == c.row_label
    }


def reapply(s: Session, doc: Document) -> list[Correction]:
    """Re-apply the earlier readings' corrections to this reading's same cells (see the module).
    Idempotent: a correction already re-applied, or a place a person has corrected in this reading,
    is left alone. Returns the new corrections."""
    before = earlier(s, doc)
    if not before:
        return []
    cells = reading_cells(s, doc.id)
    now = s.scalars(
        select(Correction)
        .where(Correction.document_id == doc.id, Correction.reading == doc.reading)
        .order_by(Correction.id.desc())
    ).all()
    read = {cell.id: cell.text for cell in cells.values()} | {c.cell_id: c.old_text for c in now}  # own texts
    taken = {c.reapplied_from_id for c in now} | {None}
    corrected_now = {place_of(c) for c in now}
    made = []
    for c in sorted(latest_by_place(before).values(), key=lambda c: (c.kind == CellKind.VALUE, c.id)):
        cell = cells.get(place_of(c))
        if cell is None or c.id in taken or place_of(c) in corrected_now or cell.text == c.new_text:
            continue
        if c.row_label is not None:
            label = row_label_cell(cell, cell.table.cells)
            same = label is not None and bool({read[label.id], label.text} & label_names(c, before))
        else:
            same = read[cell.id] in (c.read_text, c.new_text)
        if same:
            made.append(record(s, cell, c.new_text, c.corrected_by, reapplied_from=c.id))
    return made
