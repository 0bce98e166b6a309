"""One report, end to end: recognise the tables, map their cells to figures, read the title, check."""

from __future__ import annotations

from report.figures import map_report
from report.grid import Grid, cell_text, is_label
from report.kind import ANNUAL_REPORT, document_kind
from report.model import PASS, Evaluation, ReportAnalysis, ReviewCell
from report.recognise import recognise
from report.rules import evaluate_rules
from report.title import read_title
from report.values import fold
from schemas.results import CellResult


def analyse_report(
    tables: list[list[CellResult]], page_text: str = "", review_threshold: float = 0.8
) -> ReportAnalysis:
    """tables: the document's logical tables (continued parts already stitched), each a list of cells.
    page_text: the body text of every page outside the tables ("" when not read).
    A document that is not an annual report gets its kind and review marks, and no figures or checks."""
    grids = [Grid(cells) for cells in tables]
    matches = recognise(grids)
    kind = document_kind(grids, matches, page_text)
    title = read_title(page_text) if page_text.strip() else None
    mapped = map_report(grids, matches, title.year if title else None)
    if kind == ANNUAL_REPORT:
        ev = evaluate_rules(
            mapped.figures,
            fmt=mapped.fmt,
            sources=mapped.sources,
            review_threshold=review_threshold,
            page_text=page_text,
            problems=mapped.problems,
        )
    else:
        ev = Evaluation([], [], [])
        mapped.figures, mapped.sources = {}, {}
    review: dict[tuple[int, int, int], ReviewCell] = {}

    def flag(table: int, row: int, col: int, figure: str | None, reason: str) -> None:
        rc = review.setdefault((table, row, col), ReviewCell(table, row, col, figure, []))
        rc.figure = rc.figure or figure
        if reason not in rc.reasons:
            rc.reasons.append(reason)

    for key, src in mapped.sources.items():
        if src.confidence < review_threshold:
            flag(src.table, src.row, src.col, key, "low_confidence")
        if not fold(src.text):
            flag(src.table, src.row, src.col, key, "empty")
    for check in ev.checks:
        if check.status != PASS:
            for key in check.attention:
                source = mapped.sources.get(key)
                if source is not None:
                    flag(source.table, source.row, source.col, key, f"check:{check.rule}")
    for m in matches:  # a mandated table whose grid disagrees with its template: no value is trusted
        if m.template and m.problems:
            for c in tables[m.index]:
                if not is_label(c) and fold(cell_text(c)):
                    flag(m.index, c.row, c.col, None, "structure")
    for i, cells in enumerate(tables):  # words read badly anywhere in a table
        for c in cells:
            if c.confidence < review_threshold and fold(cell_text(c)):
                flag(i, c.row, c.col, None, "low_confidence")

    return ReportAnalysis(
        kind=kind,
        format=mapped.fmt,
        tables=matches,
        year=title.year if title else None,
        issuing_body=title.issuing_body if title else None,
        figures=mapped.figures,
        sources=mapped.sources,
        checks=ev.checks,
        errors=ev.errors,
        warnings=ev.warnings,
        review_cells=sorted(review.values(), key=lambda r: (r.table, r.row, r.col)),
    )
