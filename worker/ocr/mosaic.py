"""Many crops, one Tesseract process: crops stacked into a mosaic (batched under Tesseract's height
limit), read once, and the glyphs assigned back to their crop by position."""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import tesseract
from .tesseract import Glyph

OCR_DPI = 200  # crops are scaled to this resolution for Tesseract


def ocr_scale(dpi: float, max_enlarge: float = 2.5) -> float:
    """The factor that brings a page read at `dpi` to OCR_DPI. A screen-resolution page is enlarged too
    (glyphs 12 px high read much worse than the same glyphs enlarged to 25), by max_enlarge at most:
    enlarging adds no detail."""
    return min(max_enlarge, OCR_DPI / dpi)


# Mosaics are always dark text on white: Tesseract's second try of doubtful lines inverted only costs time
# (13% of a table page's pass one, same output).
NO_INVERT = ("-c", "tessedit_do_invert=0")


@dataclass
class _Placed:
    index: int
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 in the mosaic


def compose(crops: list[tuple[int, np.ndarray]], gap: int) -> tuple[np.ndarray, list[_Placed]]:
    """Stack crops one under the other, left aligned, `gap` px of white between them -> (mosaic,
    placements). One crop per text block keeps words from joining across cells: packing crops
    side by side makes Tesseract's word spacing and LSTM glyph boxes unreliable."""
    width = max(c.shape[1] for _, c in crops) + 2 * gap
    height = gap + sum(c.shape[0] + gap for _, c in crops)
    out = np.full((height, width), 255, np.uint8)
    placed = []
    y = gap
    for i, c in crops:
        h, w = c.shape
        out[y : y + h, gap : gap + w] = c
        placed.append(_Placed(i, (gap, y, gap + w, y + h)))
        y += h + gap
    return out, placed


def _batches(crops: list[tuple[int, np.ndarray]], gap: int, max_height: int) -> list[list[tuple[int, np.ndarray]]]:
    """Split crops so that no mosaic exceeds max_height px (Tesseract refuses > 32767)."""
    out: list[list[tuple[int, np.ndarray]]] = []
    cur: list[tuple[int, np.ndarray]] = []
    h = gap
    for item in crops:
        ch = item[1].shape[0] + gap
        if cur and h + ch > max_height:
            out.append(cur)
            cur, h = [], gap
        cur.append(item)
        h += ch
    if cur:
        out.append(cur)
    return out


def read_mosaic(
    crops: list[tuple[int, np.ndarray]],
    lang: str,
    deadline: float | None,
    extra: tuple[str, ...] = (),
    gap: int = 16,
    debug: str | None = None,
) -> dict[int, list[Glyph]]:
    """OCR many crops (index, gray image at OCR_DPI) with one Tesseract process per 30000 px of
    mosaic -> index -> glyphs."""
    out: dict[int, list[Glyph]] = {}
    for k, batch in enumerate(_batches(crops, gap, 30000)):
        img, placed = compose(batch, gap)
        if debug:
            cv2.imwrite(f"{debug}-{k}.png", img)
        # through the adapter module's attribute: a test that counts Tesseract processes patches it there
        out.update(
            _assign(tesseract.run_tesseract(img, lang, 6, OCR_DPI, deadline, (*NO_INVERT, *extra)), placed, gap / 2)
        )
    return out


def _assign(glyphs: list[Glyph], placed: list[_Placed], slack: float) -> dict[int, list[Glyph]]:
    """Glyphs -> crop index: the placement on the glyph's text row nearest to its centre (within
    `slack` px), with the glyph's box moved into that crop's pixels; glyphs out in the gaps are dropped."""
    out: dict[int, list[Glyph]] = {}
    for g in glyphs:
        x0, y0, x1, y1 = g.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        best, bd = None, slack
        for p in placed:
            a, b, c, d = p.rect
            if not (b - slack <= cy < d + slack):
                continue
            dx = max(a - cx, 0.0, cx - c)
            dy = max(b - cy, 0.0, cy - d)
            dist = dx + dy
            if dist <= bd:
                best, bd = p, dist
                if dist == 0:
                    break
        if best is not None:
            a, b = best.rect[:2]
            out.setdefault(best.index, []).append(replace(g, box=(x0 - a, y0 - b, x1 - a, y1 - b)))
    return out
