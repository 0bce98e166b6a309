"""OCR: batched cell reading, numbers, normalisation, timeouts, page text (runs Tesseract)."""

import shutil

import numpy as np
import pytest

from worker import ocr
from worker.config import PipelineConfig
from worker.ocr import OcrHints, OcrTimeout, read_cells
from worker.orient import turn
from worker.page import process_page

from . import synth

pytestmark = pytest.mark.skipif(
    not (shutil.which("tesseract") and synth.have_font()), reason="needs tesseract and Noto CJK"
)

DPI = 200


@pytest.fixture(scope="module")
def table_page():
    img = synth.page(DPI)
    col_w = [int(DPI * w) for w in (0.9, 1.4, 0.8, 0.8, 0.8, 0.8)]
    row_h = [int(DPI * h) for h in (0.35, 0.35, 0.35, 0.4, 0.35, 0.35)]
    img, boxes = synth.draw_table(img, (DPI, 2 * DPI), col_w, row_h, synth.HEAD3, line_px=2, text_px=int(DPI * 0.14))
    img = synth.text(img, (DPI, int(1.4 * DPI)), "三、收到和处理政府信息公开申请情况", int(DPI * 0.16))
    return img, boxes


@pytest.fixture
def count_calls(monkeypatch):
    calls = []
    real = ocr.tesseract.run_tesseract

    def counting(*a, **k):
        calls.append(a[1])
        return real(*a, **k)

    monkeypatch.setattr(ocr.tesseract, "run_tesseract", counting)
    return calls


def test_cells_are_read_in_two_processes(table_page, count_calls):
    img, boxes = table_page
    res = read_cells(img, boxes, OcrHints(dpi=DPI, lang="chi_sim"))
    assert len(count_calls) == 2  # one text pass, one digits pass
    by_text = {s: r for (_, _, _, _, s), r in zip(synth.HEAD3, res)}
    assert by_text["12"].digits == "12"
    assert by_text[""].empty
    assert "自" in by_text["自然人"].text


def test_page_end_to_end(table_page, count_calls):
    img, _ = table_page
    page, upright = process_page(img, 3, DPI, PipelineConfig(tables_only=True))
    assert upright.shape == img.shape and page.rotation == 0 and abs(page.skew_degrees) < 0.1
    assert len(page.tables) == 1 and len(count_calls) == 2
    t = page.tables[0]
    assert (t.n_rows, t.n_cols) == (6, 6)
    got = {(c.row, c.col): c for c in t.cells}
    for r, c, rs, cs, s in synth.HEAD3:
        cell = got[(r, c)]
        assert (cell.row_span, cell.col_span) == (rs, cs)
        assert cell.text == s, (r, c, cell.raw_text)
    assert got[(0, 2)].kind == "header" and got[(3, 0)].kind == "label" and got[(3, 2)].kind == "value"
    assert got[(4, 3)].kind == "value" and got[(4, 3)].text == ""  # empty cell in the number block
    assert got[(3, 2)].confidence > 0.9 and not got[(3, 2)].needs_review
    assert set(page.timings) >= {"orient", "deskew", "find_tables", "grid", "ocr_cells"}
    assert page.text == ""


def test_upside_down_table_page_is_turned(table_page):
    img, _ = table_page
    page, _ = process_page(turn(img, 180), 1, DPI, PipelineConfig(tables_only=True))
    assert page.rotation == 180
    got = {(c.row, c.col): c.text for c in page.tables[0].cells}
    assert got[(3, 2)] == "12" and got[(0, 2)] == "申请人情况"


def test_page_text_outside_tables(table_page):
    img, _ = table_page
    page, _ = process_page(img, 1, DPI, PipelineConfig(tables_only=False))
    assert "收到和处理" in page.text
    assert "申请人情况" not in page.text  # table text is not page text


