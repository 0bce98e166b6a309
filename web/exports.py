"""Build a document's export from recognition results, and render it as JSON, CSV, XLSX or HTML."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

from report.model import CheckStatus, Severity
from report.values import NUMBER, read_value
from schemas.export import (
    CellOut,
    DocumentExport,
    LineOut,
    LogicalTableOut,
    PageOut,
    TableOut,
    ValidationErrorOut,
    WordOut,
)
from schemas.results import CellResult, PageResult, TableResult
from schemas.statuses import READ, CellKind, DocumentKind, PageStatus
from worker.document import DocumentAnalysis, RecordedIssue

FORMATS = ("json", "csv", "xlsx", "html")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def _cell(c: CellResult) -> CellOut:
    number = read_value(c.text) if c.kind == CellKind.VALUE else None
    if number is not None and number.state != NUMBER:
        number = None
    return CellOut(
        id=c.id,
        row=c.row,
        col=c.col,
        row_span=c.row_span,
        col_span=c.col_span,
        kind=c.kind,
        text=c.text,
        raw_text=c.raw_text,
        value=number.value if number else None,
        unit=number.unit if number else None,
        mark=number.mark if number else None,
        confidence=round(min(1.0, max(0.0, c.confidence)), 4),
        needs_review=c.needs_review,
        bbox=[int(v) for v in c.bbox],
    )


def _table(t: TableResult) -> TableOut:
    cont = {"page": t.continued_from[0], "index": t.continued_from[1]} if t.continued_from else None
    return TableOut(
        id=t.id,
        index=t.index,
        bbox=[int(v) for v in t.bbox],
        n_rows=t.n_rows,
        n_cols=t.n_cols,
        confidence=round(t.confidence, 4),
        continued_from=cont,
        template=t.template,
        cells=[_cell(c) for c in t.cells],
    )


def _page(p: PageResult) -> PageOut:
    return PageOut(
        number=p.number,
        status=PageStatus.FAILED if p.error else PageStatus.DONE,
        error=p.error,
        failure_reason=p.failure_reason,
        rotation=p.rotation,
        skew_degrees=round(p.skew_degrees, 3),
        dpi=p.dpi,
        width=p.width,
        height=p.height,
        text=p.text,
        lines=[
            LineOut(bbox=list(ln.bbox), words=[WordOut(text=w.text, bbox=list(w.bbox)) for w in ln.words])
            for ln in p.lines
        ],
        timings=p.timings,
        tables=[_table(t) for t in p.tables],
    )


def build_export(meta: dict[str, Any], pages: list[PageResult], analysis: DocumentAnalysis) -> DocumentExport:
    """meta: filename, sha256, status, engine, and optionally id, error, collection, timestamps."""
    timings: dict[str, float] = {}
    for p in pages:
        for step, s in p.timings.items():
            timings[step] = round(timings.get(step, 0.0) + s, 3)
    return DocumentExport(
        **meta,
        page_count=len(pages),
        timings=timings,
        kind=analysis.kind,
        report_year=analysis.report_year,
        issuing_body=analysis.issuing_body,
        pages=[_page(p) for p in pages],
        tables=[
            LogicalTableOut(
                parts=[{"page": pg, "index": i} for pg, i in t.parts],
                template=t.template,
                n_rows=t.n_rows,
                n_cols=t.n_cols,
                cells=[_cell(c) for c in t.cells],
            )
            for t in analysis.tables
        ],
        validation_errors=[issue_out(e) for e in analysis.validation_errors],
        warnings=[issue_out(e) for e in analysis.warnings],
        figures=analysis.figures,
    )


def issue_out(e: RecordedIssue) -> ValidationErrorOut:
    return ValidationErrorOut(
        rule=e.rule,
        severity=e.severity,
        status=e.status,
        message=e.message,
        message_en=e.message_en,
        expected=e.expected,
        found=e.found,
        cells=[c.to_record() for c in e.cells],
    )


def render(export: DocumentExport, fmt: str) -> bytes:
    """The export in one of FORMATS."""
    if fmt == "json":
        return export.model_dump_json(indent=1).encode()
    if fmt == "csv":
        return _csv(export).encode("utf-8-sig")  # the BOM lets Excel open Chinese text correctly
    if fmt == "xlsx":
        return _xlsx(export)
    if fmt == "html":
        return _html(export).encode()
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


CSV_COLUMNS = [
    "table",
    "row",
    "col",
    "row_span",
    "col_span",
    "kind",
    "text",
    "raw_text",
    "confidence",
    "needs_review",
    "pages",
]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PLAIN_NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?%?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A value safe to put in a spreadsheet or a CSV that one will open (OWASP's CSV injection advice):
    control characters removed, and text that a spreadsheet would take for a formula (= + - @ tab CR
    first) prefixed with '. Numbers, and text that is a plain number, stay as they are."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv(export: DocumentExport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for i, t in enumerate(export.tables):
        pages = "+".join(str(p["page"]) for p in t.parts)
        for c in t.cells:
            w.writerow(
                [
                    neutralise(v)
                    for v in (
                        i + 1,
                        c.row,
                        c.col,
                        c.row_span,
                        c.col_span,
                        c.kind,
                        c.text,
                        c.raw_text,
                        c.confidence,
                        int(c.needs_review),
                        pages,
                    )
                ]
            )
    return buf.getvalue()


def _xlsx(export: DocumentExport) -> bytes:
    """One sheet per logical table, merged cells as real merged ranges; a sheet of validation errors."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    wb.remove(wb.active)
    review = PatternFill("solid", fgColor="FFF2CC")
    for i, t in enumerate(export.tables or [], start=1):
        ws = wb.create_sheet(f"{i}-{t.template}" if t.template else f"table {i}")
        for c in t.cells:
            cell = ws.cell(row=c.row + 1, column=c.col + 1, value=_sheet_value(_number_or_text(c)))
            _as_text(cell)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if c.kind == CellKind.HEADER:
                cell.font = Font(bold=True)
            if c.needs_review:
                cell.fill = review
                cell.comment = Comment(f"OCR: {c.raw_text!r}, confidence {c.confidence:.2f}", "tablescan")
            if c.row_span > 1 or c.col_span > 1:
                ws.merge_cells(
                    start_row=c.row + 1,
                    start_column=c.col + 1,
                    end_row=c.row + c.row_span,
                    end_column=c.col + c.col_span,
                )
    ws = wb.create_sheet("validation")
    ws.append(["rule", "severity", "status", "message", "message_en", "expected", "found"])
    for e in export.validation_errors + export.warnings:
        ws.append(
            [_sheet_value(v) for v in (e.rule, e.severity, e.status, e.message, e.message_en, e.expected, e.found)]
        )
        for cell in ws[ws.max_row]:
            _as_text(cell)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_value(v):
    """A value for a worksheet cell: see neutralise (no control characters, no formula)."""
    return neutralise(v)


