"""Rebuild a table's row/column grid, with merged cells, from its rule masks.

Separator positions come from rule segments (clustered); a segment only counts if its ends meet
rules of the other direction (cell corners) or it is long, which throws out stray strokes. Two
neighbouring grid slots belong to one merged cell when the rule between them is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .tables import BBox, TableRegion
from .text_separators import (
    aligned_line_rows,
    all_columns_prose,
    bridged_rows,
    header_cuts,
    looks_like_prose,
    text_columns,
    text_gap_columns,
    text_line_splits,
    text_mask,
    unruled_body_columns,
    wrapped_lines,
)


@dataclass
class GridCell:
    row: int
    col: int
    row_span: int
    col_span: int
    bbox: BBox  # page pixels, on the rule centres


@dataclass
class Grid:
    bbox: BBox
    xs: list[int]  # column separators, page pixels (n_cols + 1)
    ys: list[int]  # row separators, page pixels (n_rows + 1)
    cells: list[GridCell] = field(default_factory=list)
    rule_px: int = 3  # typical rule thickness
    inferred_xs: list[int] = field(default_factory=list)  # column separators found from text alone
    inferred_ys: list[int] = field(default_factory=list)  # row separators drawn in at an open edge
    from_text: bool = False  # ruled in part: its columns and most rows were found from the text

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1


@dataclass
class _Run:
    pos: float  # centre across the rule
    a: int  # start along the rule
    b: int  # end along the rule (exclusive)
    thick: float
    label: int = 0


def _segments(mask: np.ndarray, horizontal: bool) -> tuple[list[_Run], np.ndarray]:
    n, labels, stats, cent = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if horizontal:
            out.append(_Run(float(cent[i][1]), int(x), int(x + w), area / max(1, w), i))
        else:
            out.append(_Run(float(cent[i][0]), int(y), int(y + h), area / max(1, h), i))
    return out, labels


def _cluster(runs: list[_Run], tol: float) -> list[list[_Run]]:
    """Group runs whose centres lie within tol of the group's running mean."""
    groups: list[list[_Run]] = []
    for r in sorted(runs, key=lambda r: r.pos):
        if groups:
            g = groups[-1]
            wsum = sum(x.b - x.a for x in g)
            mean = sum(x.pos * (x.b - x.a) for x in g) / max(1, wsum)
            if abs(r.pos - mean) <= tol:
                g.append(r)
                continue
        groups.append([r])
    return groups


def _touches(other: np.ndarray, horizontal: bool, pos: float, lo: int, hi: int, tol: int) -> bool:
    """Does the other-direction rule mask have ink within tol across `pos`, between lo and hi along the
    run (its end, and a little inside it: a speck of noise joined to a rule's end extends the run)?"""
    p = round(pos)
    if horizontal:  # near (x in lo..hi, y=pos) must be a vertical rule
        y0, y1, x0, x1 = p - tol, p + tol + 1, lo, hi
    else:
        y0, y1, x0, x1 = lo, hi, p - tol, p + tol + 1
    H, W = other.shape
    win = other[max(0, y0) : min(H, y1), max(0, x0) : min(W, x1)]
    return bool(win.size and win.any())


def _beside_text(ink: np.ndarray, pos: float, thick: float, a: int, b: int, tol: int, band: int) -> float:
    """Share of a vertical run's length (its ends left out) with ink just beside it, left or right:
    a rule has the cell's padding beside it, a character's stroke the rest of the character."""
    half = max(1.0, thick / 2)
    x0, x1 = int(round(pos - half)) - band - 1, int(round(pos + half)) + 1
    y0, y1 = a + 2 * tol, b - 2 * tol
    if y1 - y0 < 2 or x0 < 0 or x1 + band + 1 > ink.shape[1]:
        return 0.0
    left = ink[y0:y1, x0 : x0 + band].any(axis=1)
    right = ink[y0:y1, x1 + 1 : x1 + 1 + band].any(axis=1)
    return float((left | right).mean())


