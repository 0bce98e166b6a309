"""Every rule, on hand-built grids: consistent reports pass, each broken sum is named, doubt is UNCERTAIN."""

import copy
import random

import pytest
from report_builders import T3_KEYS, drop_column, report_tables, t3_col, t3_row, value_cell

from report import (
    ERROR,
    FAIL,
    PASS,
    STRUCTURE_ERROR,
    UNCERTAIN,
    WARNING,
    analyse_report,
    cross_report_checks,
    evaluate_rules,
    figure_keys,
    table_rules,
)
from tests.forge import content as C


def consistent(seed: int = 1) -> dict:
    return C.random_figures(random.Random(seed), "2021", "city")


def check(analysis, rule_id):
    return next(c for c in analysis.checks if c.rule == rule_id)


def broken_reports() -> dict[str, tuple[dict, dict]]:
    """One report for each kind of mistake the forge makes (content.break_a_sum)."""
    out = {}
    for seed in range(500):
        v = consistent(seed)
        broken = C.break_a_sum(v, "2021", random.Random(seed))
        out.setdefault(broken["rule"], (v, broken))
        if len(out) == 4:
            return out
    raise AssertionError("the forge did not break every kind of sum")


def test_rules_are_data_with_unique_ids_and_both_languages():
    for fmt in ("2021", "2019"):
        rules = table_rules(fmt)
        assert len({r.id for r in rules}) == len(rules)
        keys = set(figure_keys(fmt))
        for r in rules:
            assert r.severity in (ERROR, WARNING) and r.description_zh and r.description_en
            assert set(r.figures) <= keys, r.id
    ids = {r.id for r in table_rules("2021")}
    assert {f"balance.{c}" for c in C.COLS} <= ids
    assert {f"results_total.{c}" for c in C.COLS} <= ids
    assert {f"applicant_total.{k}" for k in T3_KEYS} <= ids
    assert {f"review_litigation_total.{g}" for g in C.T4_GROUPS} <= ids


def test_a_consistent_well_read_report_passes_every_check():
    a = analyse_report(report_tables(consistent()), "", 0.8)
    assert len(a.checks) == 3 + 3 + 7 + 7 + 25 + 3
    assert all(c.status == PASS for c in a.checks)
    assert a.errors == [] and a.warnings == [] and a.review_cells == []


@pytest.mark.parametrize("kind", ["applicant_total", "results_total", "balance", "review_litigation_total"])
def test_each_injected_error_is_flagged_under_its_rule(kind):
    v, broken = broken_reports()[kind]
    a = analyse_report(report_tables(v), "", 0.8)
    if kind == "applicant_total":
        rule = f"applicant_total.{broken['row']}"
    elif kind == "review_litigation_total":
        rule = f"review_litigation_total.{broken['group']}"
    else:
        rule = f"{kind}.{broken['col']}"
    err = next(e for e in a.errors if e.rule == rule)
    assert err.status == FAIL and err.severity == ERROR
    assert err.expected != err.found and err.found in err.message_zh and err.expected in err.message_en
    assert err.cells and all(c.table in (1, 2) for c in err.cells)
    # the person is sent to the cells of the broken sum
    flagged = {(r.table, r.row, r.col) for r in a.review_cells}
    assert {(c.table, c.row, c.col) for c in err.cells} <= flagged


def test_balance_rule_reports_the_numbers():
    v = consistent(2)
    v["requests.new.natural"] += 3
    a = analyse_report(report_tables(v), "", 0.8)
    c = check(a, "balance.natural")
    left = v["requests.new.natural"] + v["requests.carried_in.natural"]
    assert c.status == FAIL and c.found == str(left) and c.expected == str(left - 3)


def test_review_total_rule_covers_all_three_groups():
    v = consistent(3)
    v["litigation_direct.total"] += 2  # 未经复议直接起诉 总计
    v["litigation_after_review.total"] += 1  # 复议后起诉 总计
    a = analyse_report(report_tables(v), "", 0.8)
    assert check(a, "review_litigation_total.review").status == PASS
    assert check(a, "review_litigation_total.litigation_direct").status == FAIL
    assert check(a, "review_litigation_total.litigation_after_review").status == FAIL


def test_not_reported_cells_make_their_checks_uncertain_not_failed_nor_passed():
    v = consistent(4)
    two, three, four = report_tables(v)
    value_cell(three, t3_row("open"), t3_col("business")).text = "/"
    value_cell(four, 3, 1).text = "—"
    a = analyse_report([two, three, four], "", 0.8)
    for rule in ("results_total.business", "applicant_total.open", "review_litigation_total.review"):
        c = check(a, rule)
        assert c.status == UNCERTAIN and c.severity == WARNING
    assert check(a, "balance.business").status == PASS  # does not involve the cell
    assert check(a, "format.three").status == PASS  # "/" is an allowed mark
    assert a.errors == []
    assert {w.rule for w in a.warnings} == {
        "results_total.business",
        "applicant_total.open",
        "review_litigation_total.review",
    }
    assert (1, t3_row("open"), t3_col("business")) in {(r.table, r.row, r.col) for r in a.review_cells}


