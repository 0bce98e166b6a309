"""The typed results the page pipeline returns. Plain data: no images, no database."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.statuses import CellKind

BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in the upright, deskewed page's pixels


@dataclass
class CellResult:
    row: int
    col: int
    row_span: int
    col_span: int
    bbox: BBox
    kind: str = CellKind.VALUE  # CellKind
    raw_text: str = ""  # what Tesseract read
    text: str = ""  # normalised (full/half width folded, no spurious spaces)
    confidence: float = 0.0  # 0..1
    needs_review: bool = False
    id: int | None = None  # database id, when read back from the record


@dataclass
class TableResult:
    index: int  # order on its page, top to bottom
    bbox: BBox
    n_rows: int
    n_cols: int
    cells: list[CellResult] = field(default_factory=list)
    confidence: float = 0.0
    continued_from: tuple[int, int] | None = None  # (page number, table index) of the part it continues
    template: str | None = None  # which mandated table it matched, if any
    template_label: str | None = None  # the table's own text that matched the template's labels
    template_score: float | None = None  # 0..100
    inferred_xs: list[int] = field(default_factory=list)  # column separators found from the text alone (px)
    id: int | None = None


@dataclass
class Word:
    text: str  # normalised
    bbox: BBox


@dataclass
class TextLine:
    """A line of page text outside the tables, as read: its words left to right, with their boxes."""

    bbox: BBox
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class PageResult:
    number: int  # 1-based
    rotation: int = 0  # degrees clockwise applied to turn the page upright: 0, 90, 180, 270
    skew_degrees: float = 0.0  # skew found on the scan, counter-clockwise as cv2.getRotationMatrix2D turns it
    dpi: int = 300
    width: int = 0  # upright, deskewed page size in pixels
    height: int = 0
    text: str = ""  # page text outside the tables (empty in tables-only mode)
    lines: list[TextLine] = field(default_factory=list)  # the same text with word boxes, line by line
    tables: list[TableResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step
    error: str | None = None  # set when the page could not be recognised
    failure_reason: str | None = None  # why, as a code (schemas.failures.FailureReason), beside `error`
