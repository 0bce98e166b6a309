"""The annual report domain (政府信息公开工作年度报告): which table is which, the named figures, the rules.

Works on grids of cells (worker.results.CellResult); knows nothing of images, queues or databases.

    analysis = analyse_report(tables, page_text, review_threshold=0.8)
    analysis.figures["requests.new.natural"], analysis.errors, analysis.review_cells
    evaluate_rules(corrected_figures, fmt=analysis.format)     # re-check after a person's correction
    cross_report_checks(this_year_figures, last_year_figures)  # against last year's report (warnings)
"""

from worker.report.analysis import analyse_report
from worker.report.grid import stitch, stitched_origin
from worker.report.model import (
    ERROR,
    FAIL,
    PASS,
    STRUCTURE_ERROR,
    UNCERTAIN,
    WARNING,
    CheckResult,
    Evaluation,
    FigureCell,
    Issue,
    ReportAnalysis,
    ReviewCell,
    TableMatch,
)
from worker.report.rules import Rule, cross_report_checks, cross_report_rules, evaluate_rules, table_rules
from worker.report.templates import figure_keys
from worker.report.values import read_value

__all__ = [
    "analyse_report",
    "evaluate_rules",
    "cross_report_checks",
    "stitch",
    "stitched_origin",
    "figure_keys",
    "table_rules",
    "cross_report_rules",
    "read_value",
    "Rule",
    "ReportAnalysis",
    "TableMatch",
    "FigureCell",
    "CheckResult",
    "Issue",
    "ReviewCell",
    "Evaluation",
    "PASS",
    "FAIL",
    "UNCERTAIN",
    "STRUCTURE_ERROR",
    "ERROR",
    "WARNING",
]
