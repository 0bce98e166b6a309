"""The annual report domain (政府信息公开工作年度报告): which table is which, the named figures, the rules.

Works on grids of cells (schemas.results.CellResult); knows nothing of images, queues or databases.

    analysis = analyse_report(tables, page_text, review_threshold=0.8)
    analysis.figures["requests.new.natural"], analysis.errors, analysis.review_cells
    evaluate_rules(corrected_figures, fmt=analysis.format)     # re-check after a person's correction
    cross_report_checks(this_year_figures, last_year_figures)  # against last year's report (warnings)
"""

from report.analysis import analyse_report
from report.grid import stitch, stitched_origin
from report.model import (
    ERROR,
    FAIL,
    PASS,
    STRUCTURE_ERROR,
    UNCERTAIN,
    WARNING,
    CheckResult,
    CheckStatus,
    Evaluation,
    FigureCell,
    Issue,
    ReportAnalysis,
    ReviewCell,
    Severity,
    TableMatch,
)
from report.rules import Rule, cross_report_checks, cross_report_rules, evaluate_rules, table_rules
from report.templates import figure_keys
from report.values import read_value

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
    "CheckStatus",
    "Severity",
    "PASS",
    "FAIL",
    "UNCERTAIN",
    "STRUCTURE_ERROR",
    "ERROR",
    "WARNING",
]
