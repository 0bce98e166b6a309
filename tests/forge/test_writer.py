"""The second renderer: documents laid out by LibreOffice Writer, and the tables found on them."""

import random

import numpy as np
import pytest
from pdf2image import convert_from_path

from tests.forge import PROFILES, Style
from tests.forge.documents import DocSpec, spec_for, visible_shape
from tests.forge.writer import LayoutLost, available, forge_with_writer, pages_of_rows
from worker.config import PipelineConfig
from worker.grid import build_grid
from worker.page import upright
from worker.tables import find_tables

pytestmark = pytest.mark.skipif(not available(), reason="LibreOffice Writer is installed by make test")


def test_rows_are_placed_on_the_page_whose_text_has_them():
    cells = [
        {"row": r, "col": 0, "row_span": 1, "col_span": 1, "text": t, "kind": "label"}
        for r, t in enumerate(["规章", "12", "行政许可", "行政处罚"])
    ]
    texts = ["二、主动公开\n规 章\n12\n行政许可", "行政处罚\n三、收到"]
    assert pages_of_rows(texts, [("two", cells, 0)]) == [[0, 0, 0, 1]]


def test_a_layout_that_lost_rows_is_refused():
    cells = [
        {"row": r, "col": 0, "row_span": 1, "col_span": 1, "text": t, "kind": "label"}
        for r, t in enumerate(["申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织"])
    ]
    with pytest.raises(LayoutLost):  # Writer printed the head and nothing of the rows under it
        pages_of_rows(["三、收到和处理\n申请人情况", "四、行政复议"], [("three", cells, 0)])


@pytest.mark.parametrize(
    "style",
    [
        Style(open_break=True, repeat_header=True, table_font="kai", rule_pt=0.5),
        Style(shade="grey", table_font="hei", rule_pt=1.5, label_align="left"),
    ],
)
def test_a_writer_report_is_found_table_by_table_part_by_part(tmp_path, style):
    spec = DocSpec(name="w", style=style, profile=PROFILES["office"])
    truth = forge_with_writer(tmp_path, spec, random.Random(6))
    parts = [t for p in truth["pages"] for t in p["tables"]]
    assert {t["name"] for t in parts} == {"two", "three", "four"}
    body = {}
    for t in parts:
        body[t["name"]] = body.get(t["name"], 0) + visible_shape(t)[0] - t["header_rows"]
    assert body == {"two": 14, "three": 28, "four": 4}
    dpi = spec.profile.dpi
    for page, image in zip(truth["pages"], convert_from_path(tmp_path / "w.pdf", dpi=dpi, grayscale=True)):
        gray, *_ = upright(np.asarray(image), dpi, PipelineConfig())
        found = []
        for region in find_tables(gray, dpi):
            grid = build_grid(region, dpi)
            found.append((grid.n_rows, grid.n_cols) if grid else None)
        assert found == [visible_shape(t) for t in page["tables"]], page["number"]


def _parts_found(tmp_path, spec, rng) -> list[tuple[int, dict, object]]:
    """Lay spec out with Writer, find its tables page by page: (page number, truth part, grid) per part;
    asserts that each page has as many tables as its truth and that each has a grid."""
    truth = forge_with_writer(tmp_path, spec, rng)
    dpi = spec.profile.dpi
    out = []
    for page, image in zip(truth["pages"], convert_from_path(tmp_path / "w.pdf", dpi=dpi, grayscale=True)):
        gray, *_ = upright(np.asarray(image), dpi, PipelineConfig())
        grids = [build_grid(region, dpi) for region in find_tables(gray, dpi)]
        assert len(grids) == len(page["tables"]), page["number"]
        for t, g in zip(page["tables"], grids):
            assert g is not None, (page["number"], t["name"])
            out.append((page["number"], t, g))
    return out


@pytest.mark.parametrize("ruling,seed", [("three-line", 21), ("rows", 22), ("no-frame", 23)])
def test_a_partly_ruled_table_open_at_a_page_break_is_found(tmp_path, ruling, seed):
    """Writer rules a cell's bottom only on the table's last row: a three-line or rows-ruled table that runs
    onto the next page has no rule at the break, and its continuation no rule at its top."""
    spec = DocSpec(name="w", style=Style(ruling=ruling, rule_pt=0.75), profile=PROFILES["clean"], split=True)
    broken = 0
    for number, t, g in _parts_found(tmp_path, spec, random.Random(seed)):
        if t["first_row"] == 0:  # a continuation's columns come from the part before (stitching)
            assert (g.n_rows, g.n_cols) == visible_shape(t), (number, t["name"])
        else:
            broken += 1
            assert g.n_rows == visible_shape(t)[0], (number, t["name"])
    assert broken >= 1  # the document did run a table over a page break


@pytest.mark.parametrize("seed", [43, 46])
def test_three_line_reports_as_writer_lays_them_out(tmp_path, seed):
    """Three-line reports in the typefaces and sizes the forge varies: every table part is found, the
    heading and paragraph after a closed table are not taken in as its rows, and the first part of each
    table has its drawn shape (a label wrapped over three lines beside one number is one row)."""
    rng = random.Random(seed)
    spec = spec_for("w", "three-line", "clean", rng)
    for number, t, g in _parts_found(tmp_path, spec, rng):
        if t["first_row"] == 0:
            assert (g.n_rows, g.n_cols) == visible_shape(t), (number, t["name"])
