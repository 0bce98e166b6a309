"""Tables ruled only in part, drawn by the forge: three-line tables, rows ruled without column rules
(with or without a frame), no outer frame; and text between two rules that is no table (paragraphs, a
page set in two columns)."""

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.forge import PROFILES, DocSpec, Style
from tests.forge.documents import draw, visible_shape
from tests.forge.layout import font
from tests.forge.scan import degrade
from worker.confidence import TEXT_STRUCTURE, structure_cap
from worker.config import PipelineConfig
from worker.grid import build_grid
from worker.page import upright
from worker.tables import find_tables


def grids_of(image: Image.Image, profile: str, seed: int):
    p = PROFILES[profile]
    img, _ = degrade(image, p, random.Random(seed))
    gray, *_ = upright(np.asarray(img.convert("L")), p.dpi, PipelineConfig())
    return [g for g in (build_grid(r, p.dpi) for r in find_tables(gray, p.dpi)) if g is not None]


@pytest.mark.parametrize("kind", ["budget", "final_account"])
@pytest.mark.parametrize(
    "ruling,profile",
    [
        ("three-line", "clean"),
        ("three-line", "fax"),
        ("rows", "office"),
        ("no-frame", "worn"),
        ("boxed-rows", "office"),
    ],
)
def test_a_table_ruled_in_part_is_found_with_its_grid(kind, ruling, profile):
    lay, _, _ = draw(DocSpec(name="x", kind=kind, style=Style(ruling=ruling)), random.Random(3))
    page = lay.pages[0]
    grids = grids_of(page.image, profile, 1)
    assert [(g.n_rows, g.n_cols) for g in grids] == [visible_shape(t) for t in page.tables]
    if ruling != "no-frame":  # a grid from the text's alignment is a guess: its cells go to review
        assert grids[0].from_text and structure_cap(grids[0].cells[0].bbox, [], [], True) == TEXT_STRUCTURE
        assert TEXT_STRUCTURE < PipelineConfig().review_threshold


def text_between_rules(columns: int) -> Image.Image:
    """An A4 page at 300 dpi: two long rules with paragraphs of running text between, in `columns`."""
    page = Image.new("RGB", (2480, 3508), "white")
    d = ImageDraw.Draw(page)
    fnt = font("song", 44)
    left, right, gutter = 295, 2185, 90
    d.rectangle([left, 600, right, 603], fill="black")
    d.rectangle([left, 2400, right, 2403], fill="black")
    width = (right - left - gutter * (columns - 1)) // columns
    words = "政府信息公开工作坚持以人民为中心，围绕中心工作及时发布权威信息，持续深化政务公开，积极回应社会关切。"
    for c in range(columns):
        x = left + c * (width + gutter)
        line, y = "", 650
        for ch in words * 12:
            if fnt.getlength(line + ch) > width:
                d.text((x, y), line, font=fnt, fill="black")
                line, y = ch, y + 70
                if y > 2330:
                    break
            else:
                line += ch
    return page


@pytest.mark.parametrize("columns", [1, 2])
@pytest.mark.parametrize("profile", ["clean", "office"])
def test_running_text_between_two_rules_is_no_table(columns, profile):
    assert grids_of(text_between_rules(columns), profile, 2) == []


def test_noise_and_pictures_are_no_table():
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 255, (1754, 1240), dtype=np.uint8)).convert("RGB")
    assert grids_of(noise, "clean", 3) == []


@pytest.mark.parametrize("ruling,profile", [("boxed-rows", "office"), ("rows", "clean"), ("three-line", "office")])
def test_report_tables_ruled_in_part_keep_their_columns(ruling, profile):
    """Tables 三 and 四 of an annual report with no column rules: every table is found on its own (a heading
    between two stacked tables parts their rules), the columns of the numbers all come from the text, and
    where row rules start inside the table (under nested labels) their ends give the label columns."""
    lay, _, _ = draw(DocSpec(name="x", style=Style(ruling=ruling), tables=("three", "four")), random.Random(5))
    for page in lay.pages:
        if not page.tables:
            continue
        grids = grids_of(page.image, profile, 2)
        truth = [visible_shape(t) for t in page.tables]
        assert len(grids) == len(truth)
        for g, (_rows, cols), t in zip(grids, truth, page.tables):
            if ruling != "three-line" or t["name"] == "four":  # three-line labels nest with no rule to show it
                assert g.n_cols == cols, t["name"]
            assert g.from_text


@pytest.mark.parametrize(
    "ruling,profile", [("three-line", "clean"), ("three-line", "office"), ("rows", "clean"), ("boxed-rows", "worn")]
)
def test_a_section_with_more_columns_than_the_rest_keeps_them(ruling, profile):
    """Table 二 with no column rules: three numbers under three heads in its first section, then one
    number under all three. The first section's columns hold in its lines only (elsewhere the cells
    span them), and no section heading is cut in two."""
    lay, _, _ = draw(DocSpec(name="x", style=Style(ruling=ruling), tables=("two",)), random.Random(5))
    [page] = [p for p in lay.pages if p.tables]
    [grid] = grids_of(page.image, profile, 2)
    assert (grid.n_rows, grid.n_cols) == visible_shape(page.tables[0])
    spans = sorted({c.col_span for c in grid.cells})
    assert spans[0] == 1 and spans[-1] >= 3
