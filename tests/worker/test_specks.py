"""Specks are no text: fax speckle scattered down a page's margin is no heading at the margin that would
end a table ruled in part, and a speck beyond a heading's end does not make that heading two pieces (a
table with no side rules then grew over the heading into the table under it); nor does a fax that wore
the ends of its row rules lose a table's last column. Drawn at 200 dpi, the resolution of a fax."""

import numpy as np
import pytest

from tests.worker import synth
from worker.grid import build_grid
from worker.tables import _stacked_lines, find_tables

DPI = 200
pytestmark = pytest.mark.skipif(not synth.have_font(), reason="needs the Noto CJK font")


def _rows(img, x0, x1, y, n, pitch, labels, px=28):
    """Row rules from x0 to x1 starting at y, n rows of pitch px, each row a label and two numbers."""
    for k in range(n + 1):
        img[y + k * pitch : y + k * pitch + 3, x0:x1] = 0
    for k in range(n):
        cy = y + k * pitch + pitch // 2
        img = synth.text(img, (x0 + 20, cy), labels[k % len(labels)], px, anchor="lm")
        img = synth.text(img, (x0 + (x1 - x0) * 3 // 5, cy), str(10 + 7 * k), px, anchor="mm")
        img = synth.text(img, (x0 + (x1 - x0) * 17 // 20, cy), str(3 * k), px, anchor="mm")
    return img


def _columns(img, xs, y0, y1):
    for x in xs:
        img[y0:y1, x : x + 3] = 0
    return img


def test_a_speck_beyond_a_heading_does_not_join_the_tables_around_it():
    img = synth.page(DPI)
    x0, x1, pitch = 200, 1460, 62
    img = _rows(img, x0, x1, 300, 5, pitch, ["行政许可", "行政处罚", "行政强制"])
    img = _columns(img, [x0 + 380, x0 + 880], 300, 300 + 5 * pitch)
    top = 300 + 5 * pitch + 110  # a heading between the tables, flush with their left end
    img = synth.text(img, (x0, 300 + 5 * pitch + 55), "三、收到和处理政府信息公开申请情况", 36, anchor="lm")
    img[300 + 5 * pitch + 50 : 300 + 5 * pitch + 55, 1180:1185] = 0  # a speck a little wider than 0.02 in
    img = _rows(img, x0, x1, top, 6, 80, ["自然人", "商业企业", "科研机构"])  # rows as tall as the gap
    img = _columns(img, [x0 + 380, x0 + 880], top, top + 6 * 80)
    shapes = sorted((g.n_rows, g.n_cols) for g in (build_grid(r, DPI) for r in find_tables(img, DPI)) if g)
    assert shapes == [(5, 3), (6, 3)]


def test_speckle_down_the_margin_is_no_heading_inside_a_three_line_table():
    img = synth.page(DPI)
    x0, x1, top, pitch, n = 200, 1460, 300, 60, 14
    img[top : top + 3, x0:x1] = 0
    img = synth.text(img, (x0 + 20, top + 40), "项目", 28, anchor="lm")
    img = synth.text(img, (x0 + 760, top + 40), "本年数", 28, anchor="mm")
    img = synth.text(img, (x0 + 1070, top + 40), "上年数", 28, anchor="mm")
    head = top + 80
    img[head : head + 3, x0:x1] = 0
    for k in range(n):
        cy = head + 10 + k * pitch + pitch // 2
        img = synth.text(img, (x0 + 20, cy), ["一般公共预算", "政府性基金", "国有资本经营"][k % 3], 28, anchor="lm")
        img = synth.text(img, (x0 + 760, cy), f"{1000 + 37 * k}.{k:02d}", 28, anchor="mm")
        img = synth.text(img, (x0 + 1070, cy), f"{900 + 41 * k}.{k:02d}", 28, anchor="mm")
    bottom = head + 20 + n * pitch
    img[bottom : bottom + 3, x0:x1] = 0
    rng = np.random.default_rng(3)
    for y, x in zip(rng.integers(head + 10, bottom - 10, 40), rng.integers(x0 - 90, x0 - 10, 40)):
        img[y : y + 7, x : x + 7] = 0  # coarse speckle, 0.035 in, down the margin beside the table
    grids = [g for g in (build_grid(r, DPI) for r in find_tables(img, DPI)) if g]
    assert [(g.n_rows, g.n_cols) for g in grids] == [(n + 1, 3)]


def test_row_rules_worn_short_of_the_longest_still_close_a_table_with_no_side_rules():
    img = synth.page(DPI)
    x0, x1, top, pitch = 200, 1460, 300, 62
    img = _rows(img, x0, x1, top, 5, pitch, ["规章", "行政规范性文件"])
    for k in range(6):  # a fax wore all row rules but one 7 px (0.035 in) short at the right
        if k != 2:
            img[top + k * pitch : top + k * pitch + 3, x1 - 7 : x1] = 255
    img = _columns(img, [x0 + 380, x0 + 700, x0 + 1000], top, top + 5 * pitch)
    grids = [g for g in (build_grid(r, DPI) for r in find_tables(img, DPI)) if g]
    assert [(g.n_rows, g.n_cols) for g in grids] == [(5, 4)]


def test_titles_wrapped_over_two_lines_are_no_one_heading_line():
    """Table 四's head: titles in two lines (结果/维持) with a one-line title (总计) centred beside them
    bridging the gap between the lines. Its ink is one band as tall as two lines: no heading set larger
    than the table's text, which would part the table there."""
    img = np.full((120, 900), 255, np.uint8)
    for k in range(6):
        cx = 60 + 140 * k
        if k == 4:
            img = synth.text(img, (cx, 60), "总计", 34, anchor="mm")
        else:
            img = synth.text(img, (cx, 40), "结果", 34, anchor="mm")
            img = synth.text(img, (cx, 80), "维持", 34, anchor="mm")
    stacked = img < 128
    rows = np.flatnonzero(stacked.any(axis=1))
    assert _stacked_lines(stacked, int(rows[-1] - rows[0] + 1))
    heading = (
        synth.text(np.full((80, 900), 255, np.uint8), (10, 40), "四、政府信息公开行政复议情况", 40, anchor="lm") < 128
    )
    rows = np.flatnonzero(heading.any(axis=1))
    assert not _stacked_lines(heading, int(rows[-1] - rows[0] + 1))