def test_page_text_is_read_in_one_batch_with_word_boxes(table_page, count_calls):
    img, _ = table_page
    px = int(DPI * 0.12)
    lines = [
        ((DPI, int(0.6 * DPI)), "本年度政府信息公开工作取得新成效。"),
        ((DPI, int(0.9 * DPI)), "全年共受理申请26件，办结28件。"),
    ]
    for xy, s in lines:
        img = synth.text(img, xy, s, px)
    page, _ = process_page(img, 1, DPI, PipelineConfig())
    assert len(count_calls) == 3  # the cells' two passes, then all the page's text lines at once
    assert [ln.text.replace(" ", "") for ln in page.lines] == [s for _, s in lines] + [
        "三、收到和处理政府信息公开申请情况"
    ]
    for ln, ((x, y), s) in zip(page.lines, lines):
        drawn = (x, y - px // 2, x + len(s) * px, y + 2 * px)  # the line's band: punctuation boxes are tall
        for w in ln.words:  # every word's box lies on the line where it was printed
            assert drawn[0] - 4 <= w.bbox[0] < w.bbox[2] <= drawn[2] + 4, (w, drawn)
            assert drawn[1] - 4 <= w.bbox[1] < w.bbox[3] <= drawn[3] + 4, (w, drawn)
        assert [w.bbox[0] for w in ln.words] == sorted(w.bbox[0] for w in ln.words)


def test_a_page_without_text_outside_its_tables_reads_none(count_calls):
    page, _ = process_page(synth.page(DPI), 1, DPI, PipelineConfig())
    assert page.text == "" and page.lines == [] and count_calls == []


def test_timeout_raises(table_page):
    img, _ = table_page
    with pytest.raises(OcrTimeout):
        process_page(img, 1, DPI, PipelineConfig(tables_only=True, page_timeout_seconds=0.05))


def test_blank_and_rgb_pages_do_not_crash():
    blank = synth.page(DPI)
    page, _ = process_page(blank, 1, DPI, PipelineConfig())
    assert page.tables == [] and page.text == ""
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 255, blank.shape + (3,)).astype(np.uint8)
    page, _ = process_page(photo, 2, DPI, PipelineConfig(tables_only=True))
    assert page.tables == []


def test_close_digits_are_spaced_apart_and_a_broken_zero_is_not():
    ones = np.full((30, 40), 255, np.uint8)
    ones[3:27, 8:16] = 0
    ones[3:27, 18:26] = 0  # "11" with a 2 px gap
    spread = ocr.spread_glyphs(ones, glyph_px=24)
    runs = np.flatnonzero(np.diff((spread < 128).any(axis=0).astype(int)))
    assert spread.shape[1] > ones.shape[1] and runs[2] - runs[1] >= 7
    zero = np.full((30, 30), 255, np.uint8)
    zero[3:27, 8:11] = 0
    zero[3:27, 16:19] = 0  # the two sides of a "0" worn at top and bottom
    assert ocr.spread_glyphs(zero, glyph_px=24) is zero
    assert ocr.glyph_count(spread, 24) == 2 and ocr.glyph_count(zero, 24) == 1
    decimal = np.full((30, 40), 255, np.uint8)
    decimal[3:27, 4:16] = 0
    decimal[23:27, 18:21] = 0  # "0." : a point sits low and counts as a glyph of its own
    decimal[3:27, 24:36] = 0
    assert ocr.glyph_count(decimal, 24) == 3
    worn = zero.copy()
    worn[3:6, 13:14] = 0  # what is left of the top of that "0"
    assert ocr.spread_glyphs(worn, glyph_px=24) is worn and ocr.glyph_count(worn, 24) == 1


