"""The HTTP API's request and response bodies, as the OpenAPI description at /openapi.json shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from schemas.export import ValidationErrorOut


class Uploaded(BaseModel):
    ids: list[int]
    status_urls: list[str]


class DocumentSummary(BaseModel):
    id: int
    filename: str
    status: str
    error: str | None = None
    source: str
    collection: str | None = None
    page_count: int | None = None
    pages_done: int
    pages_failed: int
    sha256: str
    kind: str | None = None  # annual_report | budget | final_account | other
    reviewed_by: str | None = None  # who checked every cell, and when
    reviewed_at: str | None = None
    report_year: int | None = None
    issuing_body: str | None = None
    duplicate_of_id: int | None = None
    retake_of_id: int | None = None  # watched folder: the failed document this changed file takes again
    inbox_path: str | None = None  # watched folder: where the file went (archive/…, failed/…)
    reading: int = 1  # 1, and one more each time the document is recognised again
    errors: int = 0  # failed checks (severity error)
    warnings: int = 0
    created_at: str | None = None
    finished_at: str | None = None


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    total: int  # documents matching the filters
    counts: dict[str, int]  # by status, over the filters other than status
    limit: int
    offset: int


class PageStatus(BaseModel):
    number: int
    status: str
    error: str | None = None
    failure_reason: str | None = None  # why the page failed, as a code (schemas.failures.FailureReason)
    has_image: bool


class EarlierCorrection(BaseModel):
    """A correction made on an earlier reading of the document, beside the cell now at its place."""

    id: int
    reading: int
    page: int
    table: int
    row: int
    col: int
    kind: str
    row_label: str | None = None  # the earlier reading's own text of the row's label
    read_text: str  # the earlier reading's own text of the cell
    old_text: str
    new_text: str
    corrected_by: str
    corrected_at: str
    outcome: Literal["reapplied", "agrees", "not_reapplied", "superseded"]
    reapplied_as_id: int | None = None  # the correction that re-applied it to this reading
    cell_id: int | None = None  # the cell at the same place in this reading, if any
    cell_text: str | None = None  # and its text now


class DocumentDetail(DocumentSummary):
    started_at: str | None = None
    timings: dict[str, float]  # seconds per recognition step, summed over the pages
    seconds_queued: float | None = None
    seconds_running: float | None = None
    pages: list[PageStatus]
    earlier_corrections: list[EarlierCorrection] = []  # from earlier readings; the trail is never cleared


class CellCorrection(BaseModel):
    # no NUL characters: PostgreSQL cannot store them in text
    text: str = Field(max_length=2000, pattern=r"^[^\x00]*$", description="the cell's value as a person reads it")
    by: str | None = Field(
        None,
        max_length=128,
        pattern=r"^[^\x00]*\S[^\x00]*$",
        description="who made the correction; signed in, the name signed in is recorded",
    )

    @field_validator("text")
    @classmethod
    def _storable(cls, text: str) -> str:
        from web.review import number_problem

        problem = number_problem(text)
        if problem:
            raise ValueError(problem)
        return text


class CorrectionOut(BaseModel):
    id: int
    old_text: str
    new_text: str
    corrected_by: str
    corrected_at: str
    reapplied_from_id: int | None = None  # an earlier reading's correction this one re-applied


class CellView(BaseModel):
    id: int
    document_id: int
    page: int
    table: int
    row: int
    col: int
    row_span: int
    col_span: int
    kind: str
    text: str
    raw_text: str  # as OCR read it; never changed by a correction
    confidence: float
    needs_review: bool
    bbox: list[int]
    corrected_by: str | None = None
    corrected_at: str | None = None
    corrections: list[CorrectionOut] = []


class Corrected(BaseModel):
    cell: CellView
    validation_errors: list[ValidationErrorOut]  # the document's checks as they stand after the re-run
    warnings: list[ValidationErrorOut]


class ReviewDone(BaseModel):
    by: str | None = Field(
        None,
        max_length=128,
        pattern=r"^[^\x00]*\S[^\x00]*$",
        description="who checked every cell; signed in, the name signed in is recorded",
    )


class Reviewed(BaseModel):
    id: int
    reviewed_by: str
    reviewed_at: str


class ReliabilityBucket(BaseModel):
    low: float
    high: float
    cells: int
    right: float | None  # share of the bucket's cells read right


class AccuracyFigures(BaseModel):
    documents: int  # reviewed documents
    cells: int
    value_cells: int
    changed: dict[str, float | None]  # share of cells a reviewer changed, by kind (value, label, header)
    changed_in_review: float | None  # of the changed value cells, the share sent to review
    silent_error_rate: float | None  # changed value cells not sent to review, over all value cells
    reliability: list[ReliabilityBucket]
    suggested_threshold: float | None  # shown, never applied
    review_load_at_suggestion: float | None
    explanation: str


class AccuracyReport(BaseModel):
    overall: AccuracyFigures
    collections: dict[str, AccuracyFigures]


class ReviewItem(BaseModel):
    cell_id: int
    document_id: int
    page: int
    table: int
    row: int
    col: int
    kind: str
    text: str
    raw_text: str
    confidence: float
    rules: list[str]  # the checks the cell takes part in


class ReviewQueue(BaseModel):
    cells: list[ReviewItem]


class Reprocessing(BaseModel):
    id: int
    status: str
    status_url: str


class Me(BaseModel):
    name: str | None  # None: the open service, or the shared API_TOKEN
    role: str  # viewer | reviewer | admin
    via: str  # open | api_token | token | session
    csrf_token: str | None = None  # a session's: send it back as X-CSRF-Token on every change
    auth: bool  # whether auth is configured


class Problem(BaseModel):
    detail: Any
