"""The JSON export of one document (pydantic); `tablescan evaluate` scores it against truth.

pages[].tables are the tables as they stand on each page; `tables` at the top level are the logical
tables, a table continued across pages stitched back into one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class CellOut(BaseModel):
    id: int | None = None
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    kind: str
    text: str  # normalised: a number canonical, with its unit and footnote mark ("-1234.56", "12.5%", "123*")
    raw_text: str
    # a value cell's number as read (report.values; None for text, a blank or a not-reported mark), its unit
    # ("percent") and its footnote mark; trust it as far as confidence / needs_review say
    value: float | None = None
    unit: str | None = None
    mark: str | None = None
    confidence: float = Field(ge=0, le=1)
    needs_review: bool = False
    bbox: list[int]  # x0, y0, x1, y1 in the upright, deskewed page's pixels


class TableOut(BaseModel):
    id: int | None = None
    index: int
    bbox: list[int]
    n_rows: int
    n_cols: int
    confidence: float
    continued_from: dict[str, int] | None = None  # {"page": n, "index": i} of the part it continues
    template: str | None = None
    cells: list[CellOut]


class WordOut(BaseModel):
    text: str
    bbox: list[int]  # in the upright, deskewed page's pixels


class LineOut(BaseModel):
    bbox: list[int]
    words: list[WordOut]


class PageOut(BaseModel):
    number: int
    status: str = "done"
    error: str | None = None
    failure_reason: str | None = None  # why the page failed, as a code (schemas.failures.FailureReason)
    rotation: int = 0
    skew_degrees: float = 0.0  # counter-clockwise, as cv2.getRotationMatrix2D turns it
    dpi: int
    width: int
    height: int
    text: str = ""
    lines: list[LineOut] = []  # the page text line by line, with word boxes
    timings: dict[str, float] = {}
    tables: list[TableOut] = []


class LogicalTableOut(BaseModel):
    """A table as a reader sees it: its parts across pages stitched, rows renumbered from 0."""

    parts: list[dict[str, int]]  # [{"page": n, "index": i}, ...]
    template: str | None = None
    n_rows: int
    n_cols: int
    cells: list[CellOut]


class ValidationErrorOut(BaseModel):
    rule: str
    severity: str
    status: str
    message: str
    message_en: str = ""
    expected: str | None = None
    found: str | None = None
    cells: list[Any] = []


class DocumentExport(BaseModel):
    id: int | None = None
    filename: str
    sha256: str
    status: str
    error: str | None = None
    page_count: int
    collection: str | None = None
    kind: str | None = None  # annual_report | budget | final_account | other
    report_year: int | None = None
    issuing_body: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    timings: dict[str, float] = {}  # seconds per step, summed over pages
    engine: dict[str, Any] = {}  # engine versions and the settings used
    pages: list[PageOut]
    tables: list[LogicalTableOut] = []
    validation_errors: list[ValidationErrorOut] = []  # severity error: the report is suspect
    warnings: list[ValidationErrorOut] = []  # text, year and cross-report checks
    figures: dict[str, float | None] = {}