def _separators(
    mask: np.ndarray,
    other: np.ndarray,
    horizontal: bool,
    tol: int,
    span: int,
    ink: np.ndarray | None = None,
    dpi: int = 300,
    max_text_beside: float = 0.35,
    must_meet: bool = True,
) -> tuple[list[float], list[float], list[int], np.ndarray]:
    """Candidate separator positions, their thicknesses, their ruled lengths and the mask of their rule pieces.

    A cluster of collinear pieces is a candidate if it meets rules of the other direction: a row rule
    at one of its ends, a column rule at both (the long upright stroke of a character in a low cell
    can join one rule by chance, not two), or one end when one piece is long (>= 0.4 of the table: a
    worn rule may lose an end, but a stroke inside one tall merged cell meets no rule at all). A short
    column candidate with text right beside it (ink, given, within 0.015 in) along more than
    max_text_beside of its length is a character's stroke. Stragglers are removed later by the slot
    boundary tests."""
    runs, labels = _segments(mask, horizontal)
    band = max(2, round(dpi * 0.015))
    pos, thick, length, keep = [], [], [], []
    for g in _cluster(runs, tol):
        a, b = min(r.a for r in g), max(r.b for r in g)
        top = _touches(other, horizontal, g[0].pos, a - tol, a + 3 * tol + 1, tol)
        bottom = _touches(other, horizontal, g[0].pos, b - 1 - 3 * tol, b + tol, tol)
        long = any(r.b - r.a >= 0.4 * span for r in g)
        if must_meet and not ((long and (top or bottom)) or (top or bottom if horizontal else top and bottom)):
            continue
        if (
            not horizontal
            and not long
            and ink is not None
            and _beside_text(ink, g[0].pos, max(r.thick for r in g), a, b, tol, band) > max_text_beside
        ):
            continue
        wsum = sum(r.b - r.a for r in g)
        pos.append(sum(r.pos * (r.b - r.a) for r in g) / max(1, wsum))
        thick.append(sum(r.thick * (r.b - r.a) for r in g) / max(1, wsum))
        length.append(wsum)
        keep += [r.label for r in g]
    lut = np.zeros(len(runs) + 1, np.uint8)
    lut[keep] = 255
    return pos, thick, length, lut[labels]


def _thin_out(
    pos: list[float], thick: list[float], length: list[int], min_gap: float
) -> tuple[list[float], list[float]]:
    """Of separators closer than min_gap (a doubled rule, a stroke beside a rule) keep one: the longer
    ruled one, and on a tie the outer one at the table's last edge."""
    if len(pos) < 2:
        return pos, thick
    keep = [0]
    for k in range(1, len(pos)):
        if pos[k] - pos[keep[-1]] >= min_gap:
            keep.append(k)
        elif length[k] > length[keep[-1]] or (k == len(pos) - 1 and length[k] == length[keep[-1]]):
            keep[-1] = k
    return [pos[k] for k in keep], [thick[k] for k in keep]


def _ruled(
    mask: np.ndarray,
    horizontal: bool,
    pos: float,
    a: int,
    b: int,
    band: int,
    min_coverage: float,
    end_coverage: float = 0.6,
) -> bool:
    """Is the slot boundary a..b at `pos` ruled? Enough rule ink overall and at both ends (text
    strokes that line up with a rule stop short of the cell's edges)."""
    p = round(pos)
    if b - a < 3:
        return True
    if horizontal:
        win = mask[max(0, p - band) : p + band + 1, a:b]
        prof = np.any(win > 0, axis=0) if win.size else np.zeros(0, bool)
    else:
        win = mask[a:b, max(0, p - band) : p + band + 1]
        prof = np.any(win > 0, axis=1) if win.size else np.zeros(0, bool)
    if prof.size == 0 or prof.mean() < min_coverage:
        return False
    e = max(3, int(0.08 * prof.size))
    return prof[:e].mean() >= end_coverage and prof[-e:].mean() >= end_coverage


