"""One document's flow, the only one: inspect the file, recognise each page, then what needs all pages.

`tablescan process` drives it in one process (pages over a process pool, nothing stored); the RQ jobs
drive it across workers (worker.jobs: one job per page, each page written to the record, then a
finaliser). Both call these three steps and nothing else recognises a document.
"""

from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import cv2
import numpy as np
import pytesseract

from schemas.results import PageResult
from worker import rasterise
from worker.config import PipelineConfig
from worker.document import DocumentAnalysis, LastYear, analyse_document
from worker.failures import failure_of
from worker.page import process_page
from worker.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentFlow:
    """The steps of one document, with what they need. Picklable, so pages can go to a process pool."""

    config: PipelineConfig
    limits: rasterise.Limits = rasterise.Limits()

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentFlow:
        return cls(settings.pipeline(), rasterise.Limits(settings.max_pages, settings.max_pixels))

    def inspect(self, path: Path) -> int:
        """The page count, checked against the limits before any decoding. Raises
        rasterise.UnreadableDocument for a file that cannot be read."""
        return rasterise.inspect(path, self.limits, self.config.dpi).page_count

    def page(self, path: Path, number: int, seconds_left: float | None = None) -> tuple[PageResult, np.ndarray | None]:
        """Rasterise and recognise one page: its result and the upright, deskewed image. A page that
        cannot be recognised comes back with `error` and `failure_reason` set (a worker.failures code,
        internal_error for anything unexpected); only a file that cannot be read raises
        (rasterise.UnreadableDocument). `seconds_left` of the document's budget caps each Poppler call."""
        limits = (
            self.limits
            if seconds_left is None
            else replace(self.limits, poppler_seconds=min(self.limits.poppler_seconds, seconds_left))
        )
        t0 = time.perf_counter()
        image, dpi = rasterise.load_page(path, number, self.config.dpi, limits)
        t_raster = time.perf_counter() - t0
        try:
            result, upright = process_page(image, number, dpi, self.config)
        except Exception as e:  # noqa: BLE001 - recorded on the page; the document goes on
            log.warning("page %d of %s failed: %s", number, path.name, e)
            return PageResult(
                number=number,
                dpi=dpi,
                height=image.shape[0],
                width=image.shape[1],
                error=f"{type(e).__name__}: {e}".strip()[:500],
                failure_reason=failure_of(e),
            ), None
        result.timings = {"rasterise": round(t_raster, 3), **result.timings}
        return result, upright

    def finish(self, pages: list[PageResult], last_year: LastYear | None = None) -> DocumentAnalysis:
        """What needs all pages: stitched tables, named figures, checks, the cells to review. The RQ
        finaliser runs the same analysis through persist.reanalyse, on the pages as the record holds them."""
        return analyse_document(pages, self.config, last_year)

    def engine(self) -> dict:
        """The export's provenance: engine versions and the settings recognition ran with."""
        return {**engine_versions(), "settings": self.config.as_dict()}


def page_png(image: np.ndarray) -> bytes:
    """An upright page image (RGB or gray) as PNG, as the storage root keeps it."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    ok, buf = cv2.imencode(".png", bgr)
    if not ok:
        raise ValueError("the page image could not be encoded")
    return buf.tobytes()


@lru_cache(maxsize=1)
def engine_versions() -> dict[str, str]:
    """Versions of the engines that produce the numbers, for the export's provenance."""
    try:
        poppler = subprocess.run(["pdftoppm", "-v"], capture_output=True, text=True, timeout=10).stderr
        poppler = poppler.split("\n")[0].split()[-1]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        poppler = "unknown"
    try:
        tess = str(pytesseract.get_tesseract_version())
    except Exception:  # not installed: reported, not fatal for reading exports
        tess = "unknown"
    return {"tablescan": version("tablescan"), "tesseract": tess, "poppler": poppler, "opencv": cv2.__version__}
