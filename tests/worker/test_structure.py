"""Orientation, skew, table finding and grids on synthetic pages (no OCR)."""

import numpy as np
import pytest

from worker.deskew import estimate_skew, to_gray
from worker.grid import build_grid
from worker.orient import text_axis_turn, turn, up_down
from worker.tables import find_tables

from . import synth

DPI = 150


def _spans(grid):
    return sorted((c.row, c.col, c.row_span, c.col_span) for c in grid.cells)


def _truth(cells):
    return sorted((r, c, rs, cs) for r, c, rs, cs, _ in cells)


def _table_page(line_px=2, gaps=0.0, text_px=0, dpi=DPI):
    img = synth.page(dpi)
    col_w = [int(dpi * w) for w in (0.9, 1.4, 0.8, 0.8, 0.8, 0.8)]
    row_h = [int(dpi * h) for h in (0.35, 0.35, 0.35, 0.4, 0.35, 0.35)]
    img, _ = synth.draw_table(
        img, (int(dpi), int(2 * dpi)), col_w, row_h, synth.HEAD3, line_px=line_px, text_px=text_px, gaps=gaps
    )
    return img


@pytest.mark.parametrize("angle", [-9.5, -3.2, 0.0, 0.4, 6.0])
def test_skew_is_measured_within_a_tenth_of_a_degree(angle):
    img = _table_page()
    if synth.have_font():
        img = synth.body_text(img, DPI, lines=6, top=5.0)
    got = estimate_skew(synth.rotate(img, angle), DPI)
    assert abs(got - angle) < 0.1


def test_blank_page_has_no_skew_and_no_tables():
    img = synth.page(DPI)
    assert estimate_skew(img, DPI) == 0.0
    assert find_tables(img, DPI) == []


def test_photo_like_noise_has_no_tables():
    rng = np.random.default_rng(0)
    img = cv2_blur(rng.integers(0, 255, synth.page(DPI).shape).astype(np.uint8))
    assert find_tables(img, DPI) == []


def cv2_blur(a):
    import cv2

    return cv2.GaussianBlur(a, (0, 0), 3)


@pytest.mark.parametrize("line_px,gaps", [(1, 0.0), (2, 0.0), (4, 0.0), (2, 0.3)])
def test_grid_with_merged_cells_both_ways(line_px, gaps):
    img = _table_page(line_px=line_px, gaps=gaps, text_px=int(DPI * 0.12) if synth.have_font() else 0)
    regions = find_tables(img, DPI)
    assert len(regions) == 1
    grid = build_grid(regions[0], DPI)
    assert (grid.n_rows, grid.n_cols) == (6, 6)
    assert _spans(grid) == _truth(synth.HEAD3)


def test_faint_rules_are_found():
    img = _table_page()
    faint = (255 - (255 - img.astype(np.float32)) * 0.4).astype(np.uint8)  # rules at gray ~150
    grid = build_grid(find_tables(faint, DPI)[0], DPI)
    assert _spans(grid) == _truth(synth.HEAD3)


