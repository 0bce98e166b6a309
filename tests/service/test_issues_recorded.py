"""A validation issue travels typed (worker.document.RecordedIssue) from the report's Issue through the
record and back out into the export, and keeps every field on the way."""

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from report import FAIL, UNCERTAIN, CheckStatus, FigureCell, Issue, Severity
from schemas.models import Base, Document, ValidationError
from web.exports import issue_out
from worker import persist
from worker.document import CellRef, DocumentAnalysis, RecordedIssue, _issue


def test_an_issue_goes_into_the_record_and_comes_back_the_same():
    report_issue = Issue(
        rule="balance.natural",
        severity=Severity.ERROR,
        status=FAIL,
        message_zh="合计不符",
        message_en="the total does not add up",
        expected="12",
        found="x" * 200,
        figures=["requests.new.natural", "requests.total.natural"],
        cells=[FigureCell(0, 3, 3, "12", 0.9, "number")],
    )
    refs = {"requests.new.natural": CellRef("requests.new.natural", 2, 0, 3, 3, 41, confidence=0.9)}
    recorded = _issue(report_issue, refs)
    assert recorded == RecordedIssue(
        "balance.natural",
        Severity.ERROR,
        CheckStatus.FAIL,
        "合计不符",
        "the total does not add up",
        "12",
        "x" * 128,
        [CellRef("requests.new.natural", 2, 0, 3, 3, 41), CellRef("requests.total.natural")],
    )
    warning = RecordedIssue("text.review", Severity.WARNING, UNCERTAIN, "正文", "the text", None, None, [])

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        doc = Document(filename="a.pdf", stored_path="a", sha256="0" * 64, size=1, source="cli")
        s.add(doc)
        s.flush()
        analysis = DocumentAnalysis(validation_errors=[recorded], warnings=[warning], figure_refs=refs)
        persist.save_analysis(s, doc, [], analysis)
        s.commit()
        rows = s.query(ValidationError).order_by(ValidationError.id).all()
        assert rows[0].cell_ids == [
            {"figure": "requests.new.natural", "page": 2, "index": 0, "row": 3, "col": 3, "cell_id": 41},
            {"figure": "requests.total.natural"},
        ]
        assert persist.load_issues(s, doc.id) == [recorded, warning]
    out = issue_out(recorded)
    assert (out.severity, out.status, out.message, out.found) == ("error", "FAIL", "合计不符", "x" * 128)
    assert out.cells[1] == {"figure": "requests.total.natural"}
