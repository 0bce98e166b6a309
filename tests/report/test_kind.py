"""Annual reports are told apart from budgets, final accounts and other table documents."""

import random

from report_builders import cells, report_tables

from report import STRUCTURE_ERROR, analyse_report
from report.kind import ANNUAL_REPORT, BUDGET, FINAL_ACCOUNT, OTHER
from tests.forge import content as C


def test_a_budget_gets_its_kind_and_no_report_errors():
    a = analyse_report([cells(C.budget_table(random.Random(1), 12))], "", 0.8)
    assert a.kind == BUDGET and a.errors == [] and a.warnings == [] and a.figures == {}


def test_a_final_account_is_one_even_though_it_says_budget_too():
    a = analyse_report([cells(C.final_account_table(random.Random(2)))], "", 0.8)
    assert a.kind == FINAL_ACCOUNT and a.errors == []


def test_a_title_says_what_a_document_is_when_its_tables_do_not():
    text = "东风区财政局2025年部门预算\n一般公共预算支出表\n单位：万元"
    table = [
        cells(
            [
                C.cell(0, 0, "项目", "header"),
                C.cell(0, 1, "金额", "header"),
                C.cell(1, 0, "合计"),
                C.cell(1, 1, "1,234.56", "value"),
            ]
        )
    ]
    assert analyse_report(table, text, 0.8).kind == BUDGET
    assert analyse_report(table, "", 0.8).kind == OTHER


def test_an_annual_report_missing_a_table_is_still_a_report_and_is_flagged():
    v = C.random_figures(random.Random(3), "2021", "district")
    two, three, _ = report_tables(v)
    a = analyse_report([two, three], "", 0.8)
    assert a.kind == ANNUAL_REPORT
    assert any(e.status == STRUCTURE_ERROR and e.rule == "structure.four" for e in a.errors)
    titled = analyse_report([], "东风区人民政府办公室2025年政府信息公开工作年度报告\n一、总体情况", 0.8)
    assert titled.kind == ANNUAL_REPORT and titled.errors
