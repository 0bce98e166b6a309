"""Find ruled tables on a level, upright page.

Ruling lines are ink runs much longer than any character stroke: a morphological opening with a
long thin kernel keeps them and drops text. A table is a connected group of horizontal and
vertical rules with enough of both, framed on all four sides, or open at the top or bottom where the
page breaks (word processors leave a table that runs onto the next page unruled at the break).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .deskew import ink_mask
from .text_separators import blank_runs, drop_slivers, looks_like_prose, text_line_splits, text_mask

BBox = tuple[int, int, int, int]


@dataclass
class RuleMasks:
    """uint8 masks (255 = rule) of the page's horizontal and vertical ruling lines, and of all its ink."""

    horizontal: np.ndarray
    vertical: np.ndarray
    ink: np.ndarray | None = None


@dataclass
class TableRegion:
    bbox: BBox  # x0, y0, x1, y1 in page pixels (x1, y1 exclusive)
    horizontal: np.ndarray  # rule masks cropped to bbox (an open edge closed by a drawn-in rule)
    vertical: np.ndarray
    open_edges: tuple[str, ...] = ()  # "top", "bottom": closed here from the column rules' ends;
    # "left", "right": no frame there, closed at the row rules' ends
    ink: np.ndarray | None = None  # all ink cropped to bbox (text beside a stroke tells it from a rule)


def rule_masks(
    gray: np.ndarray,
    dpi: int,
    min_h_inches: float = 0.3,
    min_v_inches: float = 0.2,
    gap_inches: float = 0.03,
    dash_gap_inches: float = 0.06,
    dash_min_inches: float = 1.0,
) -> RuleMasks:
    """Level gray page -> masks of horizontal / vertical rules.

    min_h_inches / min_v_inches: shortest rule kept (longer than CJK character strokes at
    body sizes); gap_inches: breaks in worn or binarised rules up to this long are bridged; rules broken
    into dashes with breaks up to dash_gap_inches count where they run dash_min_inches or more (down the
    page half that, a column rule spans a few rows, but with fewer breaks: not a column of brackets)."""
    ink = ink_mask(gray, dpi)
    lh = max(8, int(dpi * min_h_inches))
    lv = max(8, int(dpi * min_v_inches))
    gap = max(2, int(dpi * gap_inches))
    h0, v0 = _runs_along(ink, True, gap, lh), _runs_along(ink, False, gap, lv)
    h = _drop_text_strokes(h0, ink, v0, True, dpi, gap)
    v = _drop_text_strokes(v0, ink, h, False, dpi, gap)  # crossing the row rules left, not text
    # dashed rules are looked for at half the resolution (any ink in a 2x2 block counts): a quarter of the work,
    # in ink without the text strokes just dropped (they would bridge into dashes again)
    H, W = ink.shape
    strokes = cv2.bitwise_or(cv2.subtract(h0, h), cv2.subtract(v0, v))
    half = [_half(m) for m in (cv2.subtract(ink, strokes), h, v)]
    dh = _dashed(half[0], half[1], True, dpi // 2, dash_gap_inches, dash_min_inches)
    dv = _dashed(half[0], half[2], False, dpi // 2, dash_gap_inches, dash_min_inches / 2, min_ink=0.75)
    h = h | cv2.resize(dh, (W, H), interpolation=cv2.INTER_NEAREST)
    v = v | cv2.resize(dv, (W, H), interpolation=cv2.INTER_NEAREST)
    return RuleMasks(h, v, ink)


def _half(mask: np.ndarray) -> np.ndarray:
    """A uint8 mask at half the resolution, 255 where any pixel of the 2x2 block was set."""
    small = cv2.resize(mask, (mask.shape[1] // 2, mask.shape[0] // 2), interpolation=cv2.INTER_AREA)
    return np.where(small > 0, np.uint8(255), np.uint8(0))


def _runs_along(ink: np.ndarray, horizontal: bool, gap: int, length: int) -> np.ndarray:
    """Ink runs at least `length` px long along one direction, breaks up to `gap` px bridged."""
    close = (gap, 1) if horizontal else (1, gap)
    keep = (length, 1) if horizontal else (1, length)
    m = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, close))
    return cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, keep))