def _as_text(cell) -> None:
    """A worksheet cell holding a string is a string cell, never a formula, whatever it starts with."""
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _number_or_text(c: CellOut):
    """A value cell's plain number as a number (report.values); a percentage, a marked number, one read
    through look-alikes and any text stay the text as read."""
    if c.kind == CellKind.VALUE:
        r = read_value(c.text)
        if r.state == NUMBER and r.unit is None and r.mark is None and not r.corrected:
            return r.value
    return c.text


def _html(export: DocumentExport) -> str:
    e = html.escape
    out = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{e(export.filename)}</title>",
        "<style>table{border-collapse:collapse;margin:1em 0}td{border:1px solid #888;padding:2px 6px}"
        "td.header{font-weight:bold}td.review{background:#fff2cc}</style>",
        f"<h1>{e(export.filename)}</h1>",
    ]
    for t in export.tables:
        pages = ", ".join(str(p["page"]) for p in t.parts)
        out.append(f"<h2>{e(t.template or 'table')} (page {pages})</h2><table>")
        rows: dict[int, list[CellOut]] = {}
        for c in t.cells:
            rows.setdefault(c.row, []).append(c)
        for r in sorted(rows):
            out.append("<tr>")
            for c in sorted(rows[r], key=lambda c: c.col):
                cls = c.kind + (" review" if c.needs_review else "")
                span = (f" rowspan={c.row_span}" if c.row_span > 1 else "") + (
                    f" colspan={c.col_span}" if c.col_span > 1 else ""
                )
                out.append(f"<td class='{cls}'{span} title='{c.confidence:.2f}'>{e(c.text)}</td>")
            out.append("</tr>")
        out.append("</table>")
    if export.validation_errors:
        out.append("<h2>校验问题 Validation errors</h2><ul>")
        out += [f"<li>{e(v.rule)}: {e(v.message)} ({e(v.message_en)})</li>" for v in export.validation_errors]
        out.append("</ul>")
    return "\n".join(out)


