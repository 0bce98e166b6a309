"""The page's own scale: an image saved at a screen's resolution with no DPI in the file, or a wrong one,
is read at the resolution its ink shows; a file whose DPI the ink bears out keeps it."""

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.forge import PROFILES, DocSpec
from tests.forge.documents import draw, visible_shape
from tests.forge.scan import degrade
from worker.config import PipelineConfig
from worker.page import process_page
from worker.rasterise import load_page
from worker.scale import page_dpi


def budget_page(dpi: int) -> tuple[Image.Image, dict]:
    """The first page of a forged budget (drawn at 300 dpi), scanned at `dpi`, and its table's truth."""
    lay, _, _ = draw(DocSpec(name="x", kind="budget"), random.Random(8))
    page = lay.pages[0]
    img, _ = degrade(page.image, PROFILES["clean"], random.Random(1))
    if dpi != 300:
        img = img.resize((round(img.width * dpi / 300), round(img.height * dpi / 300)), Image.LANCZOS)
    return img, page.tables[0]


def test_a_screen_image_without_dpi_is_read_at_the_scale_of_its_ink(tmp_path):
    img, truth = budget_page(96)
    path = tmp_path / "page.png"
    img.save(path)  # no DPI in the file
    image, stated = load_page(path, 1, 300)
    assert stated == 300  # what the file leaves us to assume
    gray = np.asarray(Image.fromarray(image).convert("L"))
    assert 96 * 0.8 <= page_dpi(gray, stated) <= 96 * 1.25

    page, _ = process_page(image, 1, stated, PipelineConfig(tables_only=True))
    assert page.rotation == 0 and 96 * 0.8 <= page.dpi <= 96 * 1.25
    assert [(t.n_rows, t.n_cols) for t in page.tables] == [visible_shape(truth)]
    printed = {(c["row"], c["col"]): c["text"].replace(",", "") for c in truth["cells"] if c["kind"] == "value"}
    read = {(c.row, c.col): c for c in page.tables[0].cells}
    wrong = [k for k, v in printed.items() if read[k].text.replace(",", "") != v]
    assert len(wrong) <= 0.1 * len(printed)
    assert all(read[k].needs_review for k in wrong)  # a number misread at that scale goes to a person


def test_a_wrong_dpi_gives_way_to_the_ink_and_a_right_one_stands():
    img, _ = budget_page(150)
    gray = np.asarray(img.convert("L"))
    assert 150 * 0.8 <= page_dpi(gray, 300) <= 150 * 1.25  # a 150-dpi scan whose file says 300
    assert page_dpi(gray, 150) == 150
    full, _ = budget_page(300)
    assert page_dpi(np.asarray(full.convert("L")), 300) == 300


def test_latin_text_at_its_stated_dpi_keeps_it():
    """Latin glyphs stand lower than Chinese ones: 10 pt English at 200 dpi is still read as 200 dpi."""
    page = Image.new("L", (1654, 2339), 255)
    d = ImageDraw.Draw(page)
    fnt = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", round(10 / 72 * 200))
    words = "Total expenditure by function and economic category in thousands of euro".split()
    rng = random.Random(2)
    for y in range(200, 2100, 45):
        d.text((150, y), " ".join(rng.choice(words) for _ in range(9)), font=fnt, fill=0)
    assert page_dpi(np.asarray(page), 200) == 200


def test_worn_pages_in_uneven_light_keep_their_stated_dpi():
    """A worn 200-dpi copy whose light falls off across the page: one threshold over the whole page split
    the paper in two and measured specks, not glyphs (a table page read as 78 dpi). Every table page of
    three forged reports keeps its 200 dpi."""
    found = []
    for seed in range(3):
        lay, _, _ = draw(DocSpec(name="x"), random.Random(seed))
        for page in lay.pages[1:]:
            img, _ = degrade(page.image, PROFILES["worn"], random.Random(seed))
            found.append(page_dpi(np.asarray(img.convert("L")), 200))
    assert found == [200] * len(found)


def test_small_latin_type_on_a_whole_sheet_keeps_the_stated_dpi():
    """8-pt English on an A5 page scanned at 300 dpi: its glyphs alone would say about 150 dpi, but the
    page measures A5 at the stated resolution, so that stands. A crop of it, the size of no paper, is
    left to its ink."""
    dpi = 300
    page = Image.new("L", (1750, 2480), 255)  # A5 at 300 dpi
    d = ImageDraw.Draw(page)
    fnt = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", round(8 / 72 * dpi))
    words = "Sciences Humanities sample population students faculty cluster total".split()
    rng = random.Random(3)
    for y in range(250, 2200, 50):
        d.text((150, y), " ".join(rng.choice(words) for _ in range(6)), font=fnt, fill=0)
    gray = np.asarray(page)
    from worker.scale import ink_dpi

    assert ink_dpi(gray) < 0.55 * dpi  # the glyphs alone would overrule it
    assert page_dpi(gray, dpi) == dpi
    assert page_dpi(gray[200:1800, 100:1600], dpi) != dpi