def build_grid(
    region: TableRegion,
    dpi: int,
    min_coverage: float = 0.45,
    min_row_inches: float = 0.09,
    min_col_inches: float = 0.09,
    min_slots: int = 4,
) -> Grid | None:
    """Table region -> Grid of cells with spans (page pixels), or None if no grid can be built.

    A slot boundary counts as ruled when at least min_coverage of it carries rule ink (broken or
    faint rules pass, a merged cell's interior does not). An inner separator must bound at least one
    slot, and two where it crosses min_slots or more."""
    hm, vm = region.horizontal, region.vertical
    Hh, Ww = hm.shape
    tol = max(3, round(dpi * 0.02))
    ys, yth, ylen, hm_ok = _separators(hm, vm, True, tol, Ww)
    xs, xth, xlen, vm_ok = _separators(vm, hm, False, tol, Hh, region.ink, dpi)
    hm, vm = hm_ok, vm_ok
    # rules closer than a text line (doubled rules, a stroke beside a rule) count once
    ys, yth = _thin_out(ys, yth, ylen, dpi * min_row_inches)
    xs, xth = _thin_out(xs, xth, xlen, dpi * min_col_inches)
    row_candidates = list(ys)
    if len(ys) < 2 or len(xs) < 2:
        return None
    band = tol
    margin = tol + 1

    def boundaries(xs, ys):
        nr, nc = len(ys) - 1, len(xs) - 1
        right = np.zeros((nr, max(0, nc - 1)), bool)  # rule between (i,j) and (i,j+1)
        below = np.zeros((max(0, nr - 1), nc), bool)  # rule between (i,j) and (i+1,j)
        for i in range(nr):
            a, b = int(ys[i]) + margin, int(ys[i + 1]) - margin
            for j in range(nc - 1):
                right[i, j] = _ruled(vm, False, xs[j + 1], a, b, band, min_coverage)
        for j in range(nc):
            a, b = int(xs[j]) + margin, int(xs[j + 1]) - margin
            for i in range(nr - 1):
                below[i, j] = _ruled(hm, True, ys[i + 1], a, b, band, min_coverage)
        return right, below

    # drop inner separators that bound no slot at all (stray strokes, doubled rules), or only one slot of
    # min_slots or more: a stroke inside one cell is no boundary of the table's rows or columns
    def dead(ruled: np.ndarray) -> bool:
        n = int(ruled.sum())
        return n == 0 or (n == 1 and ruled.size >= min_slots)

    # text of the region: a column rule over the head only still counts where the body's text continues it
    text = text_mask(region.ink, hm, vm, dpi) if region.ink is not None else None
    for _ in range(4):
        right, below = boundaries(xs, ys)
        continued = (
            {x for x, _ in unruled_body_columns(text, xs, ys, right, margin, dpi)} if text is not None else set()
        )
        dead_x = [j + 1 for j in range(right.shape[1]) if dead(right[:, j]) and int(xs[j + 1]) not in continued]
        dead_y = [i + 1 for i in range(below.shape[0]) if dead(below[i, :])]
        if not dead_x and not dead_y:
            break
        xs = [x for k, x in enumerate(xs) if k not in dead_x]
        ys = [y for k, y in enumerate(ys) if k not in dead_y]
        if len(ys) < 2 or len(xs) < 2:
            return None
    inferred: list[int] = []
    inferred_rows: list[int] = []
    # ruled in part (no sides, or a frame round rows with no column rules): rows and columns from the text
    ink = region.ink
    from_text = ink is not None and ("left" in region.open_edges or (len(xs) == 2 and len(row_candidates) >= 3))
    if text is not None and from_text:
        # with no column rules, a row rule under a head over some columns meets no rule: take every long one
        loose, _, loose_len, loose_hm = _separators(region.horizontal, vm, True, tol, Ww, must_meet=False)
        row_candidates = sorted(set(row_candidates) | {y for y, n in zip(loose, loose_len) if n >= 0.2 * Ww})
        hm = np.maximum(hm, loose_hm)
        partial = _partial_row_rules(hm, row_candidates, ys, band, tol, dpi * min_row_inches)
        headless = "top" in region.open_edges  # a part that starts at a page break has no head
        found = _from_text(text, hm, vm, xs, ys, partial, margin, band, tol, dpi, headless)
        if found is not None:
            # a rule under a head over some columns meets no side; it counts once it ends on two columns
            inner = _inner_rules(hm, row_candidates, found[3], found[2], band, tol, dpi * min_row_inches)
            if inner:
                found = _from_text(text, hm, vm, xs, ys, partial + inner, margin, band, tol, dpi, headless)
        if found is None:
            return None
        hm, vm, xs, ys, inferred, inferred_rows = found
        right, below = boundaries(xs, ys)
    elif region.ink is not None and text is not None:
        # rules left out: rows ruled round a list only, then column rules too faint to see or hidden in one
        # cell (the text stands apart), and column rules printed over the head only
        splits = aligned_line_rows(text, xs, ys, below, margin, dpi)
        if splits:
            hm = hm.copy()
            for y in splits:
                hm[max(0, y - 1) : y + 2, :] = 255
            ys = sorted(ys + [float(y) for y in splits])
            inferred_rows = list(splits)
            right, below = boundaries(xs, ys)
        for x, rows in text_gap_columns(text, xs, ys, right, margin, dpi):
            vm = _draw_column(vm, x, rows, ys)
            xs = sorted(xs + [float(x)])
            inferred.append(x)
        if inferred:
            right, below = boundaries(xs, ys)
        body_columns = unruled_body_columns(text, xs, ys, right, margin, dpi)
        for x, rows in body_columns:
            vm = _draw_column(vm, x, rows, ys)
            inferred.append(x)
        if body_columns:
            right, below = boundaries(xs, ys)
    nr, nc = len(ys) - 1, len(xs) - 1
    if nr * nc < 2:
        return None

    # union-find over slots
    parent = list(range(nr * nc))

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for i in range(nr):
        for j in range(nc - 1):
            if not right[i, j]:
                union(i * nc + j, i * nc + j + 1)
    for i in range(nr - 1):
        for j in range(nc):
            if not below[i, j]:
                union(i * nc + j, (i + 1) * nc + j)
    groups: dict[int, list[tuple[int, int]]] = {}
    for i in range(nr):
        for j in range(nc):
            groups.setdefault(find(i * nc + j), []).append((i, j))

    ox, oy = region.bbox[0], region.bbox[1]
    X = [round(x) + ox for x in xs]
    Y = [round(y) + oy for y in ys]
    cells = []
    for slots in groups.values():
        for r0, c0, rs, cs in _rectangles(slots):
            cells.append(GridCell(r0, c0, rs, cs, (X[c0], Y[r0], X[c0 + cs], Y[r0 + rs])))
    cells.sort(key=lambda c: (c.row, c.col))
    rule = round(float(np.median(yth + xth))) if (yth or xth) else 3
    open_ys = ([Y[0]] if "top" in region.open_edges else []) + ([Y[-1]] if "bottom" in region.open_edges else [])
    open_ys += [y + oy for y in inferred_rows]
    if "sides" in region.open_edges:  # no outer side rules: the sides were drawn in
        inferred = inferred + [X[0] - ox, X[-1] - ox]
    return Grid((X[0], Y[0], X[-1], Y[-1]), X, Y, cells, max(1, rule), [x + ox for x in inferred], open_ys, from_text)


