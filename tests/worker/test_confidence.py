from dataclasses import replace

import pytest

from worker.confidence import read_number, read_text, table_kinds
from worker.ocr import CellText


def test_passes_that_agree_are_trusted():
    r = read_number(CellText(text="12", conf=96, min_conf=95, empty=False, digits="12", digits_conf=97))
    assert r.text == "12" and r.confidence > 0.9


def test_passes_that_disagree_go_to_review():
    r = read_number(CellText(text="18", conf=96, min_conf=95, empty=False, digits="13", digits_conf=97))
    assert r.confidence < 0.8
    r = read_number(CellText(text="了", conf=90, min_conf=90, empty=False, digits="7", digits_conf=90))
    assert r.text == "7" and r.confidence < 0.8
    r = read_number(CellText(text="abc", conf=90, min_conf=90, empty=False, digits="", digits_conf=0))
    assert r.number is None and r.confidence < 0.5


def test_commas_read_as_points_by_one_pass_agree_where_the_other_reads_a_number():
    def read(first, digits):
        return read_number(CellText(text=first, conf=96, min_conf=95, empty=False, digits=digits, digits_conf=97))

    for first, digits in [("2.629.981.089.49", "2,629,981,089.49"), ("364,426,205.02", "364,426,205,02")]:
        r = read(first, digits)
        assert r.number in ("2629981089.49", "364426205.02") and r.confidence > 0.9, (first, r)
    # a separator in another place, or neither pass a number: no agreement
    assert read("2.629.981.08.949", "2,629,981,089.49").confidence < 0.8
    assert read("69.558.687.59", "69,558.687,59").confidence < 0.8


def test_passes_that_agree_on_fewer_digits_than_the_ink_has_go_to_review():
    both_dropped_a_one = CellText(text="1", conf=97, min_conf=96, empty=False, digits="1", digits_conf=97, glyphs=2)
    assert read_number(both_dropped_a_one).confidence < 0.8
    right = CellText(text="11", conf=97, min_conf=96, empty=False, digits="11", digits_conf=97, glyphs=2)
    assert read_number(right).confidence > 0.9


def test_text_cells():
    assert read_text(CellText(empty=True)).text == ""
    good = read_text(CellText(text="予以 公开", conf=97, min_conf=95, empty=False))
    bad = read_text(CellText(text="予以 FAA", conf=97, min_conf=95, empty=False))
    assert good.text == "予以公开" and good.confidence > 0.8
    assert bad.confidence < good.confidence
    assert read_text(CellText(text="", conf=0, empty=False)).confidence < 0.5


def test_text_two_models_read_differently_goes_to_review():
    agreed = CellText(text="E-mail", conf=97, min_conf=95, empty=False)
    assert read_text(agreed).confidence > 0.9
    assert read_text(replace(agreed, text="E-maa", disputed=True)).confidence < 0.8


def test_kinds_header_rows_label_column_value_block():
    # 2 header rows (one spanning), label column, 2x2 numbers, one empty value cell
    cells = [
        (0, 0, 2, 1),
        (0, 1, 1, 2),
        (1, 1, 1, 1),
        (1, 2, 1, 1),
        (2, 0, 1, 1),
        (2, 1, 1, 1),
        (2, 2, 1, 1),
        (3, 0, 1, 1),
        (3, 1, 1, 1),
        (3, 2, 1, 1),
    ]
    is_num = [False, False, False, False, False, True, True, False, True, False]
    empty = [False, False, False, False, False, False, False, False, False, True]
    assert table_kinds(cells, is_num, empty) == [
        "header",
        "header",
        "header",
        "header",
        "label",
        "value",
        "value",
        "label",
        "value",
        "value",
    ]


def test_kinds_section_title_rows_inside_table():
    # table 二 style: title row spanning all, column heads, data, then another title + heads + data
    cells = [
        (0, 0, 1, 2),
        (1, 0, 1, 1),
        (1, 1, 1, 1),
        (2, 0, 1, 1),
        (2, 1, 1, 1),
        (3, 0, 1, 2),
        (4, 0, 1, 1),
        (4, 1, 1, 1),
        (5, 0, 1, 1),
        (5, 1, 1, 1),
    ]
    is_num = [False, False, False, False, True, False, False, False, False, True]
    empty = [False] * 10
    kinds = table_kinds(cells, is_num, empty)
    assert kinds == ["header", "header", "header", "label", "value", "header", "header", "header", "label", "value"]


def test_an_amount_that_lost_its_decimal_point_is_doubted():
    from worker.confidence import odd_decimals

    cols = [2, 2, 2, 2, 2, 3, 3, 3, 3, 3]
    nums = [
        "1262.72",
        "1359.40",
        "67313",
        "742.53",
        "0.00",  # amounts to the cent, one read without its point
        "12",
        "7",
        "0",
        "31",
        "5",
    ]  # counts
    assert odd_decimals(cols, nums) == {2}
    assert odd_decimals(cols[:3], nums[:3]) == set()  # too few to know the column's format
    mixed = ["12.5", "3", "4", "0.25", "7"]  # no format most of the column keeps
    assert odd_decimals([1] * 5, mixed) == set()
    assert odd_decimals([1] * 5, [None, "1.50", "2.25", "3.75", "4.00"]) == set()


# The look-alike rule, pinned across every reader of numbers (report.values decides, issue 10): "l2" is 12
# to the report, to the OCR's choice of cells for the digits pass and to the cell confidence, and it is
# never confident, even when the digits pass agrees.
@pytest.mark.parametrize("text, digits, number", [("l2", "12", "12"), ("2O", "20", "20"), ("S0", "50", "50")])
def test_a_lookalike_reading_is_used_and_never_confident_by_any_reader(text, digits, number):
    from report.values import LOOKALIKE_CONFIDENCE, NUMBER, looks_numeric, read_value

    assert read_value(text).state == NUMBER and read_value(text).number == number and read_value(text).corrected
    assert looks_numeric(text)
    both = read_number(CellText(text=text, conf=97, min_conf=96, empty=False, digits=digits, digits_conf=97))
    assert both.number == number and both.confidence <= LOOKALIKE_CONFIDENCE
    one = read_number(CellText(text=text, conf=97, min_conf=96, empty=False, digits="", digits_conf=0))
    assert one.number == number and one.confidence <= LOOKALIKE_CONFIDENCE
    plain = read_text(CellText(text=text, conf=97, min_conf=96, empty=False))
    assert plain.number == number and plain.confidence <= LOOKALIKE_CONFIDENCE
    # and the report's figure confidence: tests/report/test_figures.py, a figure read through lookalikes


def test_numbers_as_tables_print_them_are_confident_when_both_passes_agree():
    for text, digits, shown, number in [
        ("1,234.56", "1,234.56", "1234.56", "1234.56"),
        ("1 234", "1234", "1234", "1234"),
        ("-3", "-3", "-3", "-3"),
    ]:
        r = read_number(CellText(text=text, conf=97, min_conf=96, empty=False, digits=digits, digits_conf=97))
        assert (r.text, r.number) == (shown, number) and r.confidence > 0.9, text
    pct = read_number(CellText(text="12.5%", conf=97, min_conf=96, empty=False, digits="12.5", digits_conf=97))
    assert (pct.text, pct.number) == ("12.5%", "12.5") and pct.confidence > 0.9
    neg = read_number(CellText(text="(123)", conf=97, min_conf=96, empty=False, digits="123", digits_conf=97))
    assert (neg.text, neg.number) == ("-123", "-123") and neg.confidence > 0.9
