"""What needs every page of a document: tables stitched across pages, the report's named figures and its
checks. Works on recognition results (grids and text), never on images."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from report import CheckStatus, Issue, Severity, analyse_report, cross_report_checks, stitch, stitched_origin
from schemas.results import CellResult, PageResult, TableResult
from worker.config import PipelineConfig
from worker.stitch import link_continuations, stitched_tables

LastYear = Callable[[str | None, int | None], dict[str, float | None] | None]
"""The figures of an issuing body's report for a year, when the record holds one."""


@dataclass
class LogicalTable:
    parts: list[tuple[int, int]]  # (page number, table index) of each part, in order
    part_tables: list[TableResult]  # the parts themselves
    cells: list[CellResult]  # rows renumbered from 0 across the parts
    n_rows: int
    n_cols: int
    template: str | None = None

    def page_cell(self, row: int, col: int) -> tuple[tuple[int, int], CellResult] | None:
        """The page part's cell behind a stitched cell: ((page, table index), cell)."""
        i, prow = stitched_origin(self.part_tables, row)
        cell = next((c for c in self.part_tables[i].cells if c.row == prow and c.col == col), None)
        return (self.parts[i], cell) if cell else None


@dataclass
class CellRef:
    """A figure and the cell on its page it was read from (page and the rest None: not found)."""

    figure: str
    page: int | None = None
    index: int | None = None  # the table's index on its page
    row: int | None = None
    col: int | None = None
    cell_id: int | None = None  # None until the record holds the cell
    confidence: float | None = None  # the figure's confidence (figure_refs; not kept with an issue)

    def to_record(self) -> dict[str, Any]:
        """As validation_errors.cell_ids and the export hold it: {figure} or {figure, page, index, row, col,
        cell_id}."""
        if self.page is None:
            return {"figure": self.figure}
        return {
            "figure": self.figure,
            "page": self.page,
            "index": self.index,
            "row": self.row,
            "col": self.col,
            "cell_id": self.cell_id,
        }

    @classmethod
    def from_record(cls, ref: dict[str, Any]) -> CellRef:
        get = ref.get
        return cls(str(get("figure")), get("page"), get("index"), get("row"), get("col"), get("cell_id"))


@dataclass
class RecordedIssue:
    """A report Issue (report.model) as the record keeps it (validation_errors): its figures pointing at
    their cells on their pages, expected and found cut to what the record holds."""

    rule: str
    severity: Severity
    status: CheckStatus
    message: str  # Chinese
    message_en: str = ""
    expected: str | None = None
    found: str | None = None
    cells: list[CellRef] = field(default_factory=list)


@dataclass
class DocumentAnalysis:
    tables: list[LogicalTable] = field(default_factory=list)
    validation_errors: list[RecordedIssue] = field(default_factory=list)  # severity error: the report is suspect
    warnings: list[RecordedIssue] = field(default_factory=list)  # text, year and cross-report checks
    figures: dict[str, float | None] = field(default_factory=dict)
    figure_refs: dict[str, CellRef] = field(default_factory=dict)  # figure key -> where its cell stands
    kind: str | None = None  # DocumentKind (report.kind)
    report_year: int | None = None
    issuing_body: str | None = None


def logical_tables(pages: list[PageResult]) -> list[LogicalTable]:
    """Link continued tables across pages and stitch each chain of parts into one table."""
    link_continuations(pages)
    page_of = {id(t): p.number for p in pages for t in p.tables}
    out = []
    for tables in stitched_tables(pages):
        cells = stitch(tables)
        out.append(
            LogicalTable(
                parts=[(page_of[id(t)], t.index) for t in tables],
                part_tables=tables,
                cells=cells,
                n_rows=max((c.row + c.row_span for c in cells), default=0),
                n_cols=max(t.n_cols for t in tables),
                template=tables[0].template,
            )
        )
    return out


def analyse_document(
    pages: list[PageResult], config: PipelineConfig, last_year: LastYear | None = None
) -> DocumentAnalysis:
    """What needs every page: stitched tables, the report's named figures and its checks, and, when
    `last_year` finds the same body's report of the year before, the checks against it. Marks the page
    cells that a person should review (sets TableResult.template and CellResult.needs_review)."""
    for p in pages:  # start from the cells' own confidence, so a re-analysis drops stale marks
        for t in p.tables:
            for c in t.cells:
                c.needs_review = c.confidence < config.review_threshold
    tables = logical_tables(pages)
    report = analyse_report(
        [t.cells for t in tables], "\n".join(p.text for p in pages if p.text), config.review_threshold
    )
    for table, match in zip(tables, report.tables):
        table.template = match.template
        for part in table.part_tables:
            part.template, part.template_label, part.template_score = match.template, match.label, match.score
    for rc in report.review_cells:
        found = tables[rc.table].page_cell(rc.row, rc.col)
        if found:
            found[1].needs_review = True
    for table in tables:  # the stitched copies show the same review marks as the page cells
        for c in table.cells:
            found = table.page_cell(c.row, c.col)
            c.needs_review = bool(found and found[1].needs_review)
    refs = {}  # figure key -> where its cell stands on its page
    for key, src in report.sources.items():
        ref = CellRef(key, confidence=src.confidence)
        found = tables[src.table].page_cell(src.row, src.col) if src.table < len(tables) else None
        if found:
            (ref.page, ref.index), cell = found
            ref.row, ref.col, ref.cell_id = cell.row, cell.col, cell.id
        refs[key] = ref
    analysis = DocumentAnalysis(
        tables=tables,
        figures=report.figures,
        figure_refs=refs,
        kind=report.kind,
        report_year=report.year,
        issuing_body=report.issuing_body,
        validation_errors=[_issue(i, refs) for i in report.errors],
        warnings=[_issue(i, refs) for i in report.warnings],
    )
    before = last_year(report.issuing_body, report.year - 1) if last_year and report.year else None
    if before:
        analysis.warnings += [_issue(i, refs) for i in cross_report_checks(report.figures, before).warnings]
    return analysis


def _issue(issue: Issue, refs: dict[str, CellRef]) -> RecordedIssue:
    """A report issue as the record keeps it, each figure pointing at its cell on its page."""
    cells = [replace(refs[key], confidence=None) if key in refs else CellRef(key) for key in issue.figures]
    return RecordedIssue(
        rule=issue.rule,
        severity=issue.severity,
        status=issue.status,
        message=issue.message_zh,
        message_en=issue.message_en,
        expected=_short(issue.expected),
        found=_short(issue.found),
        cells=cells,
    )


def _short(value) -> str | None:
    return None if value is None else str(value)[:128]