def test_a_blank_template_cell_goes_to_review():
    v = consistent(5)
    two, three, four = report_tables(v)
    value_cell(four, 3, 7).text = ""
    a = analyse_report([two, three, four], "", 0.8)
    assert a.figures["litigation_direct.other"] is None
    assert check(a, "review_litigation_total.litigation_direct").status == UNCERTAIN
    cell = next(r for r in a.review_cells if (r.table, r.row, r.col) == (2, 3, 7))
    assert "empty" in cell.reasons and cell.figure == "litigation_direct.other"


def test_unreadable_cell_is_uncertain():
    v = consistent(6)
    two, three, four = report_tables(v)
    value_cell(three, t3_row("new"), t3_col("natural")).text = "1,23"  # grouped wrong: not 123
    a = analyse_report([two, three, four], "", 0.8)
    assert a.figures["requests.new.natural"] is None
    assert check(a, "balance.natural").status == UNCERTAIN
    assert check(a, "format.three").status == UNCERTAIN
    assert a.errors == []


def test_low_confidence_cell_that_adds_up_is_uncertain_but_not_an_error():
    v = consistent(7)
    two, three, four = report_tables(v)
    value_cell(three, t3_row("open"), t3_col("natural")).confidence = 0.5
    a = analyse_report([two, three, four], "", 0.8)
    for rule in ("results_total.natural", "applicant_total.open"):
        assert check(a, rule).status == UNCERTAIN and check(a, rule).attention == ["requests.open.natural"]
    assert a.errors == []
    assert [r.reasons for r in a.review_cells if r.figure == "requests.open.natural"][0][0] == "low_confidence"
    assert not any(r.figure == "requests.open.total" for r in a.review_cells)  # the sum's other cells are fine


def test_low_confidence_cell_that_does_not_add_up_is_an_error():
    v = consistent(8)
    v["requests.open.natural"] += 1
    two, three, four = report_tables(v)
    value_cell(three, t3_row("open"), t3_col("natural")).confidence = 0.5
    a = analyse_report([two, three, four], "", 0.8)
    err = next(e for e in a.errors if e.rule == "applicant_total.open")
    assert err.status == UNCERTAIN and err.severity == ERROR


@pytest.mark.parametrize("where, text", [("three", "2.5"), ("three", "-1"), ("four", "1.5"), ("two", "-0.5")])
def test_counts_are_whole_numbers_and_fees_not_negative(where, text):
    v = consistent(9)
    two, three, four = report_tables(v)
    cell = {
        "three": lambda: value_cell(three, t3_row("partial"), t3_col("legal")),
        "four": lambda: value_cell(four, 3, 12),
        "two": lambda: value_cell(two, 13, 1),
    }[where]()
    cell.text = text
    a = analyse_report([two, three, four], "", 0.8)
    err = next(e for e in a.errors if e.rule == f"format.{where}")
    assert err.status == FAIL and text.lstrip("-").rstrip("0").rstrip(".") in err.found


def test_fees_may_be_a_decimal():
    v = consistent(10)
    v["active.fees"] = 0.35
    a = analyse_report(report_tables(v), "", 0.8)
    assert a.figures["active.fees"] == 0.35 and check(a, "format.two").status == PASS and not a.errors


def test_missing_total_column_is_a_structure_error_and_never_passes_quietly():
    v = consistent(11)
    two, three, four = report_tables(v)
    a = analyse_report([two, drop_column(three, 9), four], "", 0.8)
    err = next(e for e in a.errors if e.rule == "structure.three")
    assert err.status == STRUCTURE_ERROR and "7" in err.message_en
    assert all(a.figures[f"requests.{k}.total"] is None for k in T3_KEYS)
    sums = [c for c in a.checks if not c.rule.startswith(("format.", "structure."))]
    assert not any(
        c.status == PASS and any(k.startswith("requests.") and k.endswith(".total") for k in c.figures) for c in sums
    )
    # the six columns that are there are still read
    assert all(a.figures[f"requests.{k}.natural"] == v[f"requests.{k}.natural"] for k in T3_KEYS)


def test_missing_applicant_column_is_a_structure_error():
    v = consistent(12)
    two, three, four = report_tables(v)
    dropped = drop_column(three, t3_col("research"))
    a = analyse_report([two, dropped, four], "", 0.8)
    assert check(a, "structure.three").status == STRUCTURE_ERROR
    assert a.figures["requests.new.research"] is None
    assert a.figures["requests.new.total"] == v["requests.new.total"]  # columns found by their headers
    # a grid that disagrees with its template is not trusted: every number of that table goes to review
    review = {(r.table, r.row, r.col) for r in a.review_cells if "structure" in r.reasons}
    numbers = {(1, c.row, c.col) for c in dropped if c.text.isdigit()}
    assert numbers and numbers <= review
    assert not any(r.table != 1 and "structure" in r.reasons for r in a.review_cells)