def _from_text(
    text: np.ndarray,
    hm: np.ndarray,
    vm: np.ndarray,
    xs: list[float],
    ys: list[float],
    partial: list[tuple[float, int, int]],
    margin: int,
    band: int,
    tol: int,
    dpi: int,
    headless: bool = False,
    joined: frozenset[int] = frozenset(),
):
    """Rows and columns of a table ruled in part, from its text and the rules it has: (hm, vm, xs, ys,
    inferred column xs, inferred row ys) with the inferred separators drawn into the masks, or None
    when the text is prose or one column. Rows come from the text lines; a cell's wrapped lines are
    joined again once the columns show them (text_separators.wrapped_lines), `joined` those splits. A
    `headless` part (open at its top: the rows a page break carried over) has no head under its first rule."""
    given = (text, hm, vm, xs, ys, partial, margin, band, tol, dpi, headless)
    printed_vm, printed_ys = vm, list(ys)  # the masks and rules as printed, before the text's are drawn
    inferred: list[int] = []
    inferred_rows: list[int] = []
    rules = hm  # the printed rules, before the text's rows are drawn in
    x0, x1 = int(xs[0]) + margin, int(xs[-1]) - margin
    head_rule = ys[1] if len(ys) > 2 and not headless else None  # the first rule inside: under the header
    ys = sorted(ys + [y for y, _, _ in partial])
    # rows from the text lines between rules, unless most rules already part single lines (then a
    # band of several lines is one row whose cells wrap)
    per_band = [text_line_splits(text, int(a) + margin, int(b) - margin, x0, x1, dpi) for a, b in zip(ys, ys[1:])]
    one_line_rows = len(per_band) >= 4 and float(np.median([len(s) for s in per_band])) == 0
    splits = [] if one_line_rows else [y for s in per_band for y in s if y not in joined]
    if splits:
        hm = hm.copy()
        for y in splits:
            hm[max(0, y - 1) : y + 2, :] = 255
        ys = sorted(ys + [float(y) for y in splits])
        inferred_rows = splits
    bands = [(int(a) + margin, int(b) - margin) for a, b in zip(ys, ys[1:])]
    if looks_like_prose(text, bands, x1 - x0, dpi):
        return None
    header_lines = sum(1 for a, _ in zip(ys, ys[1:]) if head_rule is not None and a < head_rule) or 1
    printed = {round(y): _rule_extent(rules, y, band) for y in ys}

    def spans(x: int, y: float) -> bool:
        ext = printed[round(y)]
        return ext is not None and ext[0] < x - 2 * tol and ext[1] > x + 2 * tol

    for x in _rule_ends(partial, hm.shape[1], tol):
        # a row rule that stops inside the table stops at the edge of a merged label cell: a column
        # boundary in the bands whose text does not cross it, unless the rules above and below the band
        # both run on past it (a label over that boundary)
        rows = [
            i
            for i, (a, b) in enumerate(bands)
            if not text[a:b, max(0, x - band) : x + band + 1].any() and not (spans(x, ys[i]) and spans(x, ys[i + 1]))
        ]
        if not rows or any(abs(x - old) <= 2 * tol for old in xs):
            continue
        vm = _draw_column(vm, x, rows, ys)
        xs = sorted(xs + [float(x)])
        inferred.append(x)
    ends = list(inferred)
    # the header may run below the first rule (rows ruled one by one): the header depth that finds the
    # most columns, the shallowest on a tie
    depths = range(header_lines, max(header_lines, min(header_lines + 3, len(bands) // 2)) + 1)
    columns = max((text_columns(text, bands, x0, x1, dpi, header_lines=h) for h in depths), key=len)
    for x, a, b, rows in columns:
        slack = max(margin, round(dpi * 0.1))  # a rule's end beside the text's gap: the cell's edge
        there = [old for old in xs if a - slack <= old <= b + slack]
        if there:  # a column rule stands in that gap already, or a rule's end: the
            if round(there[0]) in ends:  # text separates the rows it shows apart there too
                x = round(there[0])
                # glyphs closer than 0.12 in are one label's; under a rule that runs on past x, 0.25 in
                # ("一、本年" leaves 0.18 in after 、)
                rows = [
                    i
                    for i in rows
                    if not _within_text(
                        text[bands[i][0] : bands[i][1]],
                        x,
                        round(dpi * (0.25 if spans(x, ys[i]) and spans(x, ys[i + 1]) else 0.12)),
                    )
                ]
                vm = _draw_column(vm, x, rows, ys)
            continue
        vm = _draw_column(vm, x, rows, ys)
        xs = sorted(xs + [float(x)])
        inferred.append(x)
    if len(xs) < 3 or all_columns_prose(text, bands, [int(x) for x in xs], dpi):
        return None  # one column, or columns of running text: not a table
    if not joined and (wrapped := wrapped_lines(text, ys, splits, xs, header_lines, dpi)):
        return _from_text(*given, joined=frozenset(wrapped))
    ruled_ys = {round(y) for y in printed_ys} | {round(y) for y, _, _ in partial}
    if head_rule is not None and not any(round(ys[0]) < y < round(head_rule) for y in ruled_ys):  # none in the head
        hm, vm, ys, inferred_rows = _header_rows(
            text, hm, vm, printed_vm, rules, ys, inferred_rows, (int(ys[0]) + margin, int(head_rule) - margin), xs, dpi
        )
        header_lines = sum(1 for a in ys[:-1] if a < head_rule)
    bridged = bridged_rows(text, ys, xs, header_lines, dpi, ruled=ruled_ys)
    if bridged:
        hm = hm.copy()
        for y, first in bridged:
            hm[max(0, y - 1) : y + 2, int(xs[first]) :] = 255
        ys = sorted(ys + [float(y) for y, _ in bridged])
        inferred_rows = sorted(inferred_rows + [y for y, _ in bridged])
    return hm, vm, xs, ys, inferred, inferred_rows


def _header_rows(
    text: np.ndarray,
    hm: np.ndarray,
    vm: np.ndarray,
    printed_vm: np.ndarray,
    printed_hm: np.ndarray,
    ys: list[float],
    inferred_rows: list[int],
    head: tuple[int, int],
    xs: list[float],
    dpi: int,
) -> tuple[np.ndarray, np.ndarray, list[float], list[int]]:
    """A header with no rules between its rows (rows head[0]..head[1]), its text lines and columns
    drawn through it as for the body, cut again into its nested heads (text_separators.header_cuts):
    each row cut runs over the columns of its head only, so a head beside them spans those rows.
    Returns (hm, vm, ys, inferred row ys)."""
    y0, y1 = head
    row_cuts, col_cuts = header_cuts(text, y0, y1, xs, dpi)
    lines = [y for y in inferred_rows if y0 <= y <= y1]
    hm, vm = hm.copy(), vm.copy()
    for y in lines:
        hm[max(0, y - 1) : y + 2] = printed_hm[max(0, y - 1) : y + 2]
    vm[y0:y1] = printed_vm[y0:y1]
    chosen: list[int] = []
    for lo, hi, c0, c1 in sorted(row_cuts):
        y = next((c for c in chosen if lo <= c <= hi), (lo + hi) // 2)
        if y not in chosen:
            chosen.append(y)
        hm[max(0, y - 1) : y + 2, int(xs[c0]) : int(xs[c1]) + 1] = 255
    for j, a, b in col_cuts:
        vm[a:b, max(0, int(xs[j]) - 1) : int(xs[j]) + 2] = 255
    ys = sorted([y for y in ys if round(y) not in lines] + [float(y) for y in chosen])
    return hm, vm, ys, sorted([y for y in inferred_rows if y not in lines] + chosen)


def _within_text(band: np.ndarray, x: int, min_gap: int) -> bool:
    """Whether x falls inside a line of text (ink on both sides closer than min_gap) in a band of the text mask."""
    cols = np.any(band, axis=0)
    left, right = np.flatnonzero(cols[: x + 1]), np.flatnonzero(cols[x:])
    return bool(left.size and right.size and right[0] + x - left[-1] < min_gap)


def _draw_column(vm: np.ndarray, x: int, rows: list[int], ys: list[float]) -> np.ndarray:
    """A copy of the column mask with a separator drawn at x down the bands `rows` (between ys)."""
    vm = vm.copy()
    for i in rows:
        vm[int(ys[i]) : int(ys[i + 1]) + 1, max(0, x - 1) : x + 2] = 255
    return vm


def _rule_extent(hm: np.ndarray, y: float, band: int, max_break: float = 0.1) -> tuple[int, int, float] | None:
    """The first and last x of the row rule at y (its longest stretch, breaks shorter than max_break of
    it bridged: a worn rule, not a stroke of text beside it) and the share of that stretch that is ruled."""
    p = round(y)
    prof = np.any(hm[max(0, p - band) : p + band + 1] > 0, axis=0)
    edges = np.flatnonzero(np.diff(np.r_[0, prof.astype(np.int8), 0]))
    runs = [[int(s), int(e)] for s, e in zip(edges[::2], edges[1::2])]
    if not runs:
        return None
    longest = max(e - s for s, e in runs)
    merged = [runs[0]]
    for s, e in runs[1:]:
        if s - merged[-1][1] <= max_break * longest:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    s, e = max(merged, key=lambda r: r[1] - r[0])
    return s, e - 1, float(prof[s:e].mean())


def _partial_row_rules(
    hm: np.ndarray,
    candidates: list[float],
    ys: list[float],
    band: int,
    tol: int,
    near: float,
    min_share: float = 0.25,
    min_cover: float = 0.8,
) -> list[tuple[float, int, int]]:
    """Row rules that run from one side of the table part of the way across, (y, first x, last x) each:
    under a group of nested labels the rule starts where the group's label cell begins. Only candidates
    not within `near` of ys or of each other, min_share of the width long or more, ruled along min_cover of
    their length."""
    width = hm.shape[1]
    out, taken = [], list(ys)
    for y in candidates:
        ext = None if any(abs(y - k) < near for k in taken) else _rule_extent(hm, y, band)
        if ext is None or ext[1] - ext[0] < min_share * width or ext[2] < min_cover:
            continue
        if ext[0] > 2 * tol and ext[1] < width - 1 - 2 * tol:
            continue  # meets neither side: a head rule over some columns
        out.append((y, ext[0], ext[1]))
        taken.append(y)
    return out


def _inner_rules(
    hm: np.ndarray,
    candidates: list[float],
    ys: list[float],
    xs: list[float],
    band: int,
    tol: int,
    near: float,
    min_cover: float = 0.8,
) -> list[tuple[float, int, int]]:
    """Row rules over some columns that meet neither side (under a head over several columns): candidates
    not within `near` of ys or of each other whose both ends lie on column boundaries xs, ruled along
    min_cover of their length."""
    out, taken = [], list(ys)
    for y in candidates:
        ext = None if any(abs(y - k) < near for k in taken) else _rule_extent(hm, y, band)
        if ext is not None and ext[2] >= min_cover and all(any(abs(e - x) <= 2 * tol for x in xs) for e in ext[:2]):
            out.append((y, ext[0], ext[1]))
            taken.append(y)
    return out


def _rule_ends(partial: list[tuple[float, int, int]], width: int, tol: int) -> list[int]:
    """The x where partial row rules stop inside the table, one per cluster of ends (within 2 tol)."""
    ends = sorted([a for _, a, _ in partial if a > 2 * tol] + [b for _, _, b in partial if b < width - 1 - 2 * tol])
    out: list[list[int]] = []
    for x in ends:
        if out and x - out[-1][-1] <= 2 * tol:
            out[-1].append(x)
        else:
            out.append([x])
    return [int(np.median(c)) for c in out]


def _rectangles(slots: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Slots of one merged area -> (row, col, row_span, col_span) rectangles covering them.

    A rectangle when the area is one; otherwise (a rule missing by damage made an L shape) split
    greedily into row runs stacked where they line up."""
    rows = [r for r, _ in slots]
    cols = [c for _, c in slots]
    r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
    if len(slots) == (r1 - r0 + 1) * (c1 - c0 + 1):
        return [(r0, c0, r1 - r0 + 1, c1 - c0 + 1)]
    left = set(slots)
    out = []
    for r in range(r0, r1 + 1):
        for c in range(c0, c1 + 1):
            if (r, c) not in left:
                continue
            ce = c
            while (r, ce + 1) in left:
                ce += 1
            re_ = r
            while all((re_ + 1, k) in left for k in range(c, ce + 1)):
                re_ += 1
            for rr in range(r, re_ + 1):
                for k in range(c, ce + 1):
                    left.discard((rr, k))
            out.append((r, c, re_ - r + 1, ce - c + 1))
    return out
