"""The one place that runs recognition over a whole document: pages, then what needs all pages.

Pure with respect to infrastructure: reads a file, returns data. The CLI `process`, the RQ jobs and the
tests all call these functions.
"""
from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytesseract

from worker import rasterise
from worker.config import PipelineConfig
from worker.page import process_page
from worker.report import analyse_report, cross_report_checks, stitch, stitched_origin
from worker.results import CellResult, PageResult, TableResult
from worker.stitch import link_continuations, stitched_tables

log = logging.getLogger(__name__)


@dataclass
class LogicalTable:
    parts: list[tuple[int, int]]              # (page number, table index) of each part, in order
    part_tables: list[TableResult]            # the parts themselves
    cells: list[CellResult]                   # rows renumbered from 0 across the parts
    n_rows: int
    n_cols: int
    template: str | None = None

    def page_cell(self, row: int, col: int) -> tuple[tuple[int, int], CellResult] | None:
        """The page part's cell behind a stitched cell: ((page, table index), cell)."""
        i, prow = stitched_origin(self.part_tables, row)
        cell = next((c for c in self.part_tables[i].cells if c.row == prow and c.col == col), None)
        return (self.parts[i], cell) if cell else None


@dataclass
class DocumentAnalysis:
    tables: list[LogicalTable] = field(default_factory=list)
    validation_errors: list[dict] = field(default_factory=list)   # severity error: the report is suspect
    warnings: list[dict] = field(default_factory=list)            # text, year and cross-report checks
    figures: dict[str, float | None] = field(default_factory=dict)
    figure_refs: dict[str, dict] = field(default_factory=dict)  # key -> {figure, confidence, page, index, row, col, cell_id}
    kind: str | None = None            # worker.report.kind: annual_report | budget | final_account | other
    report_year: int | None = None
    issuing_body: str | None = None


@lru_cache(maxsize=1)
def engine_versions() -> dict[str, str]:
    """Versions of the engines that produce the numbers, for the export's provenance."""
    from tablescan import __version__

    try:
        poppler = subprocess.run(["pdftoppm", "-v"], capture_output=True, text=True, timeout=10).stderr
        poppler = poppler.split("\n")[0].split()[-1]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        poppler = "unknown"
    try:
        tess = str(pytesseract.get_tesseract_version())
    except Exception:  # not installed: reported, not fatal for reading exports
        tess = "unknown"
    return {"tablescan": __version__, "tesseract": tess, "poppler": poppler, "opencv": cv2.__version__}


def recognise_page(path: Path, number: int, config: PipelineConfig,
                   limits: rasterise.Limits = rasterise.Limits()) -> tuple[PageResult, np.ndarray | None]:
    """Rasterise and recognise one page. A page that cannot be recognised comes back with `error` set;
    only a file that cannot be read at all raises (rasterise.UnreadableDocument)."""
    t0 = time.perf_counter()
    image, dpi = rasterise.load_page(path, number, config.dpi, limits)
    t_raster = time.perf_counter() - t0
    try:
        result, upright = process_page(image, number, dpi, config)
    except Exception as e:  # noqa: BLE001 - recorded on the page; the document goes on
        log.warning("page %d of %s failed: %s", number, path.name, e)
        return PageResult(number=number, dpi=dpi, height=image.shape[0], width=image.shape[1],
                          error=f"{type(e).__name__}: {e}".strip()[:500]), None
    result.timings = {"rasterise": round(t_raster, 3), **result.timings}
    return result, upright


def recognise_document(path: Path, config: PipelineConfig,
                       limits: rasterise.Limits = rasterise.Limits()) -> list[PageResult]:
    """Every page of the file, in order. Raises rasterise.UnreadableDocument for a file it cannot read."""
    info = rasterise.inspect(path, limits)
    return [recognise_page(path, n, config, limits)[0] for n in range(1, info.page_count + 1)]


def logical_tables(pages: list[PageResult]) -> list[LogicalTable]:
    """Link continued tables across pages and stitch each chain of parts into one table."""
    link_continuations(pages)
    page_of = {id(t): p.number for p in pages for t in p.tables}
    out = []
    for tables in stitched_tables(pages):
        cells = stitch(tables)
        out.append(LogicalTable(parts=[(page_of[id(t)], t.index) for t in tables], part_tables=tables,
                                cells=cells, n_rows=max((c.row + c.row_span for c in cells), default=0),
                                n_cols=max(t.n_cols for t in tables), template=tables[0].template))
    return out


def analyse_document(pages: list[PageResult], config: PipelineConfig) -> DocumentAnalysis:
    """What needs every page: stitched tables, the report's named figures and its checks. Marks the
    page cells that a person should review (sets TableResult.template and CellResult.needs_review)."""
    for p in pages:  # start from the cells' own confidence, so a re-analysis drops stale marks
        for t in p.tables:
            for c in t.cells:
                c.needs_review = c.confidence < config.review_threshold
    tables = logical_tables(pages)
    report = analyse_report([t.cells for t in tables], "\n".join(p.text for p in pages if p.text),
                            config.review_threshold)
    for t, match in zip(tables, report.tables):
        t.template = match.template
        for part in t.part_tables:
            part.template, part.template_label, part.template_score = match.template, match.label, match.score
    for rc in report.review_cells:
        found = tables[rc.table].page_cell(rc.row, rc.col)
        if found:
            found[1].needs_review = True
    for t in tables:  # the stitched copies show the same review marks as the page cells
        for c in t.cells:
            found = t.page_cell(c.row, c.col)
            c.needs_review = bool(found and found[1].needs_review)
    refs = {}   # figure key -> where its cell stands on its page
    for key, src in report.sources.items():
        ref = {"figure": key, "confidence": src.confidence}
        found = tables[src.table].page_cell(src.row, src.col) if src.table < len(tables) else None
        if found:
            (page, index), cell = found
            ref.update(page=page, index=index, row=cell.row, col=cell.col, cell_id=cell.id)
        refs[key] = ref
    return DocumentAnalysis(tables=tables, figures=report.figures, figure_refs=refs, kind=report.kind,
                            report_year=report.year,
                            issuing_body=report.issuing_body,
                            validation_errors=[_issue(i, refs) for i in report.errors],
                            warnings=[_issue(i, refs) for i in report.warnings])


def compare_with_last_year(analysis: DocumentAnalysis, last_year: dict[str, float | None]) -> None:
    """Add the warnings of the checks against last year's report of the same body."""
    analysis.warnings += [_issue(i, analysis.figure_refs)
                          for i in cross_report_checks(analysis.figures, last_year).warnings]


def _issue(issue, refs: dict[str, dict]) -> dict:
    """A report issue as the record keeps it, each figure pointing at its cell on its page."""
    cells = [{k: v for k, v in refs.get(key, {"figure": key}).items() if k != "confidence"}
             for key in issue.figures]
    return {"rule": issue.rule, "severity": issue.severity, "status": issue.status, "message": issue.message_zh,
            "message_en": issue.message_en, "expected": _short(issue.expected), "found": _short(issue.found),
            "cells": cells}


def _short(value) -> str | None:
    return None if value is None else str(value)[:128]
