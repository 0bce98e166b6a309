"""A recognised table as a grid of cells: who covers which slot, and stitching of continued tables."""

from __future__ import annotations

import dataclasses

from report.labels import similarity
from report.values import UNREADABLE, read_value
from schemas.results import CellResult, TableResult


def cell_text(cell: CellResult) -> str:
    """The cell's normalised text (or a person's correction); raw OCR output is not second-guessed."""
    return cell.text or ""


def is_label(cell: CellResult) -> bool:
    """A cell with words in it (not a number, not blank, not a not-reported mark)."""
    return read_value(cell_text(cell)).state == UNREADABLE


class Grid:
    """Index over a table's cells. A merged cell covers every slot of its span."""

    def __init__(self, cells: list[CellResult]):
        self.cells = cells
        self.slots: dict[tuple[int, int], CellResult] = {}
        for c in cells:
            for r in range(c.row, c.row + max(1, c.row_span)):
                for k in range(c.col, c.col + max(1, c.col_span)):
                    self.slots.setdefault((r, k), c)
        self.n_rows = max((r for r, _ in self.slots), default=-1) + 1
        self.n_cols = max((k for _, k in self.slots), default=-1) + 1

    def at(self, row: int, col: int) -> CellResult | None:
        return self.slots.get((row, col))

    def row_cells(self, row: int) -> list[CellResult]:
        """Cells that cover the row, left to right, each once."""
        out: list[CellResult] = []
        for k in range(self.n_cols):
            c = self.at(row, k)
            if c is not None and (not out or out[-1] is not c):
                out.append(c)
        return out

    def texts(self) -> list[str]:
        return [cell_text(c) for c in self.cells]

    def as_rows(self) -> list[list[str]]:
        """Plain text grid; a merged cell's text in its top-left slot only."""
        rows = [[""] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            rows[c.row][c.col] = cell_text(c)
        return rows


def _row_text(cells: list[CellResult], row: int) -> str:
    return "".join(cell_text(c) for c in sorted(cells, key=lambda c: c.col) if c.row == row)


def _repeated_header_rows(first: list[CellResult], part: list[CellResult]) -> int:
    """How many top rows of a continuation part repeat the first part's top rows."""
    n = 0
    while True:
        a, b = _row_text(first, n), _row_text(part, n)
        if not a or not b or read_value(b).state != UNREADABLE or similarity(a, b) < 85:
            return n
        n += 1


def _layout(parts: list[TableResult]) -> list[tuple[int, int]]:
    """(rows dropped from the top, row offset) of each part in the stitched table."""
    out, offset = [], 0
    for i, p in enumerate(parts):
        drop = _repeated_header_rows(parts[0].cells, p.cells) if i else 0
        out.append((drop, offset - drop))
        offset += max(p.n_rows, max((c.row + c.row_span for c in p.cells), default=0)) - drop
    return out


def stitch(parts: list[TableResult]) -> list[CellResult]:
    """One logical table from its parts on successive pages: rows of each part go below the previous
    part's, a header repeated at the top of a continuation is dropped. Cells are copies."""
    out = []
    for p, (drop, offset) in zip(parts, _layout(parts)):
        out += [dataclasses.replace(c, row=c.row + offset) for c in p.cells if c.row >= drop]
    return out


def stitched_origin(parts: list[TableResult], row: int) -> tuple[int, int]:
    """(part index, row in that part) of a row of the stitched table: where to mark a review."""
    layout = _layout(parts)
    for i in range(len(parts) - 1, -1, -1):
        drop, offset = layout[i]
        if row - offset >= drop:
            return i, row - offset
    return 0, row
