from schemas.results import CellResult, PageResult, TableResult
from worker.stitch import link_continuations, stitched_tables


def _table(index, y0, y1, rows, xs, spans=None):
    """rows x (len(xs)-1) table; spans: {(row, col): col_span} for merged cells."""
    spans = spans or {}
    cells = []
    for r in range(rows):
        c = 0
        k = 0
        while c < len(xs) - 1:
            cs = spans.get((r, c), 1)
            cells.append(
                CellResult(
                    row=r, col=k, row_span=1, col_span=cs, bbox=(xs[c], y0 + r * 50, xs[c + cs], y0 + (r + 1) * 50)
                )
            )
            c += cs
            k += 1
    n_cols = max(c.col + c.col_span for c in cells)
    return TableResult(index=index, bbox=(xs[0], y0, xs[-1], y1), n_rows=rows, n_cols=n_cols, cells=cells)


def _page(n, tables, h=3508):
    return PageResult(number=n, dpi=300, width=2480, height=h, tables=tables)


XS = [300, 500, 700, 900, 1100, 1300]


def test_continued_table_is_linked_and_columns_renumbered():
    first = _table(0, 2000, 3200, 24, XS)
    # second part: a merged label hides the rule at x=500 in every row -> only 4 grid columns
    second = _table(0, 300, 400, 2, [300, 700, 900, 1100, 1300])
    other = _table(1, 800, 1200, 4, [300, 1300, 2000])
    pages = [_page(1, [first]), _page(2, [second, other])]
    link_continuations(pages)
    assert second.continued_from == (1, 0)
    assert other.continued_from is None
    assert [(c.col, c.col_span) for c in second.cells if c.row == 0] == [(0, 2), (2, 1), (3, 1), (4, 1)]
    assert second.n_cols == 5
    logical = stitched_tables(pages)
    assert [len(t) for t in logical] == [2, 1]


def test_tables_away_from_page_edges_are_not_linked():
    a = _table(0, 300, 1000, 10, XS)  # ends mid-page
    b = _table(0, 300, 800, 4, XS)
    pages = [_page(1, [a]), _page(2, [b])]
    link_continuations(pages)
    assert b.continued_from is None


def test_different_columns_are_not_linked():
    a = _table(0, 2000, 3200, 10, XS)
    b = _table(0, 300, 800, 4, [300, 450, 610, 900, 1300])
    link_continuations([_page(1, [a]), _page(2, [b])])
    assert b.continued_from is None


def test_pages_not_adjacent_are_not_linked():
    a = _table(0, 2000, 3200, 10, XS)
    b = _table(0, 300, 800, 4, XS)
    link_continuations([_page(1, [a]), _page(3, [b])])
    assert b.continued_from is None


def test_columns_found_from_the_text_link_where_they_stand_near_each_other():
    """An unruled table's separators stand in the middle of the gaps between the words each part holds:
    two rows on the next page put them up to a third of an inch elsewhere, and the part still continues
    the table, its columns renumbered in the first part's. Printed rules that far apart do not link
    (test_different_columns_are_not_linked)."""
    a = _table(0, 2000, 3200, 10, XS)
    a.inferred_xs = XS[1:-1]
    b = _table(0, 300, 800, 4, [300, 450, 610, 900, 1300], spans={(r, 3): 1 for r in range(4)})
    b.inferred_xs = [450, 610, 900]
    link_continuations([_page(1, [a]), _page(2, [b])])
    assert b.continued_from == (1, 0)
    assert [(c.col, c.col_span) for c in b.cells if c.row == 0] == [(0, 1), (1, 1), (2, 1), (3, 2)]
