"""Separators that the text shows where no rule is printed: a column rule too faint to see, the columns
and rows of a table ruled only in part. Pure functions over uint8 masks (255 = ink or rule) of one
table region; positions are region pixels.
"""

from __future__ import annotations

import cv2
import numpy as np


def text_mask(ink: np.ndarray, hm: np.ndarray, vm: np.ndarray, dpi: int) -> np.ndarray:
    """Bool mask of the region's text: ink that is not a rule, without specks (blobs 0.03 in or smaller
    both ways: fax speckle and dust; a comma or a point may go too, it parts no row or column) and without
    the edges a rule leaves beside its mask: the pixels 0.005 in beside it, and lines 0.02 in thick or
    less and 0.25 in long or more."""
    size, long, edge = max(3, round(dpi * 0.03)), round(dpi * 0.25), 2 * max(1, round(dpi * 0.005)) + 1
    hm = cv2.dilate(hm, np.ones((edge, 1), np.uint8))  # the rows just beside a rule are its edge
    vm = cv2.dilate(vm, np.ones((1, edge), np.uint8))
    text = ((ink > 0) & ~(hm > 0) & ~(vm > 0)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    keep = ((w > size) | (h > size)) & ~((h <= size) & (w >= long)) & ~((w <= size) & (h >= long))
    keep[0] = False
    return keep[labels]


def blank_runs(profile: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """Runs of False at least min_gap long strictly between the first and last True of a profile."""
    ink = np.flatnonzero(profile)
    if ink.size < 2:
        return []
    inner = profile[ink[0] : ink[-1] + 1]
    edges = np.flatnonzero(np.diff(np.r_[1, inner.astype(np.int8), 1]))
    runs = [(int(a) + int(ink[0]), int(b) + int(ink[0])) for a, b in zip(edges[::2], edges[1::2])]
    return [(a, b) for a, b in runs if b - a >= min_gap]


def drop_slivers(profile: np.ndarray, width: int) -> np.ndarray:
    """The profile without runs of ink `width` or narrower (thinner than any glyph's extent)."""
    edges = np.flatnonzero(np.diff(np.r_[0, profile.astype(np.int8), 0]))
    out = profile.copy()
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a <= width:
            out[a:b] = False
    return out


def text_gap_columns(
    text: np.ndarray,
    xs: list[float],
    ys: list[float],
    right: np.ndarray,
    margin: int,
    dpi: int,
    min_gap_inches: float = 0.12,
    min_rows: int = 2,
    min_share: float = 0.5,
    min_group_rows: int = 3,
) -> list[tuple[int, list[int]]]:
    """Column separators the rules do not show but the text does.

    In a grid column, look at the cells ruled on both sides (`right`: the ruled boundaries; a cell
    merged across columns says nothing). A separator is there when cells whose text stands in two
    runs apart by min_gap_inches or more have gaps that all overlap (or, for each of several separators,
    min_group_rows cells or more have gaps there that overlap), there are at least min_rows of
    them and they are min_share of the cells with text from the first of them on, and no cell below
    the first has text across the gap (above it, merged headers may). text: bool text mask of the region
    (text_mask: specks gone); slivers of it thinner than a glyph (a faint rule's remains) are not text.
    Returns (x, the rows it separates) per separator found."""
    min_gap = max(4, round(dpi * min_gap_inches))
    sliver = max(2, round(dpi * 0.01))
    out = []
    for j in range(len(xs) - 1):
        x0, x1 = int(xs[j]) + margin, int(xs[j + 1]) - margin
        if x1 - x0 < 3 * min_gap:
            continue
        profiles: dict[int, np.ndarray] = {}
        for i in range(len(ys) - 1):
            if (j > 0 and not right[i, j - 1]) or (j < right.shape[1] and not right[i, j]):
                continue
            slot = text[int(ys[i]) + margin : int(ys[i + 1]) - margin, x0:x1]
            if slot.size and slot.any():
                profile = drop_slivers(np.any(slot, axis=0), sliver)
                if profile.any():
                    profiles[i] = profile
        lo, hi, split = 0, x1 - x0, []
        groups: list[list] = []  # [lo, hi, rows]: every row's gaps, grouped where they overlap down the column
        for i, profile in profiles.items():
            gaps = blank_runs(profile, min_gap)
            if len(gaps) == 1:
                split.append(i)
                lo, hi = max(lo, gaps[0][0]), min(hi, gaps[0][1])
            for ga, gb in gaps:
                g = next((g for g in groups if ga < g[1] and gb > g[0] and i not in g[2]), None)
                if g is None:
                    groups.append([ga, gb, [i]])
                else:
                    g[0], g[1] = max(g[0], ga), min(g[1], gb)
                    g[2].append(i)
        # one hidden rule: the rows whose text stands in two runs; several (a cell that hides two rules or
        # more): each gap that min_group_rows rows or more share
        taken: list[tuple[int, int]] = []
        candidates = ([(lo, hi, split, min_rows)] if split else []) + [(a, b, r, min_group_rows) for a, b, r in groups]
        for lo, hi, split, least in candidates:
            below = [i for i in profiles if i >= split[0]]
            if len(split) < max(least, min_share * len(below)) or hi - lo < min_gap // 2:
                continue
            crossing = [i for i, p in profiles.items() if p[lo:hi].any() and i > split[0]]
            if not crossing and not any(lo < b and hi > a for a, b in taken):
                taken.append((lo, hi))
                out.append((x0 + (lo + hi) // 2, split))
    return out


def unruled_body_columns(
    text: np.ndarray,
    xs: list[float],
    ys: list[float],
    right: np.ndarray,
    margin: int,
    dpi: int,
    clear_inches: float = 0.02,
    min_rows: int = 2,
    min_share: float = 0.5,
) -> list[tuple[int, list[int]]]:
    """Column rules printed over the head only, continued down a body that has none (rows ruled across
    the whole table, columns not). text: bool text mask of the region; xs, ys: separators found;
    right: the ruled column boundaries per row (see build_grid).

    In a run of rows with no inner column rule at all, a column rule x of the head separates the rows whose
    text keeps clear_inches or more off x on both sides, once min_rows of them, and min_share of the run's
    rows with text, have text on both sides of x. A merged cell in a ruled table has ruled cells beside it
    in its own rows, and a one-line section title is text on one side only: neither is split.
    Returns (x, the rows it separates) per column rule continued."""
    if len(xs) < 3 or right.size == 0:
        return []
    clear = max(2, round(dpi * clear_inches))
    open_rows = [i for i in range(len(ys) - 1) if not right[i].any()]
    runs: list[list[int]] = []
    for i in open_rows:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    out: dict[int, list[int]] = {}
    for run in runs:
        if len(run) < min_rows:
            continue
        bands = [text[int(ys[i]) + margin : int(ys[i + 1]) - margin] for i in run]
        with_text = sum(1 for b in bands if b.any())
        for j in range(1, len(xs) - 1):
            x, lo, hi = int(xs[j]), int(xs[j - 1]) + margin, int(xs[j + 1]) - margin
            clear_rows, both = [], 0
            for i, b in zip(run, bands):
                if b[:, max(0, x - clear) : x + clear + 1].any():
                    continue
                clear_rows.append(i)
                both += int(b[:, lo : x - clear].any() and b[:, x + clear + 1 : hi].any())
            if both >= max(min_rows, min_share * with_text):
                out.setdefault(x, []).extend(clear_rows)
    return sorted(out.items())


def aligned_line_rows(
    text: np.ndarray,
    xs: list[float],
    ys: list[float],
    below: np.ndarray,
    margin: int,
    dpi: int,
    min_lines: int = 3,
    min_columns: int = 2,
    min_share: float = 0.8,
) -> list[int]:
    """Row separators a ruled table leaves out: a band below the first (a head wraps its titles), between
    two row rules, ruled across every column above and below (below: the ruled row boundaries per column,
    see build_grid), whose text stands in min_lines or more lines, where every column with text has it
    on min_share of the lines or more, and min_columns columns or more have text (a frame round a list of
    entries, ruled under the head and over the total only). Titles wrapped over two lines beside titles
    wrapped over three, or a label wrapped beside one figure, are one row; a cell merged down several
    bands is never cut. Returns the y of each separator (region px)."""
    out: list[int] = []
    x0, x1 = int(xs[0]) + margin, int(xs[-1]) - margin
    nr = len(ys) - 1
    for i in range(1, nr):
        if not below[i - 1].all() or (i < nr - 1 and not below[i].all()):
            continue
        y0, y1 = int(ys[i]) + margin, int(ys[i + 1]) - margin
        splits = text_line_splits(text, y0, y1, x0, x1, dpi)
        if len(splits) < min_lines - 1:
            continue
        edges = [y0] + splits + [y1]
        lines = [
            [text[la:lb, int(c0) + margin : int(c1) - margin].any() for la, lb in zip(edges, edges[1:])]
            for c0, c1 in zip(xs, xs[1:])
        ]
        filled = [sum(col) / len(col) for col in lines if any(col)]
        if len(filled) >= min_columns and min(filled) >= min_share:
            out += splits
    return out


def text_line_splits(
    text: np.ndarray, y0: int, y1: int, x0: int, x1: int, dpi: int, min_gap_inches: float = 0.025
) -> list[int]:
    """Where to split the band y0..y1 (between two row rules, or a table's only band) into its text
    lines: the middle of every run of blank pixel rows at least min_gap_inches high between two lines
    (ink 0.02 in high or less, fax speckle along a row, is no line)."""
    band = text[y0:y1, x0:x1]
    if band.size == 0:
        return []
    rows = drop_slivers(np.any(band, axis=1), max(1, round(dpi * 0.02)))  # specks are lower than a line
    return [y0 + (a + b) // 2 for a, b in blank_runs(rows, max(2, round(dpi * min_gap_inches)))]


def wrapped_lines(
    text: np.ndarray,
    ys: list[float],
    splits: list[int],
    xs: list[float],
    first_body: int,
    dpi: int,
    max_gap_share: float = 0.75,
) -> set[int]:
    """Row splits (of `splits`, drawn between text lines) that part the wrapped lines of one cell: a line
    whose text lies in some of the columns its neighbour has text in, in one of them or from its
    neighbour's first, and none of them its neighbour's last (a label's second line beside no number; a
    title centred over the middle columns is a row of its own), closer to that neighbour than to the line
    on its other side and than max_gap_share of the usual gap between rows with text in two columns or
    more (a section title as far from its rows as rows are from each other stays a row). ys: the row
    separators, xs the columns, region pixels; bands above first_body (the header) are left alone; a
    column holds text where it is 0.03 in wide (fax speckle is not)."""
    speck = max(2, round(dpi * 0.03))
    bands = [[int(a), int(b)] for a, b in zip(ys, ys[1:])]

    def extent(a: int, b: int) -> tuple[int, int, frozenset[int]] | None:
        rows = np.flatnonzero(text[a:b, int(xs[0]) : int(xs[-1])].any(axis=1))
        if rows.size == 0:
            return None
        cols = frozenset(
            j
            for j in range(len(xs) - 1)
            if drop_slivers(np.any(text[a:b, int(xs[j]) : int(xs[j + 1])], axis=0), speck).any()
        )
        return a + int(rows[0]), a + int(rows[-1]), cols

    lines = [extent(a, b) for a, b in bands]
    gaps = [
        lo[0] - hi[1]
        for hi, lo in zip(lines[first_body:], lines[first_body + 1 :])
        if hi is not None and lo is not None and len(hi[2]) >= 2 and len(lo[2]) >= 2
    ]
    if not gaps:
        return set()
    usual = float(np.median(gaps))
    inner = {round(y) for y in splits}
    joined: set[int] = set()

    def beside_none(part: frozenset[int], whole: frozenset[int]) -> bool:  # a label's line, nothing right of it
        if not part or not part < whole:
            return False
        within = len(part) == 1 or min(part) == min(whole)  # in one column, or from the first
        return within and max(part) < max(whole)

    while True:
        best = None
        for i in range(first_body, len(lines) - 1):
            a, b = lines[i], lines[i + 1]
            y = bands[i][1]
            if a is None or b is None or y not in inner or y in joined:
                continue
            gap = b[0] - a[1]
            for part, whole, beyond in ((a, b, i - 1), (b, a, i + 2)):
                other = lines[beyond] if first_body <= beyond < len(lines) else None
                # the line on the part's other side competes for it unless it too is a wrapped line (a label
                # wrapped over three lines beside one number)
                far = (
                    other is None
                    or other[2] <= part[2]
                    or (abs(part[0] - other[1]) if beyond < i else abs(other[0] - part[1])) > gap
                )
                closer = best is None or gap < best[0]
                if beside_none(part[2], whole[2]) and gap < max_gap_share * usual and far and closer:
                    best = (gap, i)
        if best is None:
            return joined
        i = best[1]
        a, b = lines[i], lines[i + 1]
        assert a is not None and b is not None
        joined.add(bands[i][1])
        lines[i : i + 2] = [(a[0], b[1], a[2] | b[2])]
        bands[i : i + 2] = [[bands[i][0], bands[i + 1][1]]]


def header_cuts(
    text: np.ndarray, y0: int, y1: int, xs: list[float], dpi: int, min_gap_inches: float = 0.025
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int]]]:
    """The cells of a header printed without rules between its rows (text mask rows y0..y1, columns xs
    found from the body), cut like a page: a block of columns is parted at every column boundary its
    text leaves free; where text crosses a boundary (a head over several columns), it is parted between
    the lines that cross different boundaries (申请人情况 over 法人或其他组织 over 商业企业), never
    between the lines of one head (a centred title's wrapped end). A head covers the columns it is
    centred over (_head_span). Returns the row cuts (blank run top, blank run bottom, first column,
    end column) and the column cuts (column boundary index, top, bottom), region pixels."""
    min_gap = max(2, round(dpi * min_gap_inches))
    w = max(1, round(dpi * 0.005))
    rows: list[tuple[int, int, int, int]] = []
    cols: list[tuple[int, int, int]] = []

    def crossed(ya: int, yb: int, c0: int, c1: int, under: bool) -> frozenset[int]:
        spans = (_head_span(text, ya, yb, c0, c1, j, xs, w, dpi, whole=not under) for j in range(c0 + 1, c1))
        return frozenset().union(*spans)

    def cut(ya: int, yb: int, c0: int, c1: int, under: bool = False) -> None:
        if c1 - c0 < 2 or not text[ya:yb, int(xs[c0]) : int(xs[c1])].any():
            return
        across = crossed(ya, yb, c0, c1, under)
        free = [j for j in range(c0 + 1, c1) if j not in across]
        if free:
            edges = [c0] + free + [c1]
            cols.extend((j, ya, yb) for j in free)
            for a, b in zip(edges, edges[1:]):
                cut(ya, yb, a, b)
            return
        runs = blank_runs(np.any(text[ya:yb, int(xs[c0]) : int(xs[c1])], axis=1), min_gap)
        edges = [0] + [y for r in runs for y in r] + [yb - ya]
        lines = list(zip(edges[::2], edges[1::2]))
        sets: list[frozenset[int]] = []
        for a, b in lines:  # below a head over the whole block, a line is a head under it, if it can be
            sets.append(crossed(ya + a, ya + b, c0, c1, under or any(len(h) == c1 - c0 - 1 for h in sets)))
        extents = [_extent(text[ya + a : ya + b, int(xs[c0]) : int(xs[c1])]) for a, b in lines]
        top = ya
        for k, (g0, g1) in enumerate(runs):
            if sets[k] != sets[k + 1] and not _wrapped(extents[k], extents[k + 1], dpi * 0.1):
                head = sets[k] or frozenset(range(c0 + 1, c1))  # the cut runs under the head above it
                rows.append((ya + g0, ya + g1, min(head) - 1, max(head) + 1))
                cut(top, ya + (g0 + g1) // 2, c0, c1, under or top > ya)
                top = ya + (g0 + g1) // 2
        if top > ya:
            cut(top, yb, c0, c1, True)

    cut(y0, y1, 0, len(xs) - 1)
    return rows, cols


def _extent(block: np.ndarray) -> tuple[int, int]:
    ink = np.flatnonzero(block.any(axis=0))
    return (int(ink[0]), int(ink[-1]) + 1) if ink.size else (0, 0)


def _wrapped(line: tuple[int, int], below: tuple[int, int], tol: float) -> bool:
    """Whether the text `below` a line (x extents) is that line's wrapped end: within it and centred on it,
    as a centred title wraps (a head over narrower heads is shorter than their line, or not centred)."""
    return line[0] - tol <= below[0] and below[1] <= line[1] + tol and abs(sum(line) - sum(below)) / 2 <= tol


def _head_span(
    text: np.ndarray, ya: int, yb: int, c0: int, c1: int, j: int, xs: list[float], w: int, dpi: int, whole: bool
) -> frozenset[int]:
    """The inner column boundaries of columns c0..c1 that a head crossing boundary j (rows ya..yb) lies
    over: the widest run of columns round its line of text (gaps under 0.1 in closed), with no other
    text beside it on that line, whose middle is within 0.05 in of the text's (a head is centred over
    its columns, and may be shorter than them); just those it crosses if none is. Under a head over
    columns c0..c1 (not `whole`), a head over all of them would be that head's second line: a narrower
    run is taken where one is centred too (法人或其他组织 under 申请人情况)."""
    x0, reach = int(xs[c0]), round(dpi * 0.1)
    on = np.any(text[ya:yb, max(0, int(xs[j]) - w) : int(xs[j]) + w + 1], axis=1)
    out: set[int] = set()
    near = np.any(text[ya:yb, max(0, int(xs[j]) - reach) : int(xs[j]) + reach], axis=1)
    lines = [(a - 1, b - 1) for a, b in blank_runs(np.r_[True, ~near, True], 1)]  # the lines by the boundary
    for r0, r1 in [(a, b) for a, b in lines if on[a:b].any()]:  # those with text on it
        line = np.any(text[ya + r0 : ya + r1, x0 : int(xs[c1])], axis=0)
        closed = line.copy()
        for g0, g1 in blank_runs(line, 1):
            if g1 - g0 < dpi * 0.1:
                closed[g0:g1] = True
        edges = np.flatnonzero(np.diff(np.r_[0, closed.astype(np.int8), 0]))
        xj = int(xs[j]) - x0
        run = next(((int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]) if a <= xj + w and b > xj - w), None)
        if run is None:
            continue
        s, e = run
        middle, best = (s + e) / 2, None
        for a in range(c0, j):
            for b in range(j + 1, c1 + 1):
                lo, hi = int(xs[a]) - x0, int(xs[b]) - x0
                if lo > s or hi < e or line[lo:s].any() or line[e:hi].any():
                    continue
                wider = best is None or b - a > best[1] - best[0] or (not whole and best == (c0, c1))
                allowed = whole or best is None or (a, b) != (c0, c1)
                if abs((lo + hi) / 2 - middle) <= dpi * 0.05 and wider and allowed:
                    best = (a, b)
        touched = [k for k in range(c0 + 1, c1) if s < int(xs[k]) - x0 < e]
        out |= set(range(best[0] + 1, best[1])) if best else set(touched)
    return frozenset(out)


def bridged_rows(
    text: np.ndarray,
    ys: list[float],
    xs: list[float],
    first_body: int,
    dpi: int,
    min_gap_inches: float = 0.025,
    min_columns: int = 2,
    ruled: set[int] | frozenset[int] = frozenset(),
) -> list[tuple[int, int]]:
    """Rows that a label spanning them joined into one band of text lines (三、本年度办理结果 printed top
    to bottom, (三)不予公开 centred beside its items): in a body band (first_body on), the last column
    shows two lines or more; a separator runs between them from the right edge leftwards across every
    column blank there, stopping at the first whose text crosses it (the spanning label), when each
    line has text in min_columns of those columns or more. A band between two printed rules (ys in
    `ruled`) is one row as printed. Returns (y, the first column it runs from) per separator, region
    pixels."""
    min_gap = max(2, round(dpi * min_gap_inches))
    nc = len(xs) - 1
    out: list[tuple[int, int]] = []
    for a, b in list(zip(ys, ys[1:]))[first_body:]:
        if round(a) in ruled and round(b) in ruled:
            continue
        a, b = int(a), int(b)
        cols = [np.any(text[a:b, int(xs[j]) : int(xs[j + 1])], axis=1) for j in range(nc)]
        cuts: list[tuple[int, int]] = []
        for g0, g1 in blank_runs(cols[-1], min_gap):
            y = (g0 + g1) // 2
            first = nc - 1
            while first > 0 and not cols[first - 1][max(0, y - 1) : y + 2].any():
                first -= 1
            if nc - first >= min_columns:
                cuts.append((y, first))
        edges = [0] + [y for y, _ in cuts] + [b - a]
        first = max((f for _, f in cuts), default=0)
        if cuts and all(
            sum(bool(cols[j][p:q].any()) for j in range(first, nc)) >= min_columns for p, q in zip(edges, edges[1:])
        ):
            out += [(a + y, f) for y, f in cuts]
    return out


def text_columns(
    text: np.ndarray,
    bands: list[tuple[int, int]],
    x0: int,
    x1: int,
    dpi: int,
    min_gap_inches: float = 0.085,
    min_share: float = 0.8,
    header_lines: int = 1,
    min_section_gap_inches: float = 0.12,
) -> list[tuple[int, int, int, list[int]]]:
    """Columns of a table without column rules: x ranges at least min_gap_inches wide that are blank in
    min_share or more of the text lines (bands: (y0, y1) per line) and have body text (below the first
    header_lines) on both sides in a quarter of the body lines or more; a line whose text crosses the gap
    must be a header line (a head over several columns) or a title across the table (_section_title),
    else the gap is inside a column of text of uneven length.
    Returns (x, gap start, gap end, the indices of the bands the gap separates) per column boundary,
    left to right; a band whose text crosses the gap (a header over several columns) is not separated
    there. Columns that hold in one section of the table only come from section_columns, with gaps of
    min_section_gap_inches or more."""
    min_gap = max(4, round(dpi * min_gap_inches))
    sliver = max(2, round(dpi * 0.01))
    profiles = []
    for a, b in bands:
        p = drop_slivers(np.any(text[a:b, x0:x1], axis=0), sliver)
        profiles.append(p if p.any() else None)
    inked = [p for p in profiles if p is not None]
    for _ in range(2):
        body = [p for i, p in enumerate(profiles) if p is not None and i >= header_lines]
        if len(inked) < 2 or not body:
            return []
        # the lines vote on blank columns; where the header has as many lines as the body, the body alone does
        voters = body if len(body) <= len(inked) - len(body) else inked
        blank = np.mean([~p for p in voters], axis=0) >= min_share
        left = np.maximum.accumulate(np.any(body, axis=0))  # body text somewhere to the left
        right = np.maximum.accumulate(np.any(body, axis=0)[::-1])[::-1]
        gaps = blank_runs(~(blank & left & right), min_gap)
        # the lines at the top that cross a gap (heads over several columns) are the header, up to half the lines
        lead = 0
        while lead < len(profiles) // 2:
            line = profiles[lead]
            if line is None or not any(line[a:b].all() or line[(a + b) // 2] for a, b in gaps):
                break
            lead += 1
        if lead <= header_lines:
            break
        header_lines = lead
    width = x1 - x0
    out = []
    stack = np.array([p if p is not None else np.zeros(width, bool) for p in profiles])
    lines_needed = max(1 if len(body) <= 2 else 2, round(0.25 * len(body)))  # a table of one or two rows: each
    for a, b in gaps:
        # a column on each side: enough body lines with text left of the gap, and right of it
        if sum(p[:a].any() for p in body) < lines_needed or sum(p[b:].any() for p in body) < lines_needed:
            continue
        # the boundary goes where the fewest body lines have ink, the middle of the best stretch
        hits = stack[header_lines:, a:b].sum(axis=0) if len(stack) > header_lines else np.zeros(b - a)
        best = np.flatnonzero(hits == hits.min())
        x = a + int(best[len(best) // 2])
        near = slice(max(0, x - sliver), x + sliver + 1)
        crossing = [(i, p) for i, p in enumerate(profiles) if p is not None and p[near].any()]
        # a line whose text runs on across x with a gap narrower than a column's (第二十条第（一）项 centred
        # over the table, the blank half of a full-width bracket at x) is one cell there
        rows = [i for i, p in enumerate(profiles) if p is None or not _run_through(p, x, x + 1, min_gap)]
        # only a header over several columns (the top lines), a line across the table or a title centred on
        # it (第二十条第（五）项 alone on its line) may cross a column gap
        if any(i >= header_lines and not _section_title(p, a, b, min_gap, width) for i, p in crossing):
            continue
        out.append((x0 + x, x0 + a, x0 + b, rows))
    out = _hollow_columns_merged(out, body, inked, x0, width, min(2, lines_needed))
    taken = [(a - x0, b - x0) for _, a, b, _ in out]
    sections = section_columns(
        profiles, taken, max(min_gap, round(dpi * min_section_gap_inches)), header_lines=header_lines
    )
    out += [(x0 + x, x0 + a, x0 + b, rows) for x, a, b, rows in sections]
    out = _hollow_columns_merged(sorted(out), body, inked, x0, width, min(2, lines_needed))
    return _heads_span(out, profiles, header_lines, x0, width)


def _hollow_columns_merged(
    columns: list[tuple[int, int, int, list[int]]],
    body: list[np.ndarray],
    lines: list[np.ndarray],
    x0: int,
    width: int,
    need: int,
) -> list[tuple[int, int, int, list[int]]]:
    """Column boundaries (x, gap start, gap end, lines) without those that leave a column with text in
    fewer than `need` body lines (the blank half of a full-width bracket inside a title centred over the
    table is a gap, not a column): the boundary on the narrower gap beside the emptiest column goes first.
    The first column may hold one label spanning its rows (三、本年度办理结果), in any of the `lines`."""
    out = list(columns)
    while out:
        edges = [0] + [x - x0 for x, _, _, _ in out] + [width]
        filled = [sum(bool(p[a:b].any()) for p in body) for a, b in zip(edges, edges[1:])]
        first = any(p[: edges[1]].any() for p in lines)
        short = [f if f >= need or (k == 0 and first) else -1 for k, f in enumerate(filled)]
        k = int(np.argmin(short))
        if short[k] >= 0:
            break
        beside = [i for i in (k - 1, k) if 0 <= i < len(out)]
        del out[min(beside, key=lambda i: out[i][2] - out[i][1])]
    return out


def section_columns(
    profiles: list[np.ndarray | None],
    taken: list[tuple[int, int]],
    min_gap: int,
    min_lines: int = 3,
    header_lines: int = 0,
) -> list[tuple[int, int, int, list[int]]]:
    """Column boundaries that hold in one stretch of lines only: a section of the table with more columns
    than the rest (three numbers under three heads, then one number centred under all three; nested
    labels beside a label that spans them). A gap at least min_gap wide between two runs of text in one
    line starts a stretch; it runs down the lines blank somewhere in it and ends at the first line whose
    text crosses it. The lines it parts run from the first to the last with text on both sides, at least
    min_lines of them, and it must not touch a gap already `taken` (the table's own columns).

    A label that spans the rows beside it (三、本年度办理结果 printed top to bottom beside its nested
    rows, one line of a group name beside its members) has text left of the gap in some lines only:
    when that text is one block of consecutive lines, the stretch runs up the body lines (below
    header_lines) too and the boundary parts all of it, if min_lines of its lines have text right of it.
    Returns (x, gap start, gap end, the lines it parts) per boundary, in profile coordinates."""
    found: list[tuple[int, int, int, list[int]]] = []
    for s, line in enumerate(profiles):
        if line is None:
            continue
        for gap in blank_runs(line, min_gap):
            a, b = gap
            if any(a < tb and b > ta for ta, tb in taken) or any(
                a < fb and b > fa and s in rows for _, fa, fb, rows in found
            ):
                continue
            lo, hi, stretch = _stretch(profiles, s, a, b, range(s + 1, len(profiles)), min_gap)
            both = [t for t in stretch if (p := profiles[t]) is not None and p[:lo].any() and p[hi:].any()]
            parted = [t for t in stretch if both and both[0] <= t <= both[-1]]
            # a label spanning the rows beside it: the text left of the gap is one block of lines
            up_lo, up_hi, above = _stretch(profiles, s, lo, hi, range(s - 1, header_lines - 1, -1), min_gap)
            lines = sorted(above + stretch)
            edge = max((tb for ta, tb in taken if tb <= up_lo), default=0)
            label = [k for k, t in enumerate(lines) if (p := profiles[t]) is not None and p[edge:up_lo].any()]
            beside = sum(1 for t in lines if (p := profiles[t]) is not None and p[up_hi:].any())
            if label and label[-1] - label[0] == len(label) - 1 < len(lines) - 1 and beside >= min_lines:
                lo, hi, both, parted = up_lo, up_hi, lines, lines
            if len(both) < min_lines or any(lo < tb and hi > ta for ta, tb in taken):
                continue
            # text on each side somewhere as wide as the gap: words, not the stubs of a rule's ends
            sides = [_beside(p, lo, hi, min_gap // 3) for t in both if (p := profiles[t]) is not None]
            if max(w for w, _ in sides) >= min_gap and max(w for _, w in sides) >= min_gap:
                found.append(((lo + hi) // 2, lo, hi, parted))
    return found


def _stretch(
    profiles: list[np.ndarray | None], s: int, lo: int, hi: int, order: range, min_gap: int
) -> tuple[int, int, list[int]]:
    """The gap lo..hi of line s followed through the lines in `order` while each is blank across
    min_gap of it (narrowing to that blank run): (lo, hi, the lines, s first)."""
    stretch = [s]
    for t in order:
        nxt = profiles[t]
        if nxt is None:
            continue
        runs = blank_runs(np.r_[True, nxt[lo:hi], True], 1)
        r0, r1 = max(runs, key=lambda r: r[1] - r[0]) if runs else (0, 0)
        if r1 - r0 < min_gap:
            break  # this line's text crosses the gap
        lo, hi = lo + r0 - 1, lo + r1 - 1
        stretch.append(t)
    return lo, hi, stretch


def _beside(profile: np.ndarray | None, lo: int, hi: int, join: int) -> tuple[int, int]:
    """Widths of the runs of text (gaps under `join` closed) nearest a gap lo..hi, on its left and its right."""
    assert profile is not None
    left, right = np.flatnonzero(profile[:lo]), np.flatnonzero(profile[hi:])
    return (
        _run_through(profile, int(left[-1]), int(left[-1]) + 1, join) if left.size else 0,
        _run_through(profile, hi + int(right[0]), hi + int(right[0]) + 1, join) if right.size else 0,
    )


def _heads_span(
    columns: list[tuple[int, int, int, list[int]]],
    profiles: list[np.ndarray | None],
    header_lines: int,
    x0: int,
    width: int,
) -> list[tuple[int, int, int, list[int]]]:
    """A header line is parted at a column boundary only where it has text in the columns on both sides:
    a head runs over the columns up to the next head (申请人情况 over all seven)."""
    edges = [0] + [c[0] - x0 for c in columns] + [width]
    out = []
    for k, (x, a, b, rows) in enumerate(columns):
        keep = [
            i
            for i, line in ((i, profiles[i]) for i in rows)
            if i >= header_lines
            or line is None
            or (line[edges[k] : edges[k + 1]].any() and line[edges[k + 1] : edges[k + 2]].any())
        ]
        out.append((x, a, b, keep))
    return out


def _section_title(line: np.ndarray, a: int, b: int, min_gap: int, width: int, tol: float = 0.05) -> bool:
    """Whether a line whose text crosses the gap a..b is a title across the table: its run through the gap
    (gaps under min_gap closed) spans 0.7 of the width, or is the line's only text and centred on the
    table (within tol of the width)."""
    run = _run_through(line, a, b, min_gap)
    if run >= 0.7 * width:
        return True
    ink = np.flatnonzero(line)
    alone = _run_through(line, int(ink[0]), int(ink[0]) + 1, min_gap) == run
    return alone and abs((int(ink[0]) + int(ink[-1])) / 2 - width / 2) <= tol * width


def _run_through(profile: np.ndarray, a: int, b: int, min_gap: int) -> int:
    """Length of the run of text (gaps under min_gap closed) that covers any of a..b."""
    closed = profile.copy()
    for g0, g1 in blank_runs(profile, 1):
        if g1 - g0 < min_gap:
            closed[g0:g1] = True
    edges = np.flatnonzero(np.diff(np.r_[0, closed.astype(np.int8), 0]))
    return max((int(e - s) for s, e in zip(edges[::2], edges[1::2]) if s < b and e > a), default=0)


def looks_like_prose(
    text: np.ndarray, bands: list[tuple[int, int]], width: int, dpi: int, wide_share: float = 0.6
) -> bool:
    """Whether most text lines run across most of the width without a column gap: paragraphs, not a table."""
    min_gap = max(4, round(dpi * 0.1))
    wide = inked = 0
    for a, b in bands:
        p = np.any(text[a:b], axis=0)
        ink = np.flatnonzero(p)
        if ink.size == 0:
            continue
        inked += 1
        if not blank_runs(p, min_gap) and ink[-1] - ink[0] >= wide_share * width:
            wide += 1
    return inked > 0 and wide > inked / 2


def all_columns_prose(
    text: np.ndarray, bands: list[tuple[int, int]], xs: list[int], dpi: int, min_width_inches: float = 1.5
) -> bool:
    """Whether every column (between xs) holds lines of running text min_width_inches wide or more at
    the median: a page set in two or three columns, not a table (a table has a column of short cells)."""
    for x0, x1 in zip(xs, xs[1:]):
        widths = []
        for a, b in bands:
            ink = np.flatnonzero(text[a:b, x0:x1].any(axis=0))
            if ink.size:
                widths.append(ink[-1] - ink[0])
        if not widths or float(np.median(widths)) < dpi * min_width_inches:
            return False
    return True