def _drop_text_strokes(
    runs: np.ndarray,
    ink: np.ndarray,
    across: np.ndarray,
    horizontal: bool,
    dpi: int,
    gap: int,
    min_own_ink: float = 0.75,
    max_beside: float = 0.1,
) -> np.ndarray:
    """Runs (uint8 mask, bridged over breaks up to `gap` px) without those that are strokes of text:
    letters close enough to bridge into one long run. Two kinds:

    - the middle of a line of bold type: less than min_own_ink ink of its own (the bridging made the
      rest), with glyphs beside it (ink 0.015-0.035 in off its edge, on either side) along more than
      max_beside of it. A rule, even worn, is mostly ink; a dotted rule has nothing beside it.
    - glyphs stacked down consecutive rows, bridged over the rules between them (across: the other
      direction's runs): where it meets a rule, the ink breaks off within `gap` of it, at two of the rules
      it meets or more and at half of them or more. A rule runs on through the rules it meets.

    Ink of the rules across a run is not counted as beside it."""
    # labels alone, and the few boxes wanted from the run pixels: OpenCV's stats cost more than the labels
    n, labels = cv2.connectedComponents(runs, connectivity=8)
    if n <= 1:
        return runs
    pts = cv2.findNonZero(runs).reshape(-1, 2)  # much faster than np.nonzero on a page
    xs, ys = pts[:, 0], pts[:, 1]
    lab = labels[ys, xs]
    inked, crossing = ink > 0, across > 0
    area = np.maximum(np.bincount(lab, minlength=n), 1)
    own = np.bincount(lab[inked[ys, xs]], minlength=n) / area
    crosses = np.bincount(lab[crossing[ys, xs]], minlength=n) > 0
    todo = np.flatnonzero((own < min_own_ink) | crosses)
    todo = todo[todo > 0]
    if not len(todo):
        return runs
    boxes = _boxes(lab, ys, xs, todo)
    near, far = max(2, round(dpi * 0.015)), max(4, round(dpi * 0.035))
    text = inked & ~crossing
    if not horizontal:
        labels, text, inked, crossing = labels.T, text.T, inked.T, crossing.T
    H = text.shape[0]
    offsets = np.arange(near, far + 1)[:, None]
    drop = np.zeros(n, bool)
    trims: list[tuple[int, int, int, int, np.ndarray]] = []  # a glyph bridged onto a rule's end: cut off
    for i, (x, y, x1, y1) in zip(todo, boxes):
        if not horizontal:
            x, y, x1, y1 = y, x, y1, x1
        comp = labels[y:y1, x:x1] == i
        if own[i] < min_own_ink:
            cols = np.flatnonzero(comp.any(axis=0))
            top = y + comp[:, cols].argmax(axis=0)
            bottom = y1 - 1 - comp[::-1, cols].argmax(axis=0)
            at = (x + cols)[None, :]
            above = text[np.clip(top[None, :] - offsets, 0, H - 1), at].any(axis=0)
            below = text[np.clip(bottom[None, :] + offsets, 0, H - 1), at].any(axis=0)
            if max(above.mean(), below.mean()) > max_beside:
                drop[i] = True
                continue
        if crosses[i]:
            drop[i], spurs = _breaks_at_crossings(comp, inked[y:y1, x:x1], crossing[y:y1, x:x1], gap)
            trims += [(y, y1, x + a, x + b, comp[:, a:b]) for a, b in spurs] if not drop[i] else []
    if not drop.any() and not trims:
        return runs
    out = runs.copy()
    gone = drop[lab]
    out[ys[gone], xs[gone]] = 0
    along = out if horizontal else out.T  # a view: runs lie along x in it
    for y, y1, a, b, part in trims:
        along[y:y1, a:b][part] = 0
    return out