def _read_latin_table(rows, dpi, font_file, pt, col_px, row_px, head_fill=None):
    """A page with one ruled table of `rows`, Latin text centred in its cells (the head row white on a
    fill of gray level head_fill when given), read by process_page -> the table's cells."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)
    d = ImageDraw.Draw(page)
    font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{font_file}", round(pt / 72 * dpi))
    x0, y0, n = round(1.5 * dpi), round(2.5 * dpi), len(rows[0])
    if head_fill is not None:
        d.rectangle([x0, y0, x0 + n * col_px, y0 + row_px], fill=head_fill)
    for r, row in enumerate(rows):
        for c, s in enumerate(row):
            fill = 255 if head_fill is not None and r == 0 else 0
            d.text((x0 + c * col_px + col_px // 2, y0 + r * row_px + row_px // 2), s, font=font, fill=fill, anchor="mm")
    width = max(3, round(dpi / 75))
    for r in range(len(rows) + 1):
        d.line([(x0, y0 + r * row_px), (x0 + n * col_px, y0 + r * row_px)], fill=0, width=width)
    for c in range(n + 1):
        d.line([(x0 + c * col_px, y0), (x0 + c * col_px, y0 + len(rows) * row_px)], fill=0, width=width)
    page_result, _ = process_page(np.asarray(page), 1, dpi, PipelineConfig(tables_only=True))
    (table,) = page_result.tables
    return table.cells


def test_decimal_points_in_small_latin_type_are_read():
    """8-pt figures with decimals at 300 dpi: the point is a 4x5-px dot, under the speck size, but it
    stands on the baseline between two digits, so it is kept and the figures are read whole."""
    figures = [["2.3", "3.2", "5.5"], ["0.21", "0", "0.21"], ["8.8", "13.4", "22.2"], ["1.1", "1.9", "3.0"]]
    cells = _read_latin_table(figures, 300, "DejaVuSans.ttf", 8, col_px=360, row_px=90)
    assert {(c.row, c.col): c.text for c in cells} == {
        (r, c): s for r, row in enumerate(figures) for c, s in enumerate(row)
    }


def test_a_dash_for_nil_is_read_and_an_empty_cell_stays_empty():
    """'-' in a column of figures means nil: it is read from its shape (a lone level bar, too thin to pass
    for a line of text), as sure as its neighbours, while a blank cell stays blank."""
    figures = [["100", "-", "10"], ["-", "", "5"], ["50", "-", "-"]]
    cells = _read_latin_table(figures, 200, "DejaVuSans-Bold.ttf", 9, col_px=240, row_px=60)
    assert {(c.row, c.col): c.text for c in cells} == {
        (r, c): s for r, row in enumerate(figures) for c, s in enumerate(row)
    }
    assert not any(c.needs_review for c in cells if c.text == "-")


def test_glyphs_keep_tesseracts_reading_order_when_their_boxes_overlap():
    """LSTM glyph boxes are rough: the box of the 'r' in 'Country' may start left of the 't'. The reading
    order Tesseract gives is kept; sorting by box swapped letters ('Counrty')."""
    from worker.ocr.cells import _join
    from worker.ocr.tesseract import Glyph

    xs = [0, 10, 20, 30, 42, 38, 50]  # 't' at 42, 'r' at 38
    glyphs = [Glyph(ch, (x, 0, x + 10, 20), 90.0, 1, 1) for ch, x in zip("Country", xs)]
    assert _join(glyphs) == "Country"


def test_white_type_on_a_dark_band_is_read():
    """A head row printed white on a dark grey band, as statistical tables do: each cell is turned
    negative before it is read."""
    rows = [["Country", "Domestic", "Total"], ["Austria", "10", "12"], ["Belgium", "0", "3"]]
    cells = _read_latin_table(rows, 200, "DejaVuSans-Bold.ttf", 10, col_px=300, row_px=70, head_fill=110)
    assert [c.text for c in cells if c.row == 0] == rows[0]


def test_two_entries_in_one_number_cell_go_to_review():
    """A missing column rule leaves '25' and '109' in one cell; read as one number, '25109' or the like,
    it would be wrong and sure. Ink in runs wider apart than a glyph is tall is doubted."""
    rows = [["12", "3"], ["25      109", "7"], ["40", "8"]]
    cells = _read_latin_table(rows, 200, "DejaVuSans.ttf", 10, col_px=400, row_px=60)
    merged = next(c for c in cells if (c.row, c.col) == (1, 0))
    assert merged.needs_review
    assert not any(c.needs_review for c in cells if (c.row, c.col) != (1, 0))
