"""The five real seed reports: their figures as printed, and the defects their own extracted text shows."""

import pytest
from report_builders import T3_KEYS, report_tables, seed_figures, seed_table, seed_text

from report import FAIL, STRUCTURE_ERROR, analyse_report

SEEDS = ["000", "001", "002", "003", "004"]


def parsed(name: str):
    """The seed's own three tables, as its extracted text lays them out, with its body text."""
    return analyse_report([seed_table(name, s) for s in ("two", "three", "four")], seed_text(name), 0.8)


@pytest.mark.parametrize("name", SEEDS)
def test_seed_reports_drawn_to_the_template_are_consistent(name):
    v = seed_figures(name)
    a = analyse_report(report_tables(v), seed_text(name), 0.8)
    assert a.figures == v
    assert a.errors == []
    expected_warnings = {"text.review", "year.opening"} if name == "001" else set()
    assert {w.rule for w in a.warnings} == expected_warnings


def test_seed_001_says_2024_in_its_2025_report():
    a = parsed("001")
    assert a.year == 2025 and a.issuing_body == "东风区人民政府办公室"
    w = next(w for w in a.warnings if w.rule == "year.opening")
    assert w.status == FAIL and w.expected == "2025" and w.found.startswith("2024年")


def test_seed_001_narrative_says_no_review_while_its_table_says_3():
    a = parsed("001")
    assert a.figures["review.total"] == 3
    w = next(w for w in a.warnings if w.rule == "text.review")
    assert w.status == FAIL and w.expected == "3" and "行政复议0件" in w.found
    assert "行政复议" in w.message_zh and w.cells[0].text == "3"
    ok = {c.rule: c.status for c in a.checks if c.rule.startswith("text.")}
    assert ok["text.received"] == ok["text.completed"] == ok["text.litigation"] == "PASS"  # 9, 9 and 1 agree


@pytest.mark.parametrize("name", ["001", "002"])
def test_seed_tables_with_shifted_rows_still_read_exactly(name):
    """001's docx layout and 002's misplaced labels shift each row's values by a column or two: each row
    still has its seven values, so every figure is read."""
    a = parsed(name)
    assert a.figures == seed_figures(name)
    assert a.errors == []


@pytest.mark.parametrize("name", ["000", "003"])
def test_seed_tables_missing_the_total_column_are_structure_errors(name):
    a = parsed(name)
    err = next(e for e in a.errors if e.rule == "structure.three")
    assert err.status == STRUCTURE_ERROR
    assert "6 value cells where 7 are expected" in err.message_en
    assert all(a.figures[f"requests.{k}.total"] is None for k in T3_KEYS)


def test_seed_003_shifted_values_break_the_column_sums():
    """003's item rows carry five values for six columns: the 1 of （四）1 lands under 商业企业 and the
    grand total under 其他, so the columns no longer add up."""
    a = parsed("003")
    failed = {e.rule for e in a.errors if e.status == FAIL}
    assert {"results_total.business", "balance.other"} <= failed
