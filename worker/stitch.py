"""Tables that run over a page break: link the parts, and give the logical tables.

A part continues the previous page's last table when that table ends near the page bottom, the
part starts near the top, both have the same width and left edge, and every column rule of the
part is a column rule of the previous part (a separator found from the text lies near one found so).
The part's columns are then renumbered in the first part's column system (a merged label may hide a
rule on one page but not the other), so col indices mean the same across the parts; rows stay
numbered from 0 on each page.
"""

from __future__ import annotations

from itertools import pairwise

from schemas.results import PageResult, TableResult


def _col_edges(t: TableResult) -> list[int]:
    xs = sorted({c.bbox[0] for c in t.cells} | {c.bbox[2] for c in t.cells})
    merged: list[int] = []
    for x in xs:
        if merged and x - merged[-1] <= 3:
            continue
        merged.append(x)
    return merged


def _match_columns(prev: TableResult, nxt: TableResult, tol: float, snap: float) -> dict[int, int] | None:
    """x of each column rule of `nxt` -> index of the matching rule of `prev`, or None. A rule matches within
    tol; a separator found from the text (the middle of the gap between the words each part holds, so it
    moves with them) within snap of one found so on the other side. In order, never two to one."""
    pe, ne = _col_edges(prev), _col_edges(nxt)
    if len(pe) < 2 or len(ne) < 2:
        return None
    if abs((pe[-1] - pe[0]) - (ne[-1] - ne[0])) > tol:
        return None
    shift = pe[0] - ne[0]

    def inferred(x: int, xs: list[int]) -> bool:
        return any(abs(x - i) <= 3 for i in xs)

    out = {}
    for x in ne:
        j = min(range(len(pe)), key=lambda k: abs(pe[k] - (x + shift)))
        loose = inferred(x, nxt.inferred_xs) and inferred(pe[j], prev.inferred_xs)
        if abs(pe[j] - (x + shift)) > (snap if loose else tol):
            return None
        out[x] = j
    index = [out[x] for x in ne]
    if any(b <= a for a, b in zip(index, index[1:])):
        return None
    return out


def _near(x: int, edges: dict[int, int]) -> int:
    return edges[min(edges, key=lambda e: abs(e - x))]


def continues(
    prev_page: PageResult,
    prev: TableResult,
    page: PageResult,
    nxt: TableResult,
    edge_share: float = 0.25,
    tol_inches: float = 0.06,
    snap_inches: float = 0.4,
) -> dict[int, int] | None:
    """Does `nxt` (first table of `page`) continue `prev` (last table of the page before)?
    -> column mapping (x of nxt's rules -> prev's column index) or None.

    edge_share: how close to the page bottom / top (share of the page height) the parts must end
    / start; tol_inches: how far column rules may disagree; snap_inches: how far two separators found
    from the text may (_match_columns)."""
    if prev_page.height and prev.bbox[3] < prev_page.height * (1 - edge_share):
        return None
    if page.height and nxt.bbox[1] > page.height * edge_share:
        return None
    if prev_page.dpi != page.dpi or abs(prev.bbox[0] - nxt.bbox[0]) > 0.5 * page.dpi:
        return None  # different scans, or left edges more than half an inch apart
    return _match_columns(prev, nxt, tol_inches * page.dpi, snap_inches * page.dpi)


def link_continuations(pages: list[PageResult]) -> None:
    """Set continued_from=(page number, table index) on every table part that continues a table
    of the page before, and renumber its columns in that table's column system. In place."""
    pages = sorted(pages, key=lambda p: p.number)
    for prev_page, page in pairwise(pages):
        if page.number != prev_page.number + 1 or not prev_page.tables or not page.tables:
            continue
        prev, nxt = prev_page.tables[-1], page.tables[0]
        if nxt.continued_from is not None:
            continue
        mapping = continues(prev_page, prev, page, nxt)
        if mapping is None:
            continue
        for c in nxt.cells:
            c0 = _near(c.bbox[0], mapping)
            c1 = _near(c.bbox[2], mapping)
            c.col, c.col_span = c0, max(1, c1 - c0)
        nxt.n_cols = prev.n_cols
        nxt.cells.sort(key=lambda c: (c.row, c.col))
        nxt.continued_from = (prev_page.number, prev.index)


def stitched_tables(pages: list[PageResult]) -> list[list[TableResult]]:
    """Logical tables, in document order, each as the list of its parts in page order
    (run link_continuations first)."""
    where: dict[tuple[int, int], list[TableResult]] = {}
    out: list[list[TableResult]] = []
    for page in sorted(pages, key=lambda p: p.number):
        for t in page.tables:
            chain = where.get(t.continued_from) if t.continued_from else None
            if chain is None:
                chain = []
                out.append(chain)
            chain.append(t)
            where[(page.number, t.index)] = chain
    return out
