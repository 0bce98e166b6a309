"""Page orientation: find the quarter turn that makes the text upright.

Two cheap signals, no Tesseract (OSD costs a process and ~1.5 s a page):
  * text-line axis (`text_axis_turn`, before deskew): smearing ink along the true line direction joins
    characters into long bars, smearing across it does not (lines are further apart than characters);
  * up/down (`up_down`, after deskew): Chinese commas, full stops and the dots of "1." sit at the
    bottom of the text line; on a page turned 180 degrees they sit at the top.
"""

from __future__ import annotations

import cv2
import numpy as np

from .deskew import ink_mask

WORK_DPI = 100  # resolution the orientation signals are computed at


def turn(image: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate an image clockwise by rotation degrees (0, 90, 180, 270)."""
    r = rotation % 360
    if r == 0:
        return image
    code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}[r]
    return cv2.rotate(image, code)


def _small_mask(gray: np.ndarray, dpi: int, work_dpi: float = WORK_DPI) -> tuple[np.ndarray, float]:
    f = min(1.0, work_dpi / dpi)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    d = dpi * f
    mask = ink_mask(small, int(d))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return _drop_rules(mask, d), d


def _drop_rules(mask: np.ndarray, dpi: float) -> np.ndarray:
    """Remove long straight lines (table rules) so only glyphs remain."""
    k = max(10, int(dpi * 0.4))
    h = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    v = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k)))
    lines = cv2.dilate(cv2.bitwise_or(h, v), np.ones((3, 3), np.uint8))
    return cv2.bitwise_and(mask, cv2.bitwise_not(lines))


def _elongation(mask: np.ndarray, dpi: float, horizontal: bool) -> float:
    """Ink area in components that become long bars when smeared along one axis."""
    gap = max(3, int(dpi * 0.06))  # ~ 4 pt: joins neighbouring characters, not neighbouring lines
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1) if horizontal else (1, gap))
    sm = cv2.dilate(mask, k)
    n, _, stats, _ = cv2.connectedComponentsWithStats(sm, connectivity=8)
    if n <= 1:
        return 0.0
    w, h, area = stats[1:, 2].astype(float), stats[1:, 3].astype(float), stats[1:, 4].astype(float)
    along, across = (w, h) if horizontal else (h, w)
    em_lo, em_hi = dpi * 0.06, dpi * 0.45  # plausible text heights (~4 to 32 pt)
    ok = (along > 4 * across) & (across >= em_lo) & (across <= em_hi)
    return float(area[ok].sum())


def text_axis_turn(gray: np.ndarray, dpi: int) -> tuple[int, float]:
    """Upright-or-sideways check. Gray page -> (0 or 90, strength).

    0 if text lines run left-right, 90 if they run top-bottom (the page must be turned by 90 or
    270). strength in [0, 1]: 0 no evidence (blank page, photo), 1 unambiguous."""
    mask, d = _small_mask(gray, dpi)
    hs, vs = _elongation(mask, d, True), _elongation(mask, d, False)
    tot = hs + vs
    if tot <= 0:
        return 0, 0.0
    strength = abs(hs - vs) / tot
    return (0 if hs >= vs else 90), strength


GLYPH_DPI = 150  # resolution of the glyph mask the up/down check reads (and page text reuses)


def glyph_mask(gray: np.ndarray, dpi: int) -> tuple[np.ndarray, float]:
    """Level gray page -> (ink mask without rules at about GLYPH_DPI, its resolution)."""
    return _small_mask(gray, dpi, GLYPH_DPI)


def flip_votes(gray: np.ndarray, dpi: int, glyphs: tuple[np.ndarray, float] | None = None) -> tuple[int, int]:
    """Gray page, level, with horizontal text lines -> (marks near line bottoms, marks near line tops).

    Counts small, compact blobs (commas, full stops, dots) by where they sit inside their text
    line. Upright Chinese print puts them at the bottom; more top ones mean the page is upside down.
    `glyphs`: the page's glyph_mask, when the caller has it already."""
    mask, d = glyphs or glyph_mask(gray, dpi)
    n, labels, stats, cent = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return 0, 0
    # text lines: join characters horizontally, each joined bar is a line band
    gap = max(3, int(d * 0.08))
    bars = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    _, blabels, bstats, _ = cv2.connectedComponentsWithStats(bars, connectivity=8)
    em_lo, em_hi = d * 0.08, d * 0.35
    x, w, h, area = stats[1:, 0], stats[1:, 2], stats[1:, 3], stats[1:, 4]
    cx, cy = cent[1:, 0], cent[1:, 1]
    bar = blabels[cy.astype(int), cx.astype(int)]
    _, by, bw, bh, _ = bstats[bar].T
    bh_f = bh.astype(float)
    mark = (
        (area >= 3)
        & (bar != 0)
        & (bh >= em_lo)
        & (bh <= em_hi)
        & (bw >= 3 * bh)
        & (w <= 0.35 * bh_f)
        & (h <= 0.35 * bh_f)  # small enough for a punctuation mark
        & (np.minimum(w, h) >= 0.15 * bh_f)
        & (area >= 0.03 * bh_f**2)
    )  # not a speck
    bottom = top = 0
    for k in np.nonzero(mark)[0]:
        # a mark stands alone in its slice of the line; dots of characters have strokes above/below
        col = labels[by[k] : by[k] + bh[k], x[k] : x[k] + w[k]]
        if np.count_nonzero((col != 0) & (col != k + 1)) > 0.1 * area[k]:
            continue
        rel = (cy[k] - by[k]) / bh[k]
        if rel > 0.68:
            bottom += 1
        elif rel < 0.32:
            top += 1
    return bottom, top


def up_down(
    gray: np.ndarray,
    dpi: int,
    min_votes: int = 6,
    ratio: float = 1.6,
    latin_balance: float = 0.35,
    min_latin_lines: int = 8,
    glyphs: tuple[np.ndarray, float] | None = None,
) -> tuple[bool, bool]:
    """Level gray page -> (upside down, surely upright). Where min_latin_lines text lines or more give an
    ascender balance of latin_balance or more either way (Latin text: icdar pages 0.38 to 0.75; Chinese
    pages -0.12 to 0.52 upright, none past it the wrong way), that decides,
    surely upright from 1.4 times it. Otherwise the marks: surely upright takes 10 marks at line
    bottoms and four times as many as at tops (on 80 pages of bench seed 7 turned 180 degrees,
    none came near; two reached the looser test for upside down the other way).
    `glyphs`: the page's glyph_mask, when the caller has it already."""
    glyphs = glyphs or glyph_mask(gray, dpi)
    balance, lines = ascender_balance(gray, dpi, glyphs)
    if lines >= min_latin_lines and abs(balance) >= latin_balance:
        # Latin lines say it plainly (quotes, accents and superscripts mislead the marks)
        return balance < 0, balance >= 1.4 * latin_balance
    bottom, top = flip_votes(gray, dpi, glyphs)
    return top >= min_votes and top >= ratio * bottom + 2, bottom >= 10 and bottom >= 4 * top + 2


def ascender_balance(gray: np.ndarray, dpi: int, glyphs: tuple[np.ndarray, float] | None = None) -> tuple[float, int]:
    """Level gray page -> (balance, text lines measured). Latin letters rise above the x-height more
    (capitals, b d f h k l t) than they fall below it (g j p q y): balance = (ink above the line's
    core - ink below) / both, over the page's text lines; upright Latin text comes out well above 0,
    turned 180 degrees well below, Chinese and digits near 0. `glyphs`: the page's glyph_mask, when the
    caller has it already."""
    mask, d = glyphs or glyph_mask(gray, dpi)
    bars = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(d * 0.08)), 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(bars, connectivity=8)
    above = below = 0.0
    lines = 0
    for x, y, w, h, _ in stats[1:]:
        if not (d * 0.08 <= h <= d * 0.35 and w >= 6 * h):
            continue
        prof = (mask[y : y + h, x : x + w] > 0).sum(axis=1).astype(float)
        core = np.flatnonzero(prof >= 0.5 * prof.max())
        above += prof[: core[0]].sum()
        below += prof[core[-1] + 1 :].sum()
        lines += 1
    return (float((above - below) / (above + below)) if above + below else 0.0), lines
