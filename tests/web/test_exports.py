"""What leaves the system carries no formula: CSV and XLSX exports of text an attacker controls (a file
name, a collection, OCR text, a correction) are neutralised as OWASP advises; numbers stay numbers."""

import csv
import io

from openpyxl import load_workbook

from schemas.export import CellOut, DocumentExport, LogicalTableOut
from web.exports import neutralise, render, render_batch

HOSTILE = ['=HYPERLINK("http://evil","x")', "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR", "a\x07bell"]


def export() -> DocumentExport:
    cells = [
        CellOut(row=0, col=i, kind="label", text=t, raw_text=t, confidence=0.9, bbox=[0, 0, 1, 1])
        for i, t in enumerate(HOSTILE)
    ]
    cells += [
        CellOut(row=1, col=0, kind="value", text="-3", raw_text="-3", confidence=0.9, bbox=[0, 0, 1, 1]),
        CellOut(row=1, col=1, kind="value", text="1,234.5", raw_text="1,234.5", confidence=0.9, bbox=[0, 0, 1, 1]),
        CellOut(row=1, col=2, kind="value", text="12", raw_text="12", confidence=0.9, bbox=[0, 0, 1, 1]),
    ]
    return DocumentExport(
        filename="=cmd|' /C calc'!A0.pdf",
        sha256="0" * 64,
        status="done",
        page_count=1,
        pages=[],
        tables=[LogicalTableOut(parts=[{"page": 1, "index": 0}], n_rows=2, n_cols=7, cells=cells)],
    )


def test_no_formula_reaches_a_csv():
    rows = list(csv.reader(io.StringIO(render(export(), "csv").decode("utf-8-sig"))))
    texts = [r[6] for r in rows[1:]]
    assert texts[:6] == ["'" + t for t in HOSTILE[:6]] and texts[6] == "abell"
    assert texts[7:] == ["-3", "1,234.5", "12"]  # numbers stay numbers


def test_no_formula_reaches_a_workbook():
    book = load_workbook(io.BytesIO(render(export(), "xlsx")))
    ws = book.worksheets[0]
    for col in range(1, 8):
        cell = ws.cell(row=1, column=col)
        assert cell.data_type == "s" and not str(cell.value).startswith("=")
    assert ws.cell(row=2, column=1).value == -3 and ws.cell(row=2, column=3).value == 12
    assert ws.cell(row=2, column=2).value == 1234.5  # a grouped number is a number too (report.values)


def test_the_batch_export_neutralises_names_and_collections():
    header, rows = ["filename", "collection", "requests.new.total"], [["=cmd.pdf", "+box", 7]]
    text = render_batch(header, rows, [set()], "csv").decode("utf-8-sig")
    assert "'=cmd.pdf" in text and "'+box" in text and ",7" in text
    ws = load_workbook(io.BytesIO(render_batch(header, rows, [set()], "xlsx"))).active
    assert ws["A2"].value == "'=cmd.pdf" and ws["A2"].data_type == "s" and ws["C2"].value == 7
    assert neutralise(3.5) == 3.5 and neutralise("-12.5") == "-12.5" and neutralise("-x") == "'-x"


def test_the_export_carries_raw_text_normalised_text_and_the_number():
    """Issue 16: each value cell keeps what OCR read beside the number it reads as (report.values)."""
    import json

    from schemas.results import CellResult, PageResult, TableResult
    from web.exports import build_export
    from worker.document import DocumentAnalysis

    read = [  # (raw OCR text, normalised text as recognition stores it, kind)
        ("(1,234.56)", "-1234.56", "value"),
        ("12.5％", "12.5%", "value"),
        ("123①", "123①", "value"),
        ("l2", "l2", "value"),
        ("—", "—", "value"),
        ("合 计", "合计", "label"),
    ]
    cells = [
        CellResult(row=0, col=k, row_span=1, col_span=1, bbox=(0, 0, 1, 1), kind=kind, raw_text=raw, text=text)
        for k, (raw, text, kind) in enumerate(read)
    ]
    page = PageResult(number=1, tables=[TableResult(index=0, bbox=(0, 0, 9, 9), n_rows=1, n_cols=6, cells=cells)])
    out = build_export({"filename": "a.pdf", "sha256": "0" * 64, "status": "done"}, [page], DocumentAnalysis())
    got = json.loads(render(out, "json"))["pages"][0]["tables"][0]["cells"]
    assert [(c["raw_text"], c["text"], c["value"], c["unit"], c["mark"]) for c in got] == [
        ("(1,234.56)", "-1234.56", -1234.56, None, None),
        ("12.5％", "12.5%", 12.5, "percent", None),
        ("123①", "123①", 123, None, "①"),
        ("l2", "l2", 12, None, None),  # read through a look-alike: a number, and needs_review by its confidence
        ("—", "—", None, None, None),  # not reported
        ("合 计", "合计", None, None, None),
    ]
