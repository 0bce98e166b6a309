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
    the page holds fewer than min_glyphs of them."""
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
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


def ink_dpi(gray: np.ndarray) -> float | None:
    """The resolution the page's text says it was captured at (body text taken as 10.5 pt), or None."""
    px = glyph_height_px(gray)
    return px / GLYPH_INCHES if px else None


def page_dpi(gray: np.ndarray, stated_dpi: int, agree: tuple[float, float] = (0.55, 1.8)) -> int:
    """Gray page and the resolution its file states (or the default when it states none) -> the
    resolution to read it at. The stated one is trusted while the ink's estimate lies within `agree`
    times it (Latin text reads about 0.75 of it, small table type lower still); otherwise the ink's
    estimate is taken: an 800-pixel-wide screen image with no DPI is not a 300-dpi page of 2.7 in."""
    est = ink_dpi(gray)
    if est is not None and not agree[0] <= est / stated_dpi <= agree[1]:
        return int(round(est))
    return stated_dpi