def _boxes(lab: np.ndarray, ys: np.ndarray, xs: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Boxes (x0, y0, x1, y1, exclusive ends) of the components `wanted` (sorted labels), from their
    pixels (lab: the label of each pixel at ys, xs)."""
    sel = np.isin(lab, wanted)
    order = np.argsort(lab[sel], kind="stable")
    ls, yy, xx = lab[sel][order], ys[sel][order], xs[sel][order]
    starts = np.searchsorted(ls, wanted)
    return np.stack(
        [
            np.minimum.reduceat(xx, starts),
            np.minimum.reduceat(yy, starts),
            np.maximum.reduceat(xx, starts) + 1,
            np.maximum.reduceat(yy, starts) + 1,
        ],
        axis=1,
    )


def _breaks_at_crossings(
    comp: np.ndarray, inked: np.ndarray, crossing: np.ndarray, gap: int
) -> tuple[bool, list[tuple[int, int]]]:
    """A run lying along x (comp: its pixels in its box; inked, crossing: ink and the rules across, in the
    same box) -> (is it glyphs bridged over the rules between them?, the spans along x to cut off its ends).

    Beside a rule it crosses, glyphs show as ink that breaks off (for gap // 3 px or more) within `gap` px
    of the rule and then runs on as the run's own ink for `gap` px or more: a glyph beyond the cell's
    padding. Glyphs are stacked when that shows at two of the rules crossed or more, and at half of them
    or more; a rule runs on through the rules it meets (at most a pixel lost where they join) or ends at
    one. A rule whose end was bridged onto a glyph past its last crossing (a caption's letters over a
    column rule) has that end cut off."""
    on = (comp & inked).any(axis=0)
    at = (comp & crossing).any(axis=0)
    own = on & ~at
    edges = np.flatnonzero(np.diff(np.r_[0, at.astype(np.int8), 0]))
    hole = max(2, gap // 3)
    checked = broken = 0
    for a, b in zip(edges[::2], edges[1::2]):
        sides = [(on[b:], own[b:])] + ([(on[a - 1 :: -1], own[a - 1 :: -1])] if a > 0 else [])  # outward
        sides = [(o, w) for o, w in sides if len(o) >= gap]
        if sides:
            checked += 1
            broken += int(any(_glyph_beyond(o, w, gap, hole) for o, w in sides))
    if broken >= 2 and broken * 2 >= checked:
        return True, []
    spurs = []  # glyphs, parts of them bridged together, past the first or last crossing
    if (
        len(edges)
        and edges[0] >= gap
        and _glyph_beyond(on[edges[0] - 1 :: -1], own[edges[0] - 1 :: -1], gap, hole, 0.5)
    ):
        spurs.append((0, int(edges[0])))
    if len(edges) and len(on) - edges[-1] >= gap and _glyph_beyond(on[edges[-1] :], own[edges[-1] :], gap, hole, 0.5):
        spurs.append((int(edges[-1]), len(on)))
    return False, spurs


def _glyph_beyond(on: np.ndarray, own: np.ndarray, gap: int, hole: int, min_share: float = 1.0) -> bool:
    """Outward from a crossing (on: the run's ink, own: its ink off other rules, nearest first): a break of
    `hole` px or more starting within `gap` px, then `gap` px that are min_share or more its own ink."""
    blank = np.flatnonzero(~on[:gap])
    if not blank.size:
        return False
    j = int(blank[0])
    ink_after = np.flatnonzero(on[j:])
    if not ink_after.size or ink_after[0] < hole:
        return False
    beyond = own[j + int(ink_after[0]) :][:gap]
    return len(beyond) == gap and beyond.mean() >= min_share


def _dashed(
    ink: np.ndarray,
    ruled: np.ndarray,
    horizontal: bool,
    dpi: int,
    gap_inches: float,
    min_inches: float,
    min_ink: float = 0.6,
    min_dashes: int = 4,
) -> np.ndarray:
    """Rules that a fax or a worn copy broke into dashes: runs with breaks up to gap_inches bridged, kept
    only where they run min_inches or more (longer than any line of text bridged the same way holds in
    one pixel row), stand no more than 0.02 in thick with no ink close beside them, and are min_ink ink in
    min_dashes dashes or more of 0.03 in or more, not already rules (ruled: the unbroken rules found) over
    most of their length (two rules a small gap apart, under two heads, stay two)."""
    m = _runs_along(ink, horizontal, max(2, int(dpi * gap_inches)), int(dpi * min_inches))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    across = stats[:, cv2.CC_STAT_HEIGHT if horizontal else cv2.CC_STAT_WIDTH]
    area = np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    inked = np.bincount(labels[ink > 0], minlength=n) / area
    ruled_share = np.bincount(labels[ruled > 0], minlength=n) / area
    # cheap tests first, on whole components: thin, inked enough, not an unbroken rule already
    keep = (across <= max(3, dpi * 0.02)) & (inked >= 0.4 * min_ink) & (ruled_share < 0.9)
    keep[0] = False
    near, far = max(2, round(dpi * 0.015)), max(4, round(dpi * 0.035))
    for i in np.flatnonzero(keep):
        x, y, w, h = stats[i, :4]
        if horizontal:
            beside = [ink[max(0, y - far) : max(0, y - near), x : x + w], ink[y + h + near : y + h + far, x : x + w]]
        else:
            beside = [ink[y : y + h, max(0, x - far) : max(0, x - near)], ink[y : y + h, x + w + near : x + w + far]]
        # a rule stands alone; a text line bridged into one row has its glyphs' ink beside it
        if any(b.size and (b > 0).mean() > 0.15 for b in beside):
            keep[i] = False
            continue
        # and is mostly ink, in dashes longer than a dotted leader's dots
        along = (ink[y : y + h, x : x + w] > 0).any(axis=0 if horizontal else 1)
        edges = np.flatnonzero(np.diff(np.r_[0, along.astype(np.int8), 0]))
        dashes = edges[1::2] - edges[::2]
        covered = (ruled[y : y + h, x : x + w] > 0).any(axis=0 if horizontal else 1).mean()
        if along.mean() < min_ink or len(dashes) < min_dashes or float(np.median(dashes)) < dpi * 0.03 or covered > 0.7:
            keep[i] = False
    return np.where(keep[labels], np.uint8(255), np.uint8(0))


def find_tables(
    gray: np.ndarray,
    dpi: int,
    masks: RuleMasks | None = None,
    min_width_inches: float = 1.0,
    min_height_inches: float = 0.25,
    break_share: float = 0.3,
) -> list[TableRegion]:
    """Level gray page -> ruled table regions, top to bottom.

    A region is a connected group of rules at least min_width_inches wide and min_height_inches
    tall with at least two horizontal and two vertical rules, ruled on its left and right. Its top
    and bottom must be ruled too, except where the region reaches into the outer break_share of the
    page's height at that side: there a table may be open at a page break."""
    m = masks or rule_masks(gray, dpi)
    raw = cv2.bitwise_or(m.horizontal, m.vertical)
    # group rules at a quarter of the resolution (any rule pixel marks its 4x4 block): same groups, 16x fewer pixels
    f = 4
    H, W = gray.shape[:2]
    small = cv2.resize(raw, (-(-W // f), -(-H // f)), interpolation=cv2.INTER_AREA) > 0
    join = max(2, int(dpi * 0.02 / f) + 1)
    both = cv2.dilate(small.astype(np.uint8), np.ones((join, join), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    out = []
    for i in range(1, n):
        x, y = max(0, int(stats[i][0]) * f - f), max(0, int(stats[i][1]) * f - f)
        w, h = (int(v) * f + 2 * f for v in stats[i][2:4])
        if w < dpi * min_width_inches or h < dpi * min_height_inches:
            continue
        # tighten to the rules themselves (the dilation grew the box)
        ys, xs = np.nonzero(raw[y : y + h, x : x + w])
        if len(xs) == 0:
            continue
        x0, y0 = max(0, x + int(xs.min()) - 2), max(0, y + int(ys.min()) - 2)
        x1, y1 = min(W, x + int(xs.max()) + 3), min(H, y + int(ys.max()) + 3)
        hm, vm = m.horizontal[y0:y1, x0:x1], m.vertical[y0:y1, x0:x1]
        if _count_rules(hm, axis=1, dpi=dpi) < 2 or _count_rules(vm, axis=0, dpi=dpi) < 2:
            continue
        sides = _frame_sides(hm, vm, dpi)
        if not (sides["left"] and sides["right"]):
            # no outer side rules: a table when its row rules run from side to side past its column rules
            if not (sides["top"] and sides["bottom"]) or _count_rules(hm, axis=1, dpi=dpi) < 3:
                continue  # strokes of large or bold text, or a table ruled in part (lined_regions)
            ink = m.ink[y0:y1, x0:x1] if m.ink is not None else None
            if ink is not None and _dense(ink):
                continue
            # rows with no column rule (a section title across the table) leave the rest of it apart
            text = text_mask(m.ink, m.horizontal, m.vertical, dpi) if m.ink is not None else None
            y0, y1 = _stacked_rows(m.horizontal, x0, x1, y0, y1, text, dpi)
            hm, vm = m.horizontal[y0:y1, x0:x1], m.vertical[y0:y1, x0:x1].copy()
            ink = m.ink[y0:y1, x0:x1] if m.ink is not None else None
            side = max(2, round(dpi / 150)) + round(dpi * 0.04)  # row rules worn a little short still meet it
            vm[:, :side] = vm[:, vm.shape[1] - side :] = 255
            open_edges: tuple[str, ...] = ("sides",)
            out.append(TableRegion((int(x0), int(y0), int(x1), int(y1)), hm, vm, open_edges, ink))
            continue
        open_edges = tuple(e for e in ("top", "bottom") if not sides[e])
        near_break = {"top": y0 < H * break_share, "bottom": y1 > H * (1 - break_share)}
        if len(open_edges) > 1 or any(not near_break[e] for e in open_edges):
            continue
        if open_edges:
            hm = close_edge(hm, vm, open_edges[0], dpi)
        ink = m.ink[y0:y1, x0:x1] if m.ink is not None else None
        out.append(TableRegion((int(x0), int(y0), int(x1), int(y1)), hm, vm, open_edges, ink))
    # a table open at its sides that grew over the rows of another is one table
    out = [r for r in out if not any(o is not r and _inside(r.bbox, o.bbox) for o in out)]
    out += lined_regions(m, dpi, [r.bbox for r in out], break_share=break_share)
    out.sort(key=lambda r: (r.bbox[1], r.bbox[0]))
    return out


def _stacked_rows(
    hm: np.ndarray,
    x0: int,
    x1: int,
    y0: int,
    y1: int,
    text: np.ndarray | None = None,
    dpi: int = 300,
    min_cover: float = 0.9,
) -> tuple[int, int]:
    """The top and bottom of a table with no side rules, grown over the row rules above and below it
    that run across its whole width (min_cover of x0..x1 or more) no further apart than 1.5 times its
    row pitch: rows that hold no column rule (a section title across the table) break its rules into
    separate groups, but not its rows' rhythm; a heading between two tables does (text: the page's text
    mask). hm: the page's row rule mask."""
    cover = np.count_nonzero(hm[:, x0:x1], axis=1) >= min_cover * (x1 - x0)
    edges = np.flatnonzero(np.diff(np.r_[0, cover.astype(np.int8), 0]))
    rules = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]  # (first row, end row)
    inside = [a for a, b in rules if a >= y0 - 2 and b <= y1 + 2]
    if len(inside) < 2:
        return y0, y1
    reach = 1.5 * float(np.median(np.diff(inside)))
    lines = _line_heights(text, y0, y1, x0, x1, dpi) if text is not None else []
    usual = min(lines, default=0)

    def heading(a: int, b: int) -> bool:
        return text is not None and usual > 0 and _heading(text, a, b, x0, x1, dpi, usual)

    for a, b in rules:  # downwards
        if a > y1 and a - y1 <= reach:
            if heading(y1 + 2, a - 2):
                break
            y1 = b + 2
    for a, b in reversed(rules):  # upwards
        if b < y0 and y0 - b <= reach:
            if heading(b + 2, y0 - 2):
                break
            y0 = max(0, a - 2)
    return y0, y1


HEADING_LARGER = 1.15  # a heading between tables is set this much larger than the table's shortest line


def _heading(text: np.ndarray, y0: int, y1: int, x0: int, x1: int, dpi: int, usual: float) -> bool:
    """Whether the band y0..y1 holds a heading between two tables: one flush-left line (_flush_line) at
    least HEADING_LARGER times the `usual` line of the table."""
    h = _flush_line(text, y0, y1, x0, x1, dpi)
    return h is not None and h >= HEADING_LARGER * usual


def _flush_line(
    text: np.ndarray, y0: int, y1: int, x0: int, x1: int, dpi: int, flush_inches: float = 0.05
) -> int | None:
    """The height of the one line of text in the band y0..y1 when it runs in one piece (no gap of two line
    heights) from x0 (within flush_inches): a heading's shape; else None."""
    lines = _line_heights(text, y0, y1, x0, x1, dpi)
    if len(lines) != 1:
        return None
    # specks are no text: ink a quarter of the line's height wide or less (a glyph is wider)
    cols = drop_slivers(np.any(text[y0:y1, x0:x1], axis=0), max(2, round(dpi * 0.02), lines[0] // 4))
    ink = np.flatnonzero(cols)
    if not ink.size or ink[0] > dpi * flush_inches or _stacked_lines(text[y0:y1, x0:x1], lines[0]):
        return None
    return None if blank_runs(cols, max(round(dpi * 0.1), 2 * lines[0])) else lines[0]


def _stacked_lines(band: np.ndarray, height: int, most: float = 1.5) -> bool:
    """Whether what the band's row profile shows as one line of `height` is lines stacked closer than a
    gap (a head's titles wrapped over two lines, a one-line title beside them bridging the gap): its
    glyphs (the 75th percentile of the heights of its ink blobs a third of the line or taller) are under
    1/most of it."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(band.astype(np.uint8), connectivity=8)
    h = stats[1:, cv2.CC_STAT_HEIGHT]
    h = h[h >= height / 3]
    return bool(h.size) and most * float(np.percentile(h, 75)) < height


def lined_regions(
    m: RuleMasks,
    dpi: int,
    taken: list[BBox],
    min_width_inches: float = 1.5,
    tol_inches: float = 0.15,
    max_gap_inches: float = 10.5,
    header_inches: float = 1.0,
    break_share: float = 0.3,
) -> list[TableRegion]:
    """Tables ruled only in part: rules across the table between some or all rows (a three-line table:
    above and below the header and at the bottom), no frame at the sides, column rules or not.

    Row rules at least min_width_inches long that overlap by 0.6 or more of the shorter, each no more
    than max_gap_inches below the last and with no paragraphs of text between, make a region from the
    first to the last, or from a shorter rule
    within header_inches above the first that tops a header over the columns; rules inside a region
    already found (taken) are left out, and so is a region around one (rules under headings between
    framed tables). The sides are closed in the column mask where the rules end
    (open_edges "left" and "right"); its columns and its rows between rules come from the text.

    At a page break a word processor leaves such a table open: its part ends at its last rule with rows
    of table text below it running into the outer break_share of the page (or starts above its first
    rule so), and a part may hold one rule only. The region then takes that text in, open at that edge
    ("bottom", "top"; see _open_rows)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(m.horizontal, connectivity=8)
    rules = []
    sheet = round(dpi * 0.1)
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if w < dpi * min_width_inches:
            continue
        if x <= 1 or x + w >= m.horizontal.shape[1] - 1 or y < sheet or y + h > m.horizontal.shape[0] - sheet:
            continue  # the edge of the scanned sheet, not a rule: a table keeps the page's margins
        if any(tx0 - 4 <= x and x + w <= tx1 + 4 and ty0 - 4 <= y <= ty1 + 4 for tx0, ty0, tx1, ty1 in taken):
            continue
        rules.append((y + h // 2, x, x + w))
    rules.sort()
    tol, max_gap = dpi * tol_inches, dpi * max_gap_inches
    H, W = m.horizontal.shape
    text_of: list[np.ndarray] = []  # the page's text mask, made the first time it is needed

    def page_text() -> np.ndarray:
        assert m.ink is not None
        if not text_of:
            text_of.append(text_mask(m.ink, m.horizontal, m.vertical, dpi))
        return text_of[0]

    def prose_between(y0: int, y1: int, x0: int, x1: int) -> bool:
        """Paragraphs between two rules, or a line that starts left of the rules (a heading at the margin:
        a table's text lies within its rules)."""
        if m.ink is None or y1 - y0 < dpi * 0.15:
            return False
        text = page_text()
        outside = text[y0:y1, max(0, x0 - round(dpi * 0.5)) : max(0, x0 - round(dpi * 0.03))]
        if outside.size and _line_beside(outside, dpi):
            return True
        if y1 - y0 < dpi * 0.3:
            return False
        cuts = [y0] + text_line_splits(text, y0, y1, x0, x1, dpi) + [y1]
        bands = [(a, b) for a, b in zip(cuts, cuts[1:])]
        return looks_like_prose(text[:, x0:x1], bands, x1 - x0, dpi)

    groups: list[list[tuple[int, int, int]]] = []
    for r in rules:
        for g in groups:
            y = g[-1][0]
            gx0, gx1 = min(q[1] for q in g), max(q[2] for q in g)
            overlap = min(r[2], gx1) - max(r[1], gx0)
            if (
                overlap >= 0.6 * min(r[2] - r[1], gx1 - gx0)
                and 0 < r[0] - y <= max_gap
                and not prose_between(y + 3, r[0] - 3, max(gx0, r[1]), min(gx1, r[2]))
            ):
                g.append(r)
                break
        else:
            groups.append([r])
    if m.ink is not None and text_of:
        groups = [part for g in groups for part in _split_at_headings(g, text_of[0], dpi)]
    grouped = {r for g in groups if len(g) >= 2 for r in g}
    out = []
    for g in groups:
        x0, x1 = min(r[1] for r in g), max(r[2] for r in g)
        opened: list[str] = []
        ends = [g[0][0], g[-1][0]]
        if m.ink is not None:
            for k, (opening, reach) in enumerate((("top", H * break_share), ("bottom", H * (1 - break_share)))):
                beyond = [r[0] for r in rules if (r[0] > ends[1] if k else r[0] < ends[0]) and r[2] > x0 and r[1] < x1]
                stop = (min(beyond, default=H) if k else max(beyond, default=0)) - (1 if k else -1) * 3
                block = _open_rows(page_text(), ends[k], stop, x0, x1, dpi)
                if block is not None and (block < reach if k == 0 else block > reach):
                    ends[k] = block
                    opened.append(opening)
        full = sum(1 for r in g if r[2] - r[1] >= 0.9 * (x1 - x0))
        if len(g) < 2 and not opened or full + len(opened) < 2:
            continue  # a table's top and bottom rules run across it, or it runs on over a page break
        top = ends[0]
        # a shorter rule just above, inside the table's width, tops a header (over the columns, not the labels)
        above = [
            r
            for r in rules
            if top - dpi * header_inches <= r[0] < top - dpi * 0.05
            and r not in grouped
            and r[1] >= x0 - tol
            and r[2] <= x1 + tol
            and 0.3 * (x1 - x0) <= r[2] - r[1] <= 0.9 * (x1 - x0)
            and "top" not in opened
        ]
        if above:
            top = min(r[0] for r in above)
        y0, y1 = max(0, top - 4), min(H, ends[1] + 5)
        hm = m.horizontal[y0:y1, x0:x1].copy()
        rule = max(2, round(dpi / 150))
        if "top" in opened:  # the break stands for the rule the part does not print
            hm[:rule] = 255
        if "bottom" in opened:
            hm[-rule:] = 255
        vm = m.vertical[y0:y1, x0:x1].copy()
        side = max(2, round(dpi / 150))
        vm[:, :side] = 255
        vm[:, -side:] = 255
        ink = m.ink[y0:y1, x0:x1] if m.ink is not None else None
        if ink is not None and _dense(ink):
            continue
        out.append(TableRegion((int(x0), int(y0), int(x1), int(y1)), hm, vm, ("left", "right", *opened), ink))
    # rules that start inside a table (under nested labels) group too: that group is part of the table
    return [
        r
        for r in out
        if not any(o is not r and _inside(r.bbox, o.bbox) for o in out) and not any(_inside(t, r.bbox) for t in taken)
    ]


def _line_beside(strip: np.ndarray, dpi: int, min_inches: float = 0.08) -> bool:
    """Whether a strip of the text mask holds the start of a line of text: min_inches of ink across it
    within one line's rows (specks scattered down a fax's margin add up over the strip, not in a line)."""
    rows = np.flatnonzero(strip.any(axis=1))
    if not rows.size:
        return False
    breaks = np.flatnonzero(np.diff(rows) > max(2, round(dpi * 0.02))) + 1
    return any(strip[run[0] : run[-1] + 1].any(axis=0).sum() >= dpi * min_inches for run in np.split(rows, breaks))


def _open_rows(
    text: np.ndarray,
    y: int,
    stop: int,
    x0: int,
    x1: int,
    dpi: int,
    max_gap_inches: float = 0.3,
    first_gap_inches: float = 0.12,
) -> int | None:
    """The far end of the rows of a table that run on from its rule at y towards `stop` (the next rule that
    way, or the page's edge) with no rule to close them: text lines within x0..x1, the first no more than
    first_gap_inches from the rule, the others no more than max_gap_inches from each other, at least
    two, in two columns or more with half of them in cells apart (a table's rows, not a paragraph
    or a heading), none starting left of x0, and none past a heading between two tables. Returns the y
    just past the last line, or None."""
    down = stop > y
    gap, pad = round(dpi * max_gap_inches), round(dpi * 0.03)
    a, b = (y + pad, stop) if down else (stop, y - pad)
    if b - a < dpi * 0.1:
        return None
    rows = drop_slivers(np.any(text[a:b, x0:x1], axis=1), max(1, round(dpi * 0.02)))  # speckle is no line
    ink = np.flatnonzero(rows if down else rows[::-1])
    if ink.size == 0 or ink[0] > dpi * first_gap_inches:
        return None  # a row starts right at the rule (a cell's padding); a heading after a table stands off
    jumps = np.flatnonzero(np.diff(ink) > gap)
    extent = int(ink[jumps[0]] if jumps.size else ink[-1]) + 1  # from the rule to the block's far end
    lo, hi = (a, a + extent) if down else (b - extent, b)
    cuts = [lo] + text_line_splits(text, lo, hi, x0, x1, dpi) + [hi]
    bands = [(p, q) for p, q in zip(cuts, cuts[1:])]
    # a heading between two tables (one flush-left line larger than the rest) ends the rows before it
    heights = _line_heights(text, lo, hi, x0, x1, dpi)
    heading = [k for k, (p, q) in enumerate(bands) if heights and _heading(text, p, q, x0, x1, dpi, min(heights))]
    if heading:
        near = min(heading) if down else max(heading)
        bands = bands[:near] if down else bands[near + 1 :]
        if not bands:
            return None
        lo, hi = bands[0][0], bands[-1][1]
    margin = text[lo:hi, max(0, x0 - round(dpi * 0.5)) : max(0, x0 - round(dpi * 0.03))]
    if len(bands) < 2 or (margin.size and margin.any()) or looks_like_prose(text[:, x0:x1], bands, x1 - x0, dpi):
        return None
    # two columns or more: a blank run down the whole block, and half the lines in cells apart (no paragraph)
    blank = ~np.any(text[lo:hi, x0:x1], axis=0)
    cells = [len(blank_runs(np.any(text[p:q, x0:x1], axis=0), round(dpi * 0.1))) >= 1 for p, q in bands]
    if not blank_runs(~blank, round(dpi * 0.1)) or sum(cells) < len(cells) / 2:
        return None
    return hi + pad if down else lo - pad


def _inside(a: BBox, b: BBox, slack: int = 4) -> bool:
    return b[0] - slack <= a[0] and b[1] - slack <= a[1] and a[2] <= b[2] + slack and a[3] <= b[3] + slack


def _line_heights(
    text: np.ndarray, y0: int, y1: int, x0: int, x1: int, dpi: int, min_inches: float = 0.04
) -> list[int]:
    """Heights of the text lines between y0 and y1; a strip of ink lower than min_inches (fax speckle
    along a rule, the remnant of a rule's edge) is no line."""
    cuts = [y0] + text_line_splits(text, y0, y1, x0, x1, dpi) + [y1]
    out = []
    for a, b in zip(cuts, cuts[1:]):
        rows = np.flatnonzero(text[a:b, x0:x1].any(axis=1))
        if rows.size and rows[-1] - rows[0] + 1 >= dpi * min_inches:
            out.append(int(rows[-1] - rows[0] + 1))
    return out


def _split_at_headings(
    group: list[tuple[int, int, int]],
    text: np.ndarray,
    dpi: int,
    flush_inches: float = 0.05,
    larger: float = HEADING_LARGER,
) -> list[list[tuple[int, int, int]]]:
    """Row rules grouped as one table -> the tables they rule: a band between two rules that holds one line
    of text in one run (no gap of two line heights), flush with the rules' left end and at least `larger`
    times the table's shortest line, is a heading between two tables (a table's text sits inside its
    cells and is set smaller)."""
    if len(group) < 3:
        return [group]
    x0, x1 = min(r[1] for r in group), max(r[2] for r in group)
    candidates, heights = [], []
    for k, (a, b) in enumerate(zip(group, group[1:])):
        y0, y1 = a[0] + 4, b[0] - 3
        line = _flush_line(text, y0, y1, x0, x1, dpi, flush_inches)
        if line is not None:
            candidates.append((k, line))
        else:
            heights += _line_heights(text, y0, y1, x0, x1, dpi)
    if not candidates or not heights:
        return [group]
    usual = float(min(heights))  # a band of several lines a tall cell bridged is no line height
    cuts = [k + 1 for k, h in candidates if h >= larger * usual]
    parts, last = [], 0
    for k in cuts:
        parts.append(group[last:k])
        last = k
    parts.append(group[last:])
    return [p for p in parts if p]


def _dense(ink: np.ndarray, max_share: float = 0.3) -> bool:
    """Ink over more than max_share of a region: a picture, a photo or noise, not rules around text."""
    return float((ink > 0).mean()) > max_share


def _count_rules(mask: np.ndarray, axis: int, dpi: int) -> int:
    """Number of separate rule positions in a mask (rows for axis=1, columns for axis=0)."""
    prof = (mask > 0).sum(axis=axis) > 0
    if not prof.any():
        return 0
    d = np.diff(prof.astype(np.int8))
    return int((d == 1).sum() + (1 if prof[0] else 0))


def _frame_sides(hm: np.ndarray, vm: np.ndarray, dpi: int, min_cover: float = 0.6) -> dict[str, bool]:
    """Which sides of a region carry a frame rule along most of their length?"""
    band = max(4, int(dpi * 0.1))  # rules may overshoot the frame (by ~15 px on some fax pages)
    h, w = hm.shape

    def cover(m: np.ndarray, axis: int) -> float:
        return float((m > 0).any(axis=axis).mean()) if m.size else 0.0

    return {
        "top": cover(hm[:band], 0) >= min_cover,
        "bottom": cover(hm[h - band :], 0) >= min_cover,
        "left": cover(vm[:, :band], 1) >= min_cover,
        "right": cover(vm[:, w - band :], 1) >= min_cover,
    }


def close_edge(hm: np.ndarray, vm: np.ndarray, edge: str, dpi: int, min_columns: int = 2) -> np.ndarray:
    """A copy of the horizontal rule mask with a rule drawn where the column rules end at an open
    top or bottom edge, from the leftmost to the rightmost column rule that reaches it. Unchanged
    when fewer than min_columns column rules reach the edge."""
    h, w = hm.shape
    band = max(4, int(dpi * 0.05))
    rows = vm[:band] if edge == "top" else vm[h - band :]
    cols = np.flatnonzero((rows > 0).any(axis=0))
    if cols.size == 0 or 1 + int((np.diff(cols) > 1).sum()) < min_columns:
        return hm
    thick = max(2, round(dpi / 150))
    out = hm.copy()
    ys = np.flatnonzero((vm[:, cols] > 0).any(axis=1))
    y = int(ys.min()) if edge == "top" else int(ys.max())
    y0 = y if edge == "top" else max(0, y - thick + 1)
    out[y0 : y0 + thick, int(cols.min()) : int(cols.max()) + 1] = 255
    return out
