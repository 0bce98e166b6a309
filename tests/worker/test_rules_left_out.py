"""Tables as statistical offices print them in Latin type: bold labels that are no rules, column rules
printed over the head only, a frame round a list with no rule between its entries. Drawn here with
DejaVu faces at 200 dpi and slightly blurred, as a scan would be (no OCR)."""

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from worker.grid import build_grid
from worker.tables import find_tables

DPI = 200
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LABELS = [
    "Carbon dioxide (CO2)",
    "Hydro-fluorocarbons (HFCs)",
    "Methane (CH4)",
    "Nitrous oxide (N2O)",
    "Perfluorocarbons (PFCs)",
    "Sulphur hexafluoride (SF6)",
    "Ammonia (NH3)",
    "Non-methane volatile organic compounds",
]


def _table(
    rows: list[list[str]],
    col_in: list[float],
    row_rules: list[int | tuple[int, int, int]],
    column_rule_rows: list[int] | dict[int, list[int]],
    bold_column: bool = False,
    font_pt: float = 9,
    pad_in: float = 0.06,
    lines_per_row: list[int] | None = None,
    sides: bool = True,
) -> np.ndarray:
    """A gray 200-dpi page with one framed table of `rows` (lists of cell texts; a row's cell may hold
    several lines joined by newlines), slightly blurred and grainy as a scan.

    row_rules: the rows a rule is drawn above (the frame's top and bottom always are), or (row, first
    column, end column) for a rule over some columns; column_rule_rows: the rows the inner column rules
    run down (per inner rule, 1 to columns - 1, when a dict); lines_per_row: text lines per row; pad_in:
    the room above the capitals and below the baseline of a row, together; sides: the frame's sides."""
    page = Image.new("L", (1654, 2339), 255)
    d = ImageDraw.Draw(page)
    px = round(font_pt / 72 * DPI)
    sans, bold = ImageFont.truetype(SANS, px), ImageFont.truetype(BOLD, px)
    cap, line, pad = round(0.73 * px), round(1.3 * px), round(pad_in * DPI)
    x0, y0 = 200, 400
    xs = [x0 + round(sum(col_in[:k]) * DPI) for k in range(len(col_in) + 1)]
    heights = [((lines_per_row[i] if lines_per_row else 1) - 1) * line + cap + pad for i in range(len(rows))]
    ys = [y0 + sum(heights[:k]) for k in range(len(rows) + 1)]
    for i, row in enumerate(rows):
        for j, s in enumerate(row):
            font = bold if bold_column and j == 0 else sans
            for k, part in enumerate(s.split("\n")):
                d.text((xs[j] + 12, ys[i] + pad // 2 + cap + k * line), part, font=font, fill=0, anchor="ls")
    w = 3
    for rule in [0, len(rows)] + row_rules:
        i, a, b = rule if isinstance(rule, tuple) else (rule, 0, len(col_in))
        d.line([(xs[a], ys[i]), (xs[b], ys[i])], fill=0, width=w)
    if sides:
        d.line([(xs[0], ys[0]), (xs[0], ys[-1])], fill=0, width=w)
        d.line([(xs[-1], ys[0]), (xs[-1], ys[-1])], fill=0, width=w)
    for j, x in enumerate(xs[1:-1], 1):
        for i in column_rule_rows.get(j, []) if isinstance(column_rule_rows, dict) else column_rule_rows:
            d.line([(x, ys[i]), (x, ys[i + 1])], fill=0, width=w)
    gray = cv2.GaussianBlur(np.asarray(page), (0, 0), 0.8)
    noise = np.random.default_rng(3).normal(0, 5, gray.shape)
    return np.clip(gray + noise, 0, 255).astype(np.uint8)


def _grids(gray: np.ndarray):
    return [build_grid(r, DPI) for r in find_tables(gray, DPI)]


def test_bold_latin_labels_add_no_rules():
    """Bold type at 200 dpi: its letters bridge into long runs (the middle of a word, stacked capitals
    and brackets), which must not become row or column rules splitting the labels."""
    rows = [["Substance", "to air", "to water", "to land"]] + [[s, "100 000", "-", "10"] for s in LABELS[:7]]
    gray = _table(
        rows, [3.3, 1.3, 1.3, 1.3], list(range(1, 8)), list(range(8)), bold_column=True, font_pt=10, pad_in=0.05
    )
    grids = _grids(gray)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(8, 4)]


def test_column_rules_over_the_head_only_divide_the_body_too():
    """Rows ruled across the whole table, columns ruled in the two-level head only (the rule between N
    and % Pos in its lower row alone): the body's text stands in the same columns, so the head's column
    rules run on down it (as found, not as printed)."""
    head = [["Country", "Sample", "2007", "", "2006", ""], ["", "", "N", "% Pos", "N", "% Pos"]]
    body = [
        ["Austria", "Single", "109", "0.9", "93", "1.1"],
        ["Germany", "Single", "123", "0.8", "290", "0.7"],
        ["Netherlands", "Single", "269", "1.1", "397", "0.3"],
        ["Spain", "Single", "36", "0", "40", "0"],
    ]
    rules = {1: [0, 1], 2: [0, 1], 3: [1], 4: [0, 1], 5: [1]}
    gray = _table(head + body, [1.8, 1.2, 0.9, 0.9, 0.9, 0.9], [(1, 2, 6), 2, 3, 4, 5], rules, pad_in=0.14)
    (grid,) = _grids(gray)
    assert (grid.n_rows, grid.n_cols) == (6, 6)
    body_cells = {(c.row, c.col) for c in grid.cells if c.row >= 2}
    assert body_cells == {(r, k) for r in range(2, 6) for k in range(6)}
    assert len(grid.inferred_xs) == 5  # the body's walls were inferred: its cells are trusted less


def test_a_frame_round_a_list_has_a_row_per_entry():
    """Ruled under the head and over the total only: every entry stands on its own line across the
    columns, so each line is a row."""
    body = [[s, f"{i}.{i}", f"{2 * i}.0", f"{3 * i}.1"] for i, s in enumerate(LABELS[:6], 1)]
    rows = [["Heading", "Fund", "Convergence", "Total"]] + body + [["TOTAL", "21.0", "42.0", "63.1"]]
    # the body is one ruled band: draw its six entries as six lines of one row
    band = ["\n".join(r[k] for r in body) for k in range(4)]
    gray = _table([rows[0], band, rows[-1]], [3.3, 1.2, 1.5, 1.2], [1, 2], [0, 1, 2], lines_per_row=[1, 6, 1])
    (grid,) = _grids(gray)
    assert (grid.n_rows, grid.n_cols) == (8, 4)
    assert len(grid.inferred_ys) == 5


@pytest.mark.parametrize("lines", [2, 3])
def test_a_label_wrapped_beside_one_figure_stays_one_row(lines):
    """A label wrapped over several lines beside a single figure (the figure on its first line): one row."""
    wrapped = "\n".join(["Non-methane volatile", "organic compounds", "(excluding methane)"][:lines])
    rows = [["Substance", "to air", "to water", "to land"], [wrapped, "100", "", ""], ["Methane", "10", "5", "1"]]
    gray = _table(rows, [3.3, 1.3, 1.3, 1.3], [1, 2], [0, 1, 2], lines_per_row=[1, lines, 1])
    assert [(g.n_rows, g.n_cols) for g in _grids(gray)] == [(3, 4)]


def test_titles_wrapped_over_two_and_three_lines_stay_one_head_row():
    """The lower head row of a ruled table: '% of / national / turnover' beside 'no. of / stores'. Its
    lines do not stand in every column, so it is one row, not three."""
    head = [
        ["", "1996", "", "1991", ""],
        ["", "% of\nnational\nturnover", "no. of\nstores", "% of\nnational\nturnover", "no. of\nstores"],
    ]
    body = [
        ["Austria", "17", "568", "14", "530"],
        ["Belgium", "25", "762", "18", "587"],
        ["Denmark", "20", "739", "15", "544"],
    ]
    rules = {1: [0, 1, 2, 3, 4], 2: [1, 2, 3, 4], 3: [0, 1, 2, 3, 4], 4: [1, 2, 3, 4]}
    gray = _table(head + body, [2.2, 1.3, 1.3, 1.3, 1.3], [(1, 1, 5), 2, 3, 4], rules, lines_per_row=[1, 3, 1, 1, 1])
    (grid,) = _grids(gray)
    assert (grid.n_rows, grid.n_cols) == (5, 5)
    assert not grid.inferred_ys


def test_one_cell_that_hides_several_column_rules_is_parted_at_each():
    """A table ruled by rows with one column rule, after the labels: the three columns of figures right of
    it stand apart down every row, so the cell is parted at each of the two gaps."""
    rows = [["answers", "Freq.", "Percent", "Cum."]] + [
        [str(k), f, p, c]
        for k, (f, p, c) in enumerate(
            [("871", "43.3", "43.3"), ("434", "21.6", "64.9"), ("403", "20.0", "84.9"), ("303", "15.1", "100.0")]
        )
    ]
    gray = _table(rows, [2.4, 1.2, 1.2, 1.2], [1, 2, 3, 4], {1: list(range(5))})
    (grid,) = _grids(gray)
    assert (grid.n_rows, grid.n_cols) == (5, 4)
    assert len(grid.inferred_xs) == 2


def test_a_caption_letter_over_a_column_rule_stays_out_of_the_table():
    """The stem of a caption's letter stands just above the end of a column rule and bridges onto it: the
    rule's end is cut off there, and the table starts at its frame."""
    rows = [["Faculty", "Sample", "Population"], ["Sciences", "38", "672"], ["Humanities", "18", "413"]]
    gray = _table(rows, [2.4, 1.4, 1.4], [1, 2], list(range(3)))
    page = Image.fromarray(gray)
    font = ImageFont.truetype(SANS, round(9 / 72 * DPI))
    rule_x, top = 200 + round(2.4 * DPI), 400
    stem = font.getbbox("I")  # a capital I: one upright stroke
    ImageDraw.Draw(page).text((rule_x - (stem[0] + stem[2]) // 2, top - 5), "I", font=font, fill=0, anchor="ls")
    (region,) = find_tables(np.asarray(page), DPI)
    assert region.bbox[1] >= top - 5
    assert (build_grid(region, DPI).n_rows, build_grid(region, DPI).n_cols) == (3, 3)


def test_a_section_title_across_a_table_with_no_sides_leaves_it_one_table():
    """No frame at the sides, and a title row across the whole table with no column rule in it: the rules
    above and below it keep the table's row pitch, so the rows on both sides are one table."""
    rows = [
        ["Section A", "", "", ""],
        ["Content", "Issued", "Repealed", "In force"],
        ["Rules", "0", "0", "19"],
        ["Documents", "2371", "646", "189"],
        ["Section B", "", "", ""],
        ["Content", "Decisions", "", ""],
        ["Permits", "0", "", ""],
        ["Penalties", "2341", "", ""],
    ]
    columns = {1: [1, 2, 3, 5, 6, 7], 2: [1, 2, 3], 3: [1, 2, 3]}
    gray = _table(rows, [2.2, 1.4, 1.4, 1.4], list(range(1, 8)), columns, sides=False)
    (grid,) = _grids(gray)
    assert (grid.n_rows, grid.n_cols) == (8, 4)
    titles = [c for c in grid.cells if c.row in (0, 4)]
    assert [(c.col, c.col_span) for c in titles] == [(0, 4), (0, 4)]
