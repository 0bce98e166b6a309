"""2021 or 2019 format: every piece of evidence counts, and one missing piece does not flip it."""

import random

from report_builders import cells

from report import analyse_report
from tests.forge import content as C


def tables(fmt: str, seed: int = 4) -> tuple[list, list, list]:
    v = C.random_figures(random.Random(seed), fmt, "district")
    return cells(C.table_two(v, fmt)), cells(C.table_three(v, fmt)), cells(C.table_four(v))


def first_part(three: list) -> list:
    """Table 三 as its first page shows it when the continuation was not stitched: up to （五）."""
    last = max(c.row for c in three if c.text.startswith("5.要求行政机关确认"))
    return [c for c in three if c.row <= last]


def test_a_2021_report_whose_table_three_lost_its_last_rows_stays_2021():
    two, three, four = tables("2021")
    assert analyse_report([two, first_part(three), four], "", 0.8).format == "2021"
    assert analyse_report([first_part(three), four], "", 0.8).format == "2021"  # nothing says 2019


def test_the_title_year_decides_when_the_tables_do_not():
    _, three, four = tables("2019")
    text = "东风区人民政府办公室2020年政府信息公开工作年度报告\n一、总体情况\n2020年，"
    assert analyse_report([first_part(three), four], text, 0.8).format == "2019"


def test_the_tables_outweigh_the_year():
    two, three, four = tables("2019")
    text = "东风区人民政府办公室2024年政府信息公开工作年度报告"
    a = analyse_report([two, three, four], text, 0.8)
    assert a.format == "2019" and a.figures["requests.other.total"] is not None


def test_a_2019_table_three_alone_is_2019():
    _, three, four = tables("2019")
    assert analyse_report([three, four], "", 0.8).format == "2019"
