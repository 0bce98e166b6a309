"""Reading numbers out of OCR'd cells, and matching OCR'd labels."""

import pytest

from report.labels import align, fill_by_position, place_rows, similarity
from report.values import NOT_REPORTED, NUMBER, UNREADABLE, read_value


@pytest.mark.parametrize(
    "text, value",
    [
        ("12", 12),
        ("１２", 12),
        (" 1 2 ", 12),
        ("2O", 20),
        ("O", 0),
        ("1O5", 105),
        ("1,234", 1234),
        ("1，234", 1234),
        ("12,345.6", 12345.6),
        ("0.50", 0.5),
        ("０．５", 0.5),
        ("-3", -3),
        ("3.0", 3.0),
    ],
)
def test_numbers_read_as_a_person_would(text, value):
    r = read_value(text)
    assert r.state == NUMBER and r.value == value and type(r.value) is type(value)


@pytest.mark.parametrize("text", ["", "  ", "/", "／", "—", "——", "-", "不适用"])
def test_not_reported_marks_are_not_zero(text):
    assert read_value(text).state == NOT_REPORTED
    assert read_value(text).value is None


@pytest.mark.parametrize("text", ["abc", "1,23", "1.2.3", "十二", "9件x"])
def test_unreadable_text_is_not_a_number(text):
    assert read_value(text).state == UNREADABLE


def test_label_similarity_ignores_width_spaces_and_punctuation():
    assert similarity("（一） 予以公开", "(一)予以公开") == 100
    assert similarity("1. 属于国家秘密", "1.属于国家秘密") == 100
    assert similarity("结果\n维持", "结果维持") == 100
    assert similarity("予以公卄", "予以公开") >= 70  # one character misread
    assert similarity("（一）予以公开", "（三）不予公开") < similarity("（一）予以公开", "（一）予以公卄")


def test_align_keeps_order_and_skips_extra_and_missing_rows():
    expected = [["一、本年新收"], ["二、上年结转"], ["（一）予以公开"], ["（七）总计"]]
    found = [["申请人情况"], ["一、本年新牧"], ["（一）予以公开"], ["申请人情况"], ["（七）总汁"]]
    m = align(found, expected, 55)
    assert {j: i for j, (i, _) in m.items()} == {0: 1, 2: 2, 3: 4}  # 二 missing, headers skipped


def test_fill_by_position_places_unreadable_rows_between_recognised_ones():
    matches = {0: (3, 100.0), 3: (6, 100.0)}
    out = fill_by_position(matches, 5, candidates=[3, 4, 5, 6, 7])
    assert {j: i for j, (i, _) in out.items()} == {0: 3, 1: 4, 2: 5, 3: 6, 4: 7}
    # two unreadable rows but only one row left to put them in: nothing is guessed
    out = fill_by_position({0: (3, 100.0), 3: (5, 100.0)}, 4, candidates=[3, 4, 5])
    assert set(out) == {0, 3}


def test_rows_holding_values_are_placed_in_order_when_labels_are_ambiguous():
    """'行政丶丿' is as like 行政许可 as 行政处罚; with three value rows for three expected rows, order decides."""
    expected = [["行政许可"], ["行政处罚"], ["行政强制"]]
    found = [["行政丶丿"], ["土二丶罚"], ["行日强制"]]
    placed = place_rows(found, expected, candidates=[0, 1, 2], min_score=50)
    assert {j: i for j, (i, _) in placed.items()} == {0: 0, 1: 1, 2: 2}
    # with a value row too many, labels decide and the unreadable row is left out
    placed = place_rows([["行政许可"], ["备注"], ["行政处罚"], ["行政强制"]], expected, [0, 1, 2, 3], 50)
    assert {j: i for j, (i, _) in placed.items()} == {0: 0, 1: 2, 2: 3}
