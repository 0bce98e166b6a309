"""A separator must be supported: strokes inside one cell (an underline under a header, a pen stroke
down a tall merged label, the upright strokes of stacked characters) are no row or column boundary.
Drawn by the project's forge, in several profiles and rule weights (no OCR)."""

import random

import numpy as np
import pytest

from tests.forge import PROFILES, DocSpec, Style
from tests.forge.documents import draw, visible_shape
from tests.forge.scan import degrade
from worker.config import PipelineConfig
from worker.grid import build_grid
from worker.page import upright
from worker.tables import TableRegion, find_tables


@pytest.mark.parametrize(
    "profile,seed,rule_pt", [("clean", 1, 0.5), ("office", 2, 1.0), ("fax", 3, 0.75), ("worn", 4, 1.5)]
)
def test_strokes_inside_cells_add_no_rows_or_columns(profile, seed, rule_pt):
    for page, grids in _grids(Style(stray_marks=True, rule_pt=rule_pt, table_pt=9), profile, seed):
        assert [(g.n_rows, g.n_cols) for g in grids] == [visible_shape(t) for t in page.tables], profile


def _frame(dpi: int, rows: int, cols: int, row_px: int = 60, col_px: int = 150) -> tuple[np.ndarray, np.ndarray]:
    hm = np.zeros((rows * row_px + 4, cols * col_px + 4), np.uint8)
    vm = np.zeros_like(hm)
    for r in range(rows + 1):
        hm[r * row_px : r * row_px + 4, :] = 255
    for c in range(cols + 1):
        vm[:, c * col_px : c * col_px + 4] = 255
    return hm, vm


def test_a_long_stroke_inside_a_tall_merged_cell_is_not_a_column():
    """Column 0 is one merged cell over six rows (no row rules cross it); a pen stroke runs down most of it."""
    dpi = 200
    hm, vm = _frame(dpi, 6, 4)
    hm[60 : 64 + 4 * 60, :150] = 0  # column 0 merged
    hm[60:64, :150] = 0
    for r in range(1, 6):
        hm[r * 60 : r * 60 + 4, :150] = 0
    vm[40:330, 100:103] = 255  # the stroke: 0.8 of the table's height, meets no rule
    grid = build_grid(TableRegion((0, 0, hm.shape[1], hm.shape[0]), hm, vm), dpi)
    assert (grid.n_rows, grid.n_cols) == (6, 4)
    assert any(c.col == 0 and c.row_span == 6 for c in grid.cells)


def test_a_stroke_that_fills_one_header_cell_is_not_a_column():
    """A stroke from rule to rule inside one cell of a six-row table: it bounds one slot only."""
    dpi = 200
    hm, vm = _frame(dpi, 6, 4)
    vm[60:124, 520:523] = 255  # row 1, inside column 3
    grid = build_grid(TableRegion((0, 0, hm.shape[1], hm.shape[0]), hm, vm), dpi)
    assert (grid.n_rows, grid.n_cols) == (6, 4)


def test_a_rule_under_two_header_cells_is_a_row_even_where_it_is_short():
    """A real split: the row rule exists under two of four header cells only (a merged head above two
    sub-heads), and a column rule between those two sub-heads runs to the bottom."""
    dpi = 200
    hm, vm = _frame(dpi, 6, 4)
    hm[60:64, :300] = 0  # columns 0 and 1 of rows 0-1 merged vertically
    vm[:64, 450:454] = 0  # columns 2 and 3 of row 0 merged horizontally
    grid = build_grid(TableRegion((0, 0, hm.shape[1], hm.shape[0]), hm, vm), dpi)
    assert (grid.n_rows, grid.n_cols) == (6, 4)
    spans = {(c.row, c.col): (c.row_span, c.col_span) for c in grid.cells}
    assert spans[(0, 0)] == (2, 1) and spans[(0, 2)] == (1, 2) and spans[(1, 2)] == (1, 1)


def _grids(style: Style, profile: str, seed: int):
    lay, _, _ = draw(DocSpec(name="x", style=style), random.Random(seed))
    p = PROFILES[profile]
    for i, page in enumerate(lay.pages):
        if not page.tables:
            continue
        img, _ = degrade(page.image, p, random.Random(seed * 10 + i))
        gray, *_ = upright(np.asarray(img.convert("L")), p.dpi, PipelineConfig())
        yield page, [build_grid(r, p.dpi) for r in find_tables(gray, p.dpi)]


@pytest.mark.parametrize("profile,seed", [("clean", 5), ("office", 6), ("fax", 7), ("worn", 8)])
def test_a_column_rule_too_faint_to_see_is_found_from_its_text(profile, seed):
    """Table 三's rule between two applicant columns printed as a faint grey hairline: lost to the rule
    masks, found again because every row's two numbers stand apart at the same place."""
    inferred = 0
    for page, grids in _grids(Style(faint_rule=True), profile, seed):
        for part, grid in zip(page.tables, grids):
            if part["name"] == "three" and visible_shape(part)[0] > 3:
                assert (grid.n_rows, grid.n_cols) == visible_shape(part), profile
                inferred += len(grid.inferred_xs)
    if profile != "office":  # office grain breaks the hairline into dashes, which the rule masks bridge
        assert inferred >= 1


@pytest.mark.parametrize("profile,seed", [("clean", 1), ("fax", 2)])
def test_text_with_wide_spaces_in_its_cells_adds_no_column(profile, seed):
    """Left-aligned labels whose full-width brackets leave wide gaps ('（三）  不予公开'), fax specks
    beside labels: no column is inferred where every rule is printed."""
    for page, grids in _grids(Style(label_align="left", table_pt=12), profile, seed):
        assert [(g.n_rows, g.n_cols) for g in grids] == [visible_shape(t) for t in page.tables]
        assert not any(g.inferred_xs for g in grids)


def test_a_cell_walled_by_an_inferred_separator_is_trusted_no_more_than_its_structure():
    from worker.confidence import INFERRED_STRUCTURE, structure_cap

    assert structure_cap((100, 10, 200, 50), [200], []) == INFERRED_STRUCTURE
    assert structure_cap((100, 10, 200, 50), [], [51]) == INFERRED_STRUCTURE
    assert structure_cap((100, 10, 200, 50), [300], [90]) == 1.0
