"""The scale a page was captured at, read from its own ink: screen-resolution images, photographs and
files with no DPI or a wrong one. Pure functions over numpy arrays."""

from __future__ import annotations

import cv2
import numpy as np

# ink height of a CJK glyph (about 0.88 em) of body text set at 10.5 pt (五号), in inches
GLYPH_INCHES = 0.88 * 10.5 / 72


def glyph_height_px(gray: np.ndarray, min_glyphs: int = 40) -> float | None:
    """Gray page (uint8 HxW) -> the height in pixels of its larger glyphs (the 75th percentile of the
    roughly square ink blobs: whole characters, not the dots and strokes they break into), or None when
    the page holds fewer than min_glyphs of them. The page is first levelled against its paper (uneven
    light or a shadow would otherwise split one threshold between paper and paper)."""
    _, bw = cv2.threshold(_level(gray), 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    glyph = (
        (h >= 4)
        & (h <= gray.shape[0] / 10)
        & (w >= 0.5 * h)
        & (w <= 2 * h)
        & (area >= 0.1 * w * h)
        & (area <= 0.9 * w * h)
    )
    if glyph.sum() < min_glyphs:
        return None
    return float(np.percentile(h[glyph], 75))


def _level(gray: np.ndarray, shrink: int = 8, window: int = 5) -> np.ndarray:
    """Gray page -> the page divided by its paper's brightness, paper at 255. The paper is the brightest
    level within `window` pixels of a copy `shrink` times smaller (about 40 px here: wider than any
    stroke, so text leaves it)."""
    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // shrink), max(1, h // shrink)), interpolation=cv2.INTER_AREA)
    paper = cv2.blur(cv2.dilate(small, np.ones((window, window), np.uint8)), (window, window))
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(paper, 1), scale=255)


def ink_dpi(gray: np.ndarray) -> float | None:
    """The resolution the page's text says it was captured at (body text taken as 10.5 pt), or None."""
    px = glyph_height_px(gray)
    return px / GLYPH_INCHES if px else None


# paper that reports are printed on, short side by long side in inches: A3, A4, A5, B5 (ISO, JIS), Letter, Legal
PAPER_INCHES = [(11.69, 16.54), (8.27, 11.69), (5.83, 8.27), (6.93, 9.84), (7.17, 10.12), (8.5, 11.0), (8.5, 14.0)]


def is_paper_size(width_px: int, height_px: int, dpi: float, tolerance: float = 0.025) -> bool:
    """Does a page of width_px x height_px at `dpi` measure a standard paper size (either way up), within
    `tolerance` of each side?"""
    short, long = sorted((width_px / dpi, height_px / dpi))
    return any(abs(short / a - 1) <= tolerance and abs(long / b - 1) <= tolerance for a, b in PAPER_INCHES)


def page_dpi(
    gray: np.ndarray, stated_dpi: int, agree: tuple[float, float] = (0.55, 1.8), on_paper_from: float = 0.35
) -> int:
    """Gray page and the resolution its file states (or the default when it states none) -> the
    resolution to read it at. The stated one is trusted while the ink's estimate lies within `agree`
    times it (Latin text reads about 0.75 of it, small table type lower still), or down to on_paper_from
    times it when the stated one makes the page a standard paper size (a whole sheet of 8-pt English reads
    about half); otherwise the ink's estimate is taken: an 800-pixel-wide screen image with no DPI is not a
    300-dpi page of 2.7 in, nor a 150-dpi A4 scan whose file says 300 a page of A6."""
    est = ink_dpi(gray)
    low = on_paper_from if is_paper_size(gray.shape[1], gray.shape[0], stated_dpi) else agree[0]
    if est is not None and not low <= est / stated_dpi <= agree[1]:
        return int(round(est))
    return stated_dpi
