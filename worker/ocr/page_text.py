"""Page text outside the tables: where the lines of print are (text_lines, from the glyph mask), and
all of them read in one mosaic (read_text_lines) with their word boxes in page pixels."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from schemas.results import TextLine, Word

from .cells import OcrHints
from .ink import BBox, stretch
from .mosaic import ocr_scale, read_mosaic
from .tesseract import Glyph


def text_lines(glyphs: np.ndarray, glyph_dpi: float, dpi: int, exclude: list[BBox]) -> list[BBox]:
    """Where the page has text outside the tables: the glyph mask (ink without rules, at glyph_dpi;
    worker.orient.glyph_mask) with the `exclude` boxes (page px at dpi) blanked -> boxes of text lines
    in page px, top to bottom. Blank areas, specks and shapes no line of print has are left out."""
    f = glyph_dpi / dpi
    mask = glyphs.copy()
    for x0, y0, x1, y1 in exclude:
        mask[max(0, int(y0 * f) - 2) : int(y1 * f) + 3, max(0, int(x0 * f) - 2) : int(x1 * f) + 3] = 0
    if not mask.any():
        return []
    gap = max(3, int(glyph_dpi * 0.12))  # about 1 em of 8 pt: joins the words of a line, not two columns
    bars = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(bars, connectivity=8)
    lo, hi = glyph_dpi * 0.04, glyph_dpi * 0.6  # about 3 to 43 pt
    pad = glyph_dpi * 0.03
    lines: list[BBox] = []
    marks: list[BBox] = []
    for x, y, w, h, _area in stats[1:]:
        if h > hi:
            continue
        x0, x1 = x + gap // 2, x + w - gap // 2  # the dilation widened the bar by half a gap each side
        box = (int(max(0, x0 - pad) / f), int(max(0, y - pad) / f), int((x1 + pad) / f), int((y + h + pad) / f))
        ink = int(np.count_nonzero(mask[y : y + h, x : x + w]))
        line = h >= lo and ink >= (glyph_dpi * 0.04) ** 2 * 2 and w >= 0.5 * h
        (lines if line else marks).append(box)
    return [b for row in rows(lines) for b in _joined(_with_marks(row, marks))]


def _with_marks(row: list[BBox], marks: list[BBox]) -> list[BBox]:
    """A row's boxes and the marks too small to be a line by themselves (一、, a lone comma) whose middle
    lies within the row's height, left to right."""
    top, bottom = min(b[1] for b in row), max(b[3] for b in row)
    return sorted(row + [m for m in marks if top <= (m[1] + m[3]) / 2 <= bottom])


def rows(boxes: list[BBox]) -> list[list[BBox]]:
    """Boxes -> rows, top to bottom, each left to right: a box joins the row it overlaps by half its
    height or more (the smaller height)."""
    out: list[list[BBox]] = []
    for b in sorted(boxes, key=lambda b: b[1]):
        for row in out:
            top, bottom = min(r[1] for r in row), max(r[3] for r in row)
            if min(bottom, b[3]) - max(top, b[1]) >= 0.5 * min(bottom - top, b[3] - b[1]):
                row.append(b)
                break
        else:
            out.append([b])
    return [sorted(row) for row in out]


def _joined(row: list[BBox], max_gap_em: float = 1.5) -> list[BBox]:
    """A row's boxes, left to right, with those less than max_gap_em line heights apart joined (a
    heading's number and its words, a clause after a wide full-width comma)."""
    out = [row[0]]
    for b in row[1:]:
        a = out[-1]
        if b[0] - a[2] <= max_gap_em * max(a[3] - a[1], b[3] - b[1]):
            out[-1] = (a[0], min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
        else:
            out.append(b)
    return out


def read_text_lines(
    image: np.ndarray, boxes: list[BBox], hints: OcrHints, exclude: Sequence[BBox] = ()
) -> list[TextLine]:
    """Gray upright page, text line boxes (text_lines) -> the lines read, with word boxes in page px.

    Every line is cut out (with what of the `exclude` boxes, the tables, it reaches blanked), scaled to
    OCR_DPI and stacked into one mosaic: one Tesseract process per page (per 30000 px of mosaic), as for
    cells. Raises OcrTimeout past hints.deadline."""
    scale = ocr_scale(hints.dpi)
    H, W = image.shape
    crops = []
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        crop = image[y0:y1, x0:x1].copy()
        for a0, b0, a1, b1 in exclude:
            crop[max(0, b0 - 4 - y0) : max(0, b1 + 5 - y0), max(0, a0 - 4 - x0) : max(0, a1 + 5 - x0)] = 255
        crop = stretch(crop)
        if abs(scale - 1.0) > 0.02:
            crop = cv2.resize(
                crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
            )
        crops.append((i, crop))
    if not crops:
        return []
    # the crops are lines of print already: Tesseract's rejection of rows as noise only loses bold headings
    got = read_mosaic(
        crops,
        hints.lang,
        hints.deadline,
        ("-c", "textord_noise_rejrows=0"),
        debug=f"{hints.debug_dir}/text" if hints.debug_dir else None,
    )
    lines = []
    for i, _ in crops:
        x0, y0 = max(0, boxes[i][0]), max(0, boxes[i][1])
        lines += _lines_of(
            got.get(i, []),
            lambda b, x0=x0, y0=y0: (
                x0 + int(b[0] / scale),
                y0 + int(b[1] / scale),
                x0 + int(np.ceil(b[2] / scale)),
                y0 + int(np.ceil(b[3] / scale)),
            ),
        )
    return lines


def _lines_of(glyphs: list[Glyph], to_page) -> list[TextLine]:
    """Glyphs of one crop -> its text lines, each with its words left to right and their page boxes.
    Tesseract may cut one row of print into several lines at a wide gap; the words of a row are one line."""
    by_word: dict[int, list[Glyph]] = {}
    for g in glyphs:
        by_word.setdefault(g.word, []).append(g)
    words: dict[BBox, list[str]] = {}
    for gs in by_word.values():
        gs.sort(key=lambda g: g.box[0])
        box = to_page(
            (min(g.box[0] for g in gs), min(g.box[1] for g in gs), max(g.box[2] for g in gs), max(g.box[3] for g in gs))
        )
        words.setdefault(box, []).append("".join(g.ch for g in gs))
    out = []
    for row in rows(list(words)):
        ws = [Word(text=t, bbox=b) for b in row for t in words[b]]
        out.append(
            TextLine(
                bbox=(min(b[0] for b in row), min(b[1] for b in row), max(b[2] for b in row), max(b[3] for b in row)),
                words=ws,
            )
        )
    return out
