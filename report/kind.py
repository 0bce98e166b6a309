"""What kind of document a set of tables and its text make: an annual report, or another table document.

Only an annual report (政府信息公开工作年度报告) is held to the report's rules. The same archive boxes
hold department budgets (部门预算), final accounts (部门决算) and other statistical tables: those get
plain grids and no report errors.
"""

from __future__ import annotations

from report.grid import Grid, cell_text, is_label
from report.model import TableMatch
from report.title import clean_text
from schemas.statuses import DocumentKind

ANNUAL_REPORT, BUDGET, FINAL_ACCOUNT, OTHER = DocumentKind
KINDS = tuple(DocumentKind)
KIND_NAMES = {
    ANNUAL_REPORT: ("政府信息公开工作年度报告", "annual report"),
    BUDGET: ("预算", "budget"),
    FINAL_ACCOUNT: ("决算", "final account"),
    OTHER: ("其他表格文件", "other tables"),
}
TITLE_CHARS = 300  # the title is within the first characters of the text


def document_kind(grids: list[Grid], matches: list[TableMatch], page_text: str = "") -> DocumentKind:
    """ANNUAL_REPORT when the title says so or any table is one of the mandated tables (a report that
    lacks some of them is still a report, and is flagged for it); otherwise BUDGET or FINAL_ACCOUNT
    from the words of the title and the tables' labels; OTHER when nothing says."""
    head = clean_text(page_text)[:TITLE_CHARS]
    if "信息公开" in head and ("年度报告" in head or "年报" in head):
        return ANNUAL_REPORT
    if any(m.template for m in matches):
        return ANNUAL_REPORT
    words = head + "".join(clean_text(cell_text(c)) for g in grids for c in g.cells if is_label(c))
    if "决算" in words:
        return FINAL_ACCOUNT
    if "预算" in words:
        return BUDGET
    return OTHER
