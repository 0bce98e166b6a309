"""The one reading of a number (report.values): numbers as tables print them, and the look-alike rule."""

import pytest

from report.values import LOOKALIKE_CONFIDENCE, NOT_REPORTED, NUMBER, PERCENT, UNREADABLE, read_value

# text as read -> value, the canonical number, unit, mark
NUMBERS = [
    ("12", 12, "12", None, None),
    ("１２", 12, "12", None, None),
    ("0.50", 0.5, "0.50", None, None),
    ("1,234", 1234, "1234", None, None),
    ("1,234,567.89", 1234567.89, "1234567.89", None, None),
    ("1，234", 1234, "1234", None, None),  # full-width comma
    ("1，234，567", 1234567, "1234567", None, None),
    ("1 234", 1234, "1234", None, None),  # a space between the thousands
    ("1,234.56", 1234.56, "1234.56", None, None),  # amounts keep their decimals
    ("2010301", 2010301, "2010301", None, None),  # a budget code stays one integer
    ("(1,234.56)", -1234.56, "-1234.56", None, None),  # brackets: negative
    ("（123）", -123, "-123", None, None),
    ("-3", -3, "-3", None, None),
    ("−1,234", -1234, "-1234", None, None),  # U+2212 minus
    ("－5", -5, "-5", None, None),  # full-width hyphen-minus
    ("12.5%", 12.5, "12.5", PERCENT, None),
    ("12.5％", 12.5, "12.5", PERCENT, None),
    ("-0.8%", -0.8, "-0.8", PERCENT, None),
    ("123*", 123, "123", None, "*"),
    ("123¹", 123, "123", None, "¹"),
    ("123①", 123, "123", None, "①"),
    ("1,234 a)", 1234, "1234", None, "a)"),
    ("1,234（b）", 1234, "1234", None, "（b）"),
    ("3.0", 3.0, "3.0", None, None),
    ("0", 0, "0", None, None),
    ("12.", 12, "12", None, None),  # a speck after the number
]


@pytest.mark.parametrize("text, value, number, unit, mark", NUMBERS)
def test_numbers_read_as_tables_print_them(text, value, number, unit, mark):
    r = read_value(text)
    assert r.state == NUMBER
    assert r.value == value and type(r.value) is type(value)
    assert (r.number, r.unit, r.mark, r.corrected) == (number, unit, mark, False)
    again = read_value(r.text)  # the normalised text the cell keeps reads back the same
    assert (again.state, again.value, again.number, again.unit, again.mark) == (NUMBER, value, number, unit, mark)


def test_the_normalised_text_keeps_unit_and_mark():
    assert read_value("12.5％").text == "12.5%"
    assert read_value("(1,234.56)").text == "-1234.56"
    assert read_value("123①").text == "123①"
    assert read_value("1,234 a)").text == "1234 a)"


@pytest.mark.parametrize("text", ["", " ", "/", "／", "\\", "—", "——", "–", "-", "－", "--", "一", "不适用", "N/A"])
def test_dashes_and_slashes_mean_not_reported(text):
    r = read_value(text)
    assert r.state == NOT_REPORTED and r.value is None


@pytest.mark.parametrize(
    "text",
    [
        "1,23",  # grouping not by three: not 123
        "12,34,567",
        "1,2345",
        "1.2.3",
        "03",  # a leading zero: a misread, not a count
        ".5",  # a point lost before it, or a speck
        "(-5)",
        "abc",
        "十二",
        "9件x",
        "lS",  # look-alikes without a real digit
        "B",
        "I",
        "*",
        "①②",
    ],
)
def test_unreadable_goes_to_a_person(text):
    assert read_value(text).state == UNREADABLE


# The look-alike rule, agreed once (issue 10): a look-alike is read as its digit, and the reading is marked
# corrected: used, never confident.
LOOKALIKES = [("l2", 12), ("2O", 20), ("1O5", 105), ("O", 0), ("S0", 50), ("1I", 11), ("|7", 17), ("—5", -5)]


@pytest.mark.parametrize("text, value", LOOKALIKES)
def test_lookalikes_are_read_and_marked_corrected(text, value):
    r = read_value(text)
    assert r.state == NUMBER and r.value == value and r.corrected
    assert LOOKALIKE_CONFIDENCE < 0.8  # below the default review threshold


def test_which_cells_get_the_digits_pass():
    from report.values import looks_numeric

    for text in ["12", "l2", "O", "|", "1,234", "(123)", "12.5%", "123*", "1 2 3", "11.211.345.599.37"]:
        assert looks_numeric(text), text
    for text in ["", "S", "B", "予以公开", "abc", "1" * 25]:
        assert not looks_numeric(text), text
