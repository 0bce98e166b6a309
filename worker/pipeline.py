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
from worker.results import CellResult, PageResult, TableResult
from worker.stitch import link_continuations

log = logging.getLogger(__name__)


@dataclass
class LogicalTable:
    parts: list[tuple[int, int]]              # (page number, table index) of each part, in order
    cells: list[CellResult]                   # rows renumbered from 0 across the parts
    n_rows: int
    n_cols: int
    template: str | None = None


@dataclass
class DocumentAnalysis:
    tables: list[LogicalTable] = field(default_factory=list)
    validation_errors: list[dict] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
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
    by_key = {(p.number, t.index): t for p in pages for t in p.tables}
    chains: dict[tuple[int, int], list[tuple[int, int]]] = {}
    head_of: dict[tuple[int, int], tuple[int, int]] = {}
    for p in pages:
        for t in p.tables:
            key = (p.number, t.index)
            head = head_of.get(t.continued_from, key) if t.continued_from else key
            head_of[key] = head
            chains.setdefault(head, []).append(key)
    out = []
    for parts in chains.values():
        cells, offset = [], 0
        for key in parts:
            t: TableResult = by_key[key]
            cells += [CellResult(**{**c.__dict__, "row": c.row + offset}) for c in t.cells]
            offset += t.n_rows
        out.append(LogicalTable(parts=parts, cells=cells, n_rows=offset,
                                n_cols=max(by_key[k].n_cols for k in parts)))
    return out


def analyse_document(pages: list[PageResult], config: PipelineConfig) -> DocumentAnalysis:
    """What needs every page: stitched tables (later: report mapping, figures and checks)."""
    return DocumentAnalysis(tables=logical_tables(pages))