BATCH_COLUMNS = [
    "document_id",
    "filename",
    "collection",
    "kind",
    "report_year",
    "issuing_body",
    "status",
    "checks",
    "errors",
    "warnings",
    "failed_rules",
]


def figure_value(key: str, value: float | None) -> float | int | None:
    """The record stores every figure as a float; counts go out as whole numbers."""
    return int(value) if value is not None and value.is_integer() and not key.endswith("fees") else value


def batch_table(s, docs) -> tuple[list[str], list[list], list[set[str]]]:
    """The records-office view of many reports: one row per report, every named figure a column.
    Returns (header, rows, per row the figure keys that take part in a failed or uncertain check)."""
    from sqlalchemy import select

    from report import figure_keys
    from schemas.models import Figure, ValidationError

    keys = list(figure_keys("2021"))
    rows, suspect = [], []
    for doc in docs:
        figures = {
            f.key: figure_value(f.key, f.value) for f in s.scalars(select(Figure).where(Figure.document_id == doc.id))
        }
        issues = s.scalars(select(ValidationError).where(ValidationError.document_id == doc.id)).all()
        errors = [e for e in issues if e.severity == Severity.ERROR]
        keys += [k for k in figures if k not in keys]
        not_a_report = doc.kind not in (None, DocumentKind.ANNUAL_REPORT)  # held to no report rules
        status = (
            "—"
            if doc.status not in READ or not_a_report
            else (
                CheckStatus.FAIL
                if any(e.status == CheckStatus.FAIL for e in errors)
                else CheckStatus.STRUCTURE_ERROR
                if any(e.status == CheckStatus.STRUCTURE_ERROR for e in errors)
                else CheckStatus.UNCERTAIN
                if errors
                else CheckStatus.PASS
            )
        )
        rows.append(
            (
                [
                    doc.id,
                    doc.filename,
                    doc.collection,
                    doc.kind,
                    doc.report_year,
                    doc.issuing_body,
                    doc.status,
                    status,
                    len(errors),
                    len(issues) - len(errors),
                    " ".join(sorted({e.rule for e in errors})),
                ],
                figures,
            )
        )
        suspect.append(
            {
                str(ref["figure"])
                for e in errors
                for ref in (e.cell_ids or [])
                if isinstance(ref, dict) and ref.get("figure")
            }
        )
    header = BATCH_COLUMNS + keys
    return header, [meta + [figures.get(k) for k in keys] for meta, figures in rows], suspect


def render_batch(header: list[str], rows: list[list], suspect: list[set[str]], fmt: str) -> bytes:
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([neutralise(h) for h in header])
        w.writerows([["" if v is None else neutralise(v) for v in r] for r in rows])
        return buf.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill

        wb = Workbook()
        ws = wb.active
        ws.title = "reports"
        ws.append(header)
        for c in ws[1]:
            c.font = Font(bold=True)
        bad = PatternFill("solid", fgColor="F4CCCC")
        for r, (row, keys) in enumerate(zip(rows, suspect), start=2):
            ws.append([_sheet_value(v) for v in row])
            for cell in ws[r]:
                _as_text(cell)
            for col, name in enumerate(header, start=1):
                if name in keys:
                    ws.cell(row=r, column=col).fill = bad
        ws.freeze_panes = "C2"
        sheet = io.BytesIO()
        wb.save(sheet)
        return sheet.getvalue()
    raise ValueError("the batch export is csv or xlsx")
