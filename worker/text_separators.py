"""Separators that the text shows where no rule is printed: a column rule too faint to see, the columns
and rows of a table ruled only in part. Pure functions over uint8 masks (255 = ink or rule) of one
table region; positions are region pixels.
"""
from __future__ import annotations

import cv2
import numpy as np


def text_mask(ink: np.ndarray, hm: np.ndarray, vm: np.ndarray, dpi: int) -> np.ndarray:
    """Bool mask of the region's text: ink that is not a rule, without specks (see _without_specks)."""
    return _without_specks(((ink > 0) & ~(hm > 0) & ~(vm > 0)).astype(np.uint8), max(3, round(dpi * 0.02)))


def _gaps(profile: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """Runs of False at least min_gap long strictly between the first and last True of a profile."""
    ink = np.flatnonzero(profile)
    if ink.size < 2:
        return []
    inner = profile[ink[0]:ink[-1] + 1]
    edges = np.flatnonzero(np.diff(np.r_[1, inner.astype(np.int8), 1]))
    runs = [(int(a) + int(ink[0]), int(b) + int(ink[0])) for a, b in zip(edges[::2], edges[1::2])]
    return [(a, b) for a, b in runs if b - a >= min_gap]


def _without_specks(mask: np.ndarray, size: int) -> np.ndarray:
    """A bool mask of the blobs of a uint8 mask that are more than `size` pixels tall or wide (fax
    speckle and dust are smaller than any glyph, a full-width comma included)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = (stats[:, cv2.CC_STAT_WIDTH] > size) | (stats[:, cv2.CC_STAT_HEIGHT] > size)
    keep[0] = False
    return keep[labels]


def _drop_slivers(profile: np.ndarray, width: int) -> np.ndarray:
    """The profile without runs of ink `width` or narrower (thinner than any glyph's extent)."""
    edges = np.flatnonzero(np.diff(np.r_[0, profile.astype(np.int8), 0]))
    out = profile.copy()
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a <= width:
            out[a:b] = False
    return out


def text_gap_columns(ink: np.ndarray, hm: np.ndarray, vm: np.ndarray, xs: list[float], ys: list[float],
                      right: np.ndarray, margin: int, dpi: int, min_gap_inches: float = 0.12, min_rows: int = 2,
                      min_share: float = 0.5) -> list[tuple[int, list[int]]]:
    """Column separators the rules do not show but the text does.

    In a grid column, look at the cells ruled on both sides (`right`: the ruled boundaries; a cell
    merged across columns says nothing). A separator is there when cells whose text stands in two
    runs apart by min_gap_inches or more have gaps that all overlap, there are at least min_rows of
    them and they are min_share of the cells with text from the first of them on, and no cell below
    the first has text across the gap (above it, merged headers may). Specks and slivers of ink
    thinner than a glyph (dust, a faint rule's remains) are not text. Returns (x, the rows it
    separates) per separator found."""
    min_gap = max(4, round(dpi * min_gap_inches))
    sliver = max(2, round(dpi * 0.01))
    text = text_mask(ink, hm, vm, dpi)
    out = []
    for j in range(len(xs) - 1):
        x0, x1 = int(xs[j]) + margin, int(xs[j + 1]) - margin
        if x1 - x0 < 3 * min_gap:
            continue
        profiles: dict[int, np.ndarray] = {}
        for i in range(len(ys) - 1):
            if (j > 0 and not right[i, j - 1]) or (j < right.shape[1] and not right[i, j]):
                continue
            slot = text[int(ys[i]) + margin:int(ys[i + 1]) - margin, x0:x1]
            if slot.size and slot.any():
                profile = _drop_slivers(slot.any(axis=0), sliver)
                if profile.any():
                    profiles[i] = profile
        lo, hi, split = 0, x1 - x0, []
        for i, profile in profiles.items():
            gaps = _gaps(profile, min_gap)
            if len(gaps) == 1:
                split.append(i)
                lo, hi = max(lo, gaps[0][0]), min(hi, gaps[0][1])
        below = [i for i in profiles if i >= (split[0] if split else 0)]
        if len(split) < max(min_rows, min_share * len(below)) or hi - lo < min_gap // 2:
            continue
        crossing = [i for i, p in profiles.items() if p[lo:hi].any() and i > split[0]]
        if not crossing:
            out.append((x0 + (lo + hi) // 2, split))
    return out


