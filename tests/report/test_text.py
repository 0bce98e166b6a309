"""Year and issuing body from the title; the body text's numbers against the tables."""

import random

import pytest
from report_builders import report_tables, seed_text

from report import FAIL, PASS, UNCERTAIN, WARNING, analyse_report, evaluate_rules
from report.narrative import chinese_number, find_statements
from report.title import read_title
from tests.forge import content as C

SEED_TITLES = {
    "000": (2025, "卫东区东工人镇街道办事处"),
    "001": (2025, "东风区人民政府办公室"),
    "002": (2024, "郑县东城街道办事处"),
    "003": (2025, "卫滨区健康路街道办事处"),
    "004": (2024, "卫滨区中同街街道办事处"),
}


@pytest.mark.parametrize("name", sorted(SEED_TITLES))
def test_year_and_issuing_body_of_the_seeds(name):
    t = read_title(seed_text(name))
    assert (t.year, t.issuing_body) == SEED_TITLES[name]


def test_title_with_the_year_first_and_ocr_noise():
    t = read_title("２０２３ 年 某某市生态环境局\n政府信息公开工作年度报告\n一、总体情况\n2O23年，本局……")
    assert (t.year, t.issuing_body, t.opening_year) == (2023, "某某市生态环境局", 2023)


def report_text(title_year: int, opening: str) -> str:
    return f"某县人民政府办公室{title_year}年政府信息公开工作年度报告\n一、总体情况\n{opening}"


def year_check(text: str):
    ev = evaluate_rules(C.zero_figures("2021"), page_text=text)
    return next((c for c in ev.checks if c.rule == "year.opening"), None)


def test_opening_year_must_be_the_title_year():
    assert year_check(report_text(2025, "2025年，本办坚持……")).status == PASS
    c = year_check(report_text(2025, "2024年，本办坚持……"))
    assert c.status == FAIL and c.severity == WARNING and c.expected == "2025" and "2024年" in c.found


@pytest.mark.parametrize(
    "opening",
    [
        "上年2024年度结转的申请已全部办结。2025年，本办……",
        "2024年度结转的3件申请已办结，2025年本办……",
        "针对2024年存在的问题，2025年本办……",
    ],
)
def test_a_year_before_is_allowed_where_it_means_last_year(opening):
    assert year_check(report_text(2025, opening)).status == PASS


def test_no_text_means_no_text_checks():
    ev = evaluate_rules(C.zero_figures("2021"))
    assert not any(c.rule.startswith(("text.", "year.")) for c in ev.checks)


def test_statements_found_in_body_text():
    text = (
        "全年共受理政府信息公开申请十二件，办结12件，结转下年度继续办理2件，上年结转1件。"
        "全年办理由政府信息公开申请引发的行政复议0件、行政诉讼3件。"
    )
    got = {(s.id, s.value) for s in find_statements(text)}
    assert got == {
        ("received", 12),
        ("completed", 12),
        ("carried_out", 2),
        ("carried_in", 1),
        ("review", 0),
        ("litigation", 3),
    }
    assert chinese_number("二十三") == 23 and chinese_number("两百") == 200


@pytest.mark.parametrize(
    "text, ids",
    [
        ("本年度未收到政府信息公开申请。", {"no_requests"}),
        ("全年未接到公民、法人或其他组织提出的政府信息公开申请", {"no_requests"}),
        ("未收到依申请公开事项，也无相关行政复议和行政诉讼事件。", {"no_requests", "no_review", "no_litigation"}),
        ("本机关未收取信息处理费。", set()),
    ],
)
def test_statements_of_nothing(text, ids):
    assert {s.id for s in find_statements(text)} == ids


def figures_with(changes: dict | None = None) -> dict:
    v = C.random_figures(random.Random(5), "2021", "district")
    v.update(changes or {})
    C.fix_totals(v, "2021")
    return v


def text_checks(v: dict, text: str) -> dict:
    a = analyse_report(report_tables(v), text, 0.8)
    assert a.errors == []  # the body text only ever warns
    return {c.rule: c for c in a.checks if c.rule.startswith("text.")}


def test_text_numbers_that_agree_with_the_tables_pass():
    v = figures_with()
    new, total = v["requests.new.total"], v["requests.total.total"]
    lawsuits = v["litigation_direct.total"] + v["litigation_after_review.total"]
    text = f"本年共收到政府信息公开申请{new}件，办结{total}件。行政复议{v['review.total']}件，行政诉讼{lawsuits}件。"
    checks = text_checks(v, text)
    assert {r: c.status for r, c in checks.items()} == {
        "text.received": PASS,
        "text.completed": PASS,
        "text.review": PASS,
        "text.litigation": PASS,
    }


def test_received_may_count_last_years_carried_in_requests_too():
    v = figures_with()
    both = v["requests.new.total"] + v["requests.carried_in.total"]
    assert text_checks(v, f"全年受理申请{both}件。")["text.received"].status == PASS


def test_text_numbers_that_disagree_are_warnings():
    v = figures_with(dict(zip((f"review.{c}" for c in C.T4_COLS), [1, 1, 0, 0, 2])))
    text = f"全年受理申请{v['requests.new.total'] + v['requests.carried_in.total'] + 5}件，行政复议0件。"
    checks = text_checks(v, text)
    assert checks["text.received"].status == FAIL and checks["text.review"].status == FAIL
    assert checks["text.review"].expected == "2" and checks["text.review"].severity == WARNING


def test_no_requests_stated_but_table_has_some():
    v = figures_with()
    assert v["requests.new.total"] > 0
    assert text_checks(v, "本年度未收到政府信息公开申请。")["text.no_requests"].status == FAIL
    empty = C.zero_figures("2021")
    assert text_checks(empty, "本年度未收到政府信息公开申请。")["text.no_requests"].status == PASS


def test_text_check_against_a_figure_not_reported_is_uncertain():
    two, three, four = report_tables(figures_with())
    next(c for c in four if c.row == 3 and c.col == 4).text = "/"
    a = analyse_report([two, three, four], "行政复议2件。", 0.8)
    assert next(c for c in a.checks if c.rule == "text.review").status == UNCERTAIN


def test_phrases_that_only_look_like_counts_are_not_statements():
    text = "收到申请后一次性告知申请人，受理申请一个工作日内登记。行政复议O件。"
    assert {(s.id, s.value) for s in find_statements(text)} == {("review", 0)}
