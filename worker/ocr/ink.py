"""A cell's ink cut out for OCR: pure functions over numpy images, no Tesseract.

cell_crop takes the inside of a cell (rules and specks removed, text on white), puts wrapped lines side
by side, stretches faint toner to black, and spaces the glyphs of a number apart (Tesseract's LSTM reads
a tight "11" as "1"); glyph_count says how many characters a reading of a number must have.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BBox = tuple[int, int, int, int]


@dataclass
class CellInk:
    """A cell's ink, cut out for OCR."""

    img: np.ndarray  # gray crop, text on white, at the OCR scale
    digit_like: bool  # one line of narrow, upright glyphs of one height (a number, probably)
    lines: int  # text lines found (put side by side in img)
    glyphs: int | None = None  # separate glyphs of a number-shaped cell (None for other cells)
    dash: bool = False  # the cell holds one short level bar and nothing else: "-", nil (nothing to OCR)
    apart: bool = False  # one line whose ink stands in runs more than a glyph's height apart (two entries?)


def cell_crop(gray: np.ndarray, box: BBox, dpi: int, rule_px: int, scale: float) -> CellInk | None:
    """Cut the inside of a cell: rules and specks removed, text on white (a cell filled dark is turned
    negative first), tight with padding, scaled by `scale`. None when the cell holds no ink."""
    x0, y0, x1, y1 = box
    m = int(rule_px / 2 + max(2, dpi * 0.012))
    H, W = gray.shape
    x0, y0, x1, y1 = max(0, x0 + m), max(0, y0 + m), min(W, x1 - m), min(H, y1 - m)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    g = gray[y0:y1, x0:x1]
    if _light_on_dark(g):
        g = cv2.bitwise_not(g)
    block = max(15, int(dpi / 10) | 1)
    ink = cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 14)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return None
    min_area = max(4, int((dpi / 100.0) ** 2 * 2.5))
    hh, ww = g.shape
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, w, h, a = stats[i]
        if a < min_area:
            continue
        edge = x == 0 or y == 0 or x + w >= ww or y + h >= hh
        if edge and (w > 4 * h or h > 4 * w or a < 3 * min_area):
            continue  # rule remnant or speck at the border
        keep[i] = True
    if not keep.any():
        return None
    _keep_baseline_dots(stats, keep, min_area)
    _drop_stray_specks(stats, keep)
    idx = np.nonzero(keep)[0]
    st = stats[idx]
    ys0, ys1 = st[:, 1].min(), (st[:, 1] + st[:, 3]).max()
    if _lone_dash(st, dpi):
        x, y, w, h = (int(v) for v in st[0, :4])
        return CellInk(g[y : y + h, x : x + w].copy(), False, 1, dash=True)
    if st[:, 4].sum() < 2.5 * min_area or (ys1 - ys0) < dpi * 0.025:
        return None
    digit_like = _digit_like(st, dpi)
    mask = keep[labels].astype(np.uint8) * 255
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    lines = _text_lines(st)
    pad = max(2, int(dpi * 0.03))
    pieces = []
    for members in lines:
        ls = st[members]
        lx0, ly0 = max(0, ls[:, 0].min() - pad), max(0, ls[:, 1].min() - pad)
        lx1, ly1 = min(ww, (ls[:, 0] + ls[:, 2]).max() + pad), min(hh, (ls[:, 1] + ls[:, 3]).max() + pad)
        sel = np.isin(labels[ly0:ly1, lx0:lx1], idx[members])
        sel = cv2.dilate(sel.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        pieces.append(np.where(sel & (mask[ly0:ly1, lx0:lx1] > 0), g[ly0:ly1, lx0:lx1], 255).astype(np.uint8))
    crop = stretch(_side_by_side(pieces, gap=max(2, int(dpi * 0.04))))
    glyphs = None
    if digit_like:
        crop = spread_glyphs(crop, int(st[:, 3].max()))
        glyphs = glyph_count(crop, int(st[:, 3].max()))
    if abs(scale - 1.0) > 0.02:
        crop = cv2.resize(
            crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        )
    return CellInk(crop, digit_like, len(lines), glyphs, apart=len(lines) == 1 and _widest_gap(st) > st[:, 3].max())


def _text_lines(st: np.ndarray) -> list[list[int]]:
    """Components (x, y, w, h, area rows) -> text lines, top to bottom, as lists of row indices.

    A component joins the line whose centre is within 0.65 em of its own (em = tallest glyph
    part), so the separate strokes of 三 or a lone comma stay with their line."""
    em = float(np.percentile(st[:, 3], 90)) if len(st) > 3 else float(st[:, 3].max())
    em = max(em, 1.0)
    order = np.argsort(st[:, 1] + st[:, 3] / 2)
    lines: list[list[int]] = []
    centres: list[float] = []
    weights: list[float] = []
    for k in order:
        cy = st[k, 1] + st[k, 3] / 2
        wgt = float(st[k, 3])
        if lines and abs(cy - centres[-1]) <= 0.65 * em:
            lines[-1].append(int(k))
            centres[-1] = (centres[-1] * weights[-1] + cy * wgt) / (weights[-1] + wgt)
            weights[-1] += wgt
        else:
            lines.append([int(k)])
            centres.append(cy)
            weights.append(wgt)
    return lines


def _side_by_side(pieces: list[np.ndarray], gap: int) -> np.ndarray:
    """Text line images -> one line, centred on a common middle (a wrapped cell read as the one
    line it was before wrapping: Tesseract drops short lines like 三、 in narrow blocks)."""
    if len(pieces) == 1:
        return pieces[0]
    h = max(p.shape[0] for p in pieces)
    w = sum(p.shape[1] for p in pieces) + gap * (len(pieces) - 1)
    out = np.full((h, w), 255, np.uint8)
    x = 0
    for p in pieces:
        y = (h - p.shape[0]) // 2
        out[y : y + p.shape[0], x : x + p.shape[1]] = p
        x += p.shape[1] + gap
    return out


def _ink_runs(line: np.ndarray, glyph_px: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ink column runs of a text line -> (starts, ends, one_glyph): one_glyph[k] when runs k and
    k+1 are no wider together than one digit and neither is a point or comma (a low, short mark):
    the pieces of a worn "0" broken at top and bottom."""
    dark = line < 128
    ink = dark.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ink.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    rows = [np.flatnonzero(dark[:, a:b].any(axis=1)) for a, b in zip(starts, ends)]
    base = max((r[-1] for r in rows), default=0)
    mark = np.array([r[-1] - r[0] + 1 < 0.35 * glyph_px and r[0] > base - 0.5 * glyph_px for r in rows], bool)
    one_glyph = (ends[1:] - starts[:-1] <= 0.65 * glyph_px) & ~mark[1:] & ~mark[:-1]
    return starts, ends, one_glyph


def spread_glyphs(line: np.ndarray, glyph_px: int) -> np.ndarray:
    """One line of glyphs (text on white, glyphs glyph_px tall) -> the same line with every gap
    between two glyphs at least 0.3 glyph heights wide. Tesseract's LSTM merges a repeated narrow
    glyph set close together ("11" read as "1")."""
    starts, ends, one_glyph = _ink_runs(line, glyph_px)
    gaps = starts[1:] - ends[:-1]
    narrow = (gaps < 0.3 * glyph_px) & ~one_glyph
    if not narrow.any():
        return line
    parts = [line[:, : starts[0]]]
    for k in range(len(starts)):
        parts.append(line[:, starts[k] : ends[k]])
        if k + 1 < len(starts):
            width = max(int(gaps[k]), int(0.3 * glyph_px)) if narrow[k] else int(gaps[k])
            parts.append(np.full((line.shape[0], width), 255, np.uint8))
    parts.append(line[:, ends[-1] :])
    return np.hstack(parts)


def glyph_count(line: np.ndarray, glyph_px: int) -> int:
    """Separate glyphs (digits, points, commas) in one line of print: what a reading of it must
    have as many characters as."""
    starts, _, one_glyph = _ink_runs(line, glyph_px)
    return int(len(starts) - one_glyph.sum()) if len(starts) else 0


def _light_on_dark(g: np.ndarray, contrast: int = 40) -> bool:
    """Gray cell -> is its type lighter than its fill (white on a grey or coloured band)? Its pixels that
    stand out from the fill (the median) by `contrast` levels or more are mostly lighter, not darker."""
    med = int(np.median(g))
    lighter = int(np.count_nonzero(g > med + contrast))
    return lighter > 2 * int(np.count_nonzero(g < med - contrast)) and lighter >= 0.01 * g.size


def _widest_gap(st: np.ndarray) -> int:
    """Components (x, y, w, h, area rows) -> the widest blank between their extents along x, in px."""
    order = np.argsort(st[:, 0])
    ends = np.maximum.accumulate(st[order, 0] + st[order, 2])
    return int(max(0, (st[order[1:], 0] - ends[:-1]).max())) if len(st) > 1 else 0


def _lone_dash(st: np.ndarray, dpi: int) -> bool:
    """Components (x, y, w, h, area rows) of a cell -> is it one level bar, 0.03-0.25 in long, 1.5 times
    as long as it is thick or more, and no thicker than 0.03 in, and solid: a dash for nil?"""
    if len(st) != 1:
        return False
    _, _, w, h, a = (int(v) for v in st[0])
    return dpi * 0.03 <= w <= dpi * 0.25 and w >= 1.5 * h and h <= dpi * 0.03 and a >= 0.6 * w * h


def _keep_baseline_dots(stats: np.ndarray, keep: np.ndarray, min_area: int) -> None:
    """Mark again, in place, the dots smaller than min_area that stand on the baseline between two kept
    glyphs, close on both sides: decimal points (a period in 8-pt type at 300 dpi is 4x5 px, under the
    speck size). A dot is solid, 0.1 to 0.35 of the glyphs' height across, and its foot within 0.2 of
    that height of the glyphs' feet beside it."""
    kept = stats[np.nonzero(keep)[0]]
    if len(kept) < 2:
        return
    hmax = float(kept[:, 3].max())
    right_edges = kept[:, 0] + kept[:, 2]
    feet = kept[:, 1] + kept[:, 3]
    for i in np.flatnonzero(~keep[1:]) + 1:  # 0 is the background
        x, y, w, h, a = (int(v) for v in stats[i])
        if a >= min_area or min(w, h) < max(2, 0.1 * hmax) or max(w, h) > 0.35 * hmax or a < 0.5 * w * h:
            continue
        left = (right_edges <= x + 1) & (x - right_edges <= 0.5 * hmax)
        right = (kept[:, 0] >= x + w - 1) & (kept[:, 0] - (x + w) <= 0.5 * hmax)
        foot = y + h
        if left.any() and right.any() and all(abs(feet[s].max() - foot) <= 0.2 * hmax for s in (left, right)):
            keep[i] = True


def _drop_stray_specks(stats: np.ndarray, keep: np.ndarray) -> None:
    """Unmark small blobs lying apart from the text (noise, speckle clumps), in place."""
    idx = np.nonzero(keep)[0]
    if len(idx) < 2:
        return
    hmax = stats[idx, 3].max()
    amax = stats[idx, 4].max()
    big = [i for i in idx if stats[i, 4] >= 0.2 * amax or stats[i, 3] >= 0.4 * hmax]
    bx0 = np.array([stats[i, 0] for i in big])
    by0 = np.array([stats[i, 1] for i in big])
    bx1 = bx0 + np.array([stats[i, 2] for i in big])
    by1 = by0 + np.array([stats[i, 3] for i in big])
    for i in idx:
        x, y, w, h, _ = stats[i]
        if i in big or max(w, h) >= 0.35 * hmax:
            continue
        dx = np.maximum(0, np.maximum(bx0 - (x + w), x - bx1))
        dy = np.maximum(0, np.maximum(by0 - (y + h), y - by1))
        dist = np.min(np.hypot(dx, dy))
        if dist > 0.6 * hmax or (stats[i, 4] < 0.08 * amax and dist > 0.3 * hmax):
            keep[i] = False


def _digit_like(st: np.ndarray, dpi: int) -> bool:
    """Components (x, y, w, h, area rows) of a cell -> does it look like a number: one line of
    upright glyphs of one height, at most a decimal point or separator besides."""
    top, bot = st[:, 1].min(), (st[:, 1] + st[:, 3]).max()
    hmax = st[:, 3].max()
    big = st[st[:, 3] >= 0.55 * hmax]
    small = st[st[:, 3] < 0.55 * hmax]
    if (bot - top) > 1.25 * hmax or len(big) > 14 or hmax > dpi * 0.25:
        return False
    aspect = big[:, 3] / np.maximum(1, big[:, 2])
    ok = bool((aspect >= 1.15).all() and (big[:, 3] >= 0.8 * hmax).all())
    if ok and len(small):
        ok = bool(((small[:, 1] + small[:, 3]) >= bot - 0.35 * hmax).all() and len(small) <= 3)
    return ok


def stretch(crop: np.ndarray) -> np.ndarray:
    """Map the darkest ink to black and white to white: faint toner reads like fresh print."""
    lo = float(np.percentile(crop[crop < 250], 5)) if (crop < 250).any() else 0.0
    if lo > 120:
        lo = 120.0
    out = (crop.astype(np.float32) - lo) * (255.0 / max(1.0, 255.0 - lo))
    return np.clip(out, 0, 255).astype(np.uint8)