def test_missing_row_and_missing_table_are_structure_errors():
    v = consistent(13)
    two, three, four = report_tables(v)
    without_row = [c for c in three if c.row != t3_row("unable_2")]
    a = analyse_report([two, without_row], "", 0.8)
    assert check(a, "structure.three").status == STRUCTURE_ERROR
    assert check(a, "structure.four").status == STRUCTURE_ERROR
    assert a.figures["requests.unable_2.natural"] is None
    assert a.figures["requests.unable_3.natural"] == v["requests.unable_3.natural"]
    assert {"structure.three", "structure.four"} <= {e.rule for e in a.errors}


def test_an_extra_value_column_is_a_structure_error():
    v = consistent(14)
    two, three, four = report_tables(v)
    extra = [c.__class__(**{**c.__dict__, "col": 15, "text": "0"}) for c in four if c.row == 3 and c.col == 14]
    a = analyse_report([two, three, four + extra], "", 0.8)
    assert check(a, "structure.four").status == STRUCTURE_ERROR


def test_values_shifted_one_column_are_caught():
    """A row whose values slid one column right (自然人 left blank, 总计 pushed out of the table)."""
    v = consistent(15)
    v["requests.open.natural"] = max(1, v["requests.open.natural"])
    C.fix_totals(v, "2021")
    two, three, four = report_tables(v)
    row = t3_row("open")
    texts = [value_cell(three, row, 3 + c).text for c in range(7)]
    for c in range(7):
        value_cell(three, row, 3 + c).text = ([""] + texts[:6])[c]
    a = analyse_report([two, three, four], "", 0.8)
    assert {"results_total.natural", "results_total.business", "applicant_total.open"} & {e.rule for e in a.errors}
    assert check(a, "results_total.business").status == FAIL


# ---- evaluate_rules on its own: a person's correction re-checked ---------------------------------


def test_evaluate_rules_on_corrected_figures():
    v = consistent(16)
    v["requests.new.research"] += 1
    a = analyse_report(report_tables(v), "", 0.8)
    assert "balance.research" in {e.rule for e in a.errors}
    corrected = dict(a.figures)
    corrected["requests.new.research"] -= 1
    again = evaluate_rules(corrected, fmt=a.format)
    assert again.errors == [] and all(c.status == PASS for c in again.checks)


def test_evaluate_rules_alone_on_flat_figures():
    figures = dict(consistent(17))
    assert evaluate_rules(figures).errors == []
    figures["review.total"] += 1
    assert [e.rule for e in evaluate_rules(figures).errors] == ["review_litigation_total.review"]
    figures["review.total"] = None  # not reported
    ev = evaluate_rules(figures)
    assert ev.errors == [] and ev.warnings[0].status == UNCERTAIN
    del figures["review.total"]  # not there at all
    ev = evaluate_rules(figures)
    assert [e.rule for e in ev.errors] == ["structure.four"]


# ---- across years -----------------------------------------------------------------------------


def test_cross_report_checks_compare_with_last_years_report():
    last = consistent(19)
    this = consistent(20)
    for c in C.COLS:
        this[f"requests.carried_in.{c}"] = last[f"requests.carried_out.{c}"]
    for p in ("rules", "normative"):
        this[f"active.{p}.valid"] = last[f"active.{p}.valid"] + this[f"active.{p}.made"] - this[f"active.{p}.repealed"]
    ev = cross_report_checks(dict(this), dict(last))
    assert len(ev.checks) == 9 and all(c.status == PASS for c in ev.checks)
    wrong = copy.deepcopy(this)
    wrong["requests.carried_in.natural"] += 1
    wrong["active.normative.valid"] += 2
    ev = cross_report_checks(dict(wrong), dict(last))
    assert ev.errors == []  # warnings only
    assert {w.rule for w in ev.warnings} == {"cross.carried_in.natural", "cross.valid.normative"}
    w = next(w for w in ev.warnings if w.rule == "cross.valid.normative")
    assert w.status == FAIL and w.found == str(wrong["active.normative.valid"])
    assert w.expected == str(this["active.normative.valid"])


def test_cross_report_with_last_years_figure_not_reported_is_uncertain():
    this, last = dict(consistent(21)), dict(consistent(22))
    last["active.rules.valid"] = None
    ev = cross_report_checks(this, last)
    assert next(c for c in ev.checks if c.rule == "cross.valid.rules").status == UNCERTAIN