def test_two_tables_top_to_bottom():
    img = _table_page()
    img, _ = synth.draw_table(
        img,
        (DPI, int(6 * DPI)),
        [DPI, DPI, DPI],
        [DPI // 3] * 2,
        [(r, c, 1, 1, "") for r in range(2) for c in range(3)],
    )
    regions = find_tables(img, DPI)
    assert len(regions) == 2 and regions[0].bbox[1] < regions[1].bbox[1]
    assert build_grid(regions[1], DPI).n_cols == 3


def test_red_seal_does_not_make_rules():
    import cv2

    gray = _table_page()
    rgb = np.stack([gray] * 3, -1)
    over = rgb.copy()
    cv2.circle(over, (int(3.3 * DPI), int(2.8 * DPI)), int(0.7 * DPI), (210, 40, 40), 6)
    rgb = cv2.addWeighted(over, 0.75, rgb, 0.25, 0)
    grid = build_grid(find_tables(to_gray(rgb), DPI)[0], DPI)
    assert _spans(grid) == _truth(synth.HEAD3)


@pytest.mark.skipif(not synth.have_font(), reason="needs Noto CJK")
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_quarter_turns_and_upside_down(rotation):
    img = synth.body_text(synth.page(DPI), DPI, lines=14)
    scanned = turn(img, (360 - rotation) % 360)  # what the scanner saw
    quarter, strength = text_axis_turn(scanned, DPI)
    assert quarter == rotation % 180 and strength > 0.5
    level = turn(scanned, quarter)
    upside_down, surely_upright = up_down(level, DPI)
    assert upside_down == (rotation >= 180)
    assert surely_upright == (rotation < 180)  # an upright page is sure enough to skip the label probe


def test_a_table_whose_rules_overshoot_its_frame_is_found():
    img = _table_page()
    x0, _x1 = int(DPI) + sum(int(DPI * w) for w in (0.9, 1.4, 0.8, 0.8, 0.8, 0.8)), 0
    y0, _y1 = int(2 * DPI), int(2 * DPI) + int(DPI * 0.35)
    img[y0 : y0 + 2, x0 : x0 + int(DPI * 0.08)] = 0  # the top rule runs on past the right frame
    assert len(find_tables(img, DPI)) == 1


def test_a_character_stroke_joined_to_one_rule_is_not_a_column():
    img = _table_page()
    dpi = DPI
    x = int(DPI) + int(dpi * 0.9) + int(dpi * 0.7)  # middle of the second column
    y = int(2 * dpi) + int(dpi * 0.35) * 3  # a row rule
    img[y + 2 : y + int(dpi * 0.35) - 5, x : x + 2] = 0  # a long upright stroke hanging from it
    grid = build_grid(find_tables(img, DPI)[0], DPI)
    assert grid.n_cols == 6


def test_of_two_close_column_rules_the_ruled_one_is_kept():
    img = _table_page()
    dpi = DPI
    x = int(DPI) + int(dpi * 0.9) + int(dpi * 1.4) - int(dpi * 0.06)  # just left of the third column's rule
    y = int(2 * dpi)
    img[y : y + int(dpi * 0.3), x : x + 2] = 0  # a short stroke touching the top frame
    grid = build_grid(find_tables(img, DPI)[0], DPI)
    assert grid.n_cols == 6 and abs(grid.xs[2] - (int(DPI) + int(dpi * 0.9) + int(dpi * 1.4))) <= 3


def test_a_column_rule_whose_end_a_speck_extends_still_separates_its_rows():
    """A short column rule (two rows of an eight-row table, as in table 二's 第（一）项 block) with a fax
    speck joined below its lower end: it must still split those rows, and only those."""
    from worker.tables import TableRegion

    dpi, w, row, rows = 200, 900, 60, 8
    hm = np.zeros((rows * row + 4, w), np.uint8)
    vm = np.zeros_like(hm)
    for r in range(rows + 1):
        hm[r * row : r * row + 4, :] = 255
    vm[:, :4] = vm[:, w - 4 :] = 255
    vm[:, 300:304] = 255  # label column, all rows
    vm[row : 3 * row + 4, 600:604] = 255  # rows 1 and 2 only
    vm[3 * row + 4 : 3 * row + 13, 601:604] = 255  # a speck joined to its lower end
    grid = build_grid(TableRegion((0, 0, w, hm.shape[0]), hm, vm), dpi)
    assert grid.n_cols == 3
    spans = _spans(grid)
    assert (1, 1, 1, 1) in spans and (2, 2, 1, 1) in spans
    assert (0, 1, 1, 2) in spans and (3, 1, 1, 2) in spans and (7, 1, 1, 2) in spans


def _latin_page(dpi: int) -> np.ndarray:
    """A page of English prose with quotes, apostrophes and accents at 10 pt: marks at the tops of lines."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 255)
    d = ImageDraw.Draw(page)
    fnt = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", round(10 / 72 * dpi))
    line = "The “objective” answers, the ‘subjective’ ones: Müller’s survey and Gödel’s notes, see p. 12."
    for k in range(24):
        d.text((int(dpi), int(dpi) + k * int(0.2 * dpi)), line if k % 3 else line.upper(), font=fnt, fill=0)
    return np.asarray(page)


@pytest.mark.parametrize("rotation", [0, 180])
def test_latin_text_is_upright_by_its_ascenders_not_its_quotes(rotation):
    level = turn(_latin_page(200), rotation)
    upside_down, sure = up_down(level, 200)
    assert upside_down == (rotation == 180)
    assert sure == (rotation == 0)
