"""The report domain's results: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from report.values import State
from schemas.statuses import DocumentKind


class CheckStatus(StrEnum):
    """What a check of the report found (stored in validation_errors.status, all but PASS)."""

    PASS = "PASS"
    FAIL = "FAIL"  # the report's numbers, as read with confidence, break the rule
    UNCERTAIN = "UNCERTAIN"  # they break it or cannot be checked, and a cell involved is doubtful
    STRUCTURE_ERROR = "STRUCTURE_ERROR"  # a mandated table is missing or its grid disagrees with it


class Severity(StrEnum):
    """How much a check that did not pass matters (validation_errors.severity)."""

    ERROR = "error"  # the report is suspect
    WARNING = "warning"


PASS, FAIL, UNCERTAIN, STRUCTURE_ERROR = CheckStatus
ERROR, WARNING = Severity

Number = int | float


@dataclass
class FigureCell:
    """Where a figure was read: a cell of one of the tables passed in (rows as stitched)."""

    table: int  # index into the tables given to analyse_report
    row: int
    col: int
    text: str  # the cell's text as read
    confidence: float
    state: State


@dataclass
class TableMatch:
    """Which mandated table a recognised table is, if any."""

    index: int  # index into the tables given to analyse_report
    template: str | None  # "two" | "three" | "four"; None: matches no template
    format: str | None  # "2021" | "2019"
    label: str  # the table's own text that best matched the template's labels
    score: float  # 0..100, how well the table's labels match the template's
    n_rows: int
    n_cols: int
    problems: list[str] = field(default_factory=list)  # structure: missing rows/columns, extra cells
    grid: list[list[str]] | None = None  # plain text grid of a table that matched nothing


@dataclass
class CheckResult:
    """One rule evaluated on one report."""

    rule: str
    status: CheckStatus
    severity: Severity  # how much a non-PASS status of this check matters
    expected: str | None = None
    found: str | None = None
    figures: list[str] = field(default_factory=list)  # figure keys the check involves
    attention: list[str] = field(default_factory=list)  # of those, the ones a person should look at
    note: str = ""  # why, when not PASS (e.g. which cell is unreadable)


@dataclass
class Issue:
    """A validation error or warning: a check that did not pass, said for a person."""

    rule: str
    severity: Severity
    status: CheckStatus
    message_zh: str
    message_en: str
    expected: str | None
    found: str | None
    figures: list[str]
    cells: list[FigureCell]


@dataclass
class ReviewCell:
    table: int
    row: int
    col: int
    figure: str | None  # the figure the cell holds, if any
    reasons: list[str]  # "low_confidence", "empty", "check:<rule id>"


@dataclass
class Evaluation:
    checks: list[CheckResult]
    errors: list[Issue]  # non-PASS checks of severity error: what makes a report "flagged"
    warnings: list[Issue]  # non-PASS checks of severity warning


@dataclass
class ReportAnalysis:
    kind: DocumentKind
    format: str  # "2021" | "2019"
    tables: list[TableMatch]  # one per table given, same order
    year: int | None
    issuing_body: str | None
    figures: dict[str, Number | None]  # None: not reported, unreadable or not found
    sources: dict[str, FigureCell]  # the cell each figure came from (absent: not found)
    checks: list[CheckResult]
    errors: list[Issue]
    warnings: list[Issue]
    review_cells: list[ReviewCell]

    def template_of(self, name: str) -> TableMatch | None:
        return next((t for t in self.tables if t.template == name), None)
