"""analyse_report as the document pipeline calls it: a corpus like the forge's, review cells, plain data."""

import random

from report_builders import SEEDS, T3_KEYS, report_tables, seed_figures, seed_text

from report import analyse_report
from tests.forge import content as C


def test_forged_corpus_broken_reports_flagged_consistent_ones_left_alone():
    """Seed texts (whose narratives do not match random figures) over the forge's random figures, some with
    one sum broken. Every broken one has an error, no consistent one has, every figure exact."""
    rng = random.Random(7)
    flagged = false_alarms = broken_n = clean_n = 0
    for i in range(40):
        v = C.random_figures(rng, "2021", rng.choice(["street", "district", "city"]))
        broken = C.break_a_sum(v, "2021", rng) if rng.random() < 0.4 else None
        a = analyse_report(report_tables(v), seed_text(SEEDS[i % len(SEEDS)].name[:3]), 0.8)
        assert a.figures == v
        if broken:
            broken_n += 1
            flagged += bool(a.errors)
        else:
            clean_n += 1
            false_alarms += bool(a.errors)
    assert broken_n >= 10 and clean_n >= 10
    assert flagged == broken_n and false_alarms == 0


def test_year_and_issuing_body_come_from_the_page_text():
    a = analyse_report(report_tables(seed_figures("003")), seed_text("003"), 0.8)
    assert (a.year, a.issuing_body) == (2025, "卫滨区健康路街道办事处")
    a = analyse_report(report_tables(seed_figures("003")), "", 0.8)
    assert (a.year, a.issuing_body) == (None, None)


def test_review_cells_say_why():
    v = C.random_figures(random.Random(3), "2021", "city")
    two, three, four = report_tables(v)
    next(c for c in three if c.text == "（七）总计").confidence = 0.3  # a label read badly
    next(c for c in four if c.row == 3 and c.col == 0).confidence = 0.4  # a value read badly
    a = analyse_report([two, three, four], "", 0.8)
    by_cell = {(r.table, r.row, r.col): r for r in a.review_cells}
    label = by_cell[(1, 3 + T3_KEYS.index("total"), 1)]
    assert label.figure is None and label.reasons == ["low_confidence"]
    value = by_cell[(2, 3, 0)]
    assert value.figure == "review.upheld"
    assert value.reasons == ["low_confidence", "check:review_litigation_total.review"]
    assert len(a.review_cells) == 2


def test_threshold_decides_what_is_low():
    tables = report_tables(C.random_figures(random.Random(4), "2021", "city"))
    assert analyse_report(tables, "", 0.9).review_cells == []
    assert len(analyse_report(tables, "", 0.99).review_cells) == sum(len(t) for t in tables)


def test_analysis_of_a_seed_report_names_its_figures_sources_and_tables():
    a = analyse_report(report_tables(seed_figures("001")), seed_text("001"), 0.8)
    assert a.figures["review.total"] == 3
    assert a.sources["review.total"].table == 2
    assert {t.template for t in a.tables} == {"two", "three", "four"}
    assert {w.rule for w in a.warnings} == {"text.review", "year.opening"}
