"""Corrections are history: reading a document again keeps every correction, and re-applies each
place's latest one to the new reading's cell where that is the same cell (same place and the same row
label, as read or as corrected; without a label, the same text read there). The readings are written
the way page jobs write them (persist.save_page), on SQLite and PostgreSQL."""

from sqlalchemy import func, select

from schemas.database import sessions, upgrade
from schemas.models import Cell, Correction, Document, Page, Table
from schemas.results import CellResult, PageResult, TableResult
from web import records
from web.review import correct_cell
from worker import corrections, persist

FIRST = [
    [("header", "项目"), ("header", "数量")],
    [("label", "自然人"), ("value", "18")],
    [("label", "去人"), ("value", "4")],  # OCR read 法人 as 去人
    [("label", "其他组织"), ("value", "7")],
]


def page_read(rows) -> PageResult:
    cells = [
        CellResult(
            row=r,
            col=c,
            row_span=1,
            col_span=1,
            bbox=(100 * c, 50 * r, 100 * c + 100, 50 * r + 50),
            kind=kind,
            raw_text=text,
            text=text,
            confidence=0.9,
        )
        for r, row in enumerate(rows)
        for c, (kind, text) in enumerate(row)
    ]
    return PageResult(
        number=1,
        width=200,
        height=250,
        tables=[TableResult(index=0, bbox=(0, 0, 200, 250), n_rows=len(rows), n_cols=2, cells=cells, confidence=0.9)],
    )


def read_again(Session, doc_id: int, rows) -> list[Correction]:
    """What reprocessing does: clear the reading, the page job writes the new one, the finaliser
    re-applies the corrections."""
    with Session.begin() as s:
        doc = s.get(Document, doc_id)
        persist.clear_reading(s, doc)
        persist.save_page(s, doc_id, page_read(rows), None)
        made = corrections.reapply(s, doc)
        doc.status = "done"
        return made


def cell_at(s, doc_id: int, row: int, col: int) -> Cell:
    return s.scalar(
        select(Cell).join(Table).join(Page).where(Page.document_id == doc_id, Cell.row == row, Cell.col == col)
    )


def texts(Session, doc_id: int) -> list[list[str]]:
    with Session() as s:
        return [[cell_at(s, doc_id, r, c).text for c in range(2)] for r in range(len(FIRST))]


def test_corrections_outlive_a_new_reading_and_are_reapplied_to_the_same_cells(database_url, make_settings):
    settings = make_settings(database_url=database_url)
    upgrade(database_url)
    Session = sessions(database_url)
    with Session.begin() as s:
        doc = Document(
            filename="r.pdf",
            stored_path="originals/r.pdf",
            sha256="a" * 64,
            size=1,
            source="cli",
            status="running",
            page_count=1,
        )
        s.add(doc)
        s.flush()
        persist.save_page(s, doc.id, page_read(FIRST), None)
        doc_id, doc.status = doc.id, "done"

    def correct(row, col, text, who="王审核"):
        with Session.begin() as s:
            correct_cell(s, cell_at(s, doc_id, row, col).id, text, who, settings.pipeline())

    correct(1, 1, "13")
    correct(1, 1, "15", "李复核")  # corrected twice: the latest counts
    correct(2, 0, "法人")
    correct(2, 1, "5")
    correct(3, 1, "9")
    correct(0, 1, "件数")

    second = [
        [("header", "项目"), ("header", "数量")],
        [("label", "自然人"), ("value", "18")],
        [("label", "去人"), ("value", "4")],  # the same misreading of the label
        [("label", "其它"), ("value", "7")],
    ]  # another label: not the same cell
    made = read_again(Session, doc_id, second)
    assert texts(Session, doc_id) == [["项目", "件数"], ["自然人", "15"], ["法人", "5"], ["其它", "7"]]
    assert [(m.row, m.col, m.new_text, m.corrected_by) for m in made] == [
        (2, 0, "法人", "王审核"),
        (0, 1, "件数", "王审核"),
        (1, 1, "15", "李复核"),
        (2, 1, "5", "王审核"),
    ]
    with Session() as s:
        doc = s.get(Document, doc_id)
        assert doc.reading == 2
        trail = s.scalars(select(Correction).order_by(Correction.id)).all()
        assert len(trail) == 6 + 4  # nothing deleted
        assert all(c.cell_id is None for c in trail[:6])  # their cells are gone, they stay
        assert [c.reapplied_from_id for c in trail[6:]] == [trail[2].id, trail[5].id, trail[1].id, trail[3].id]
        earlier = {(e["row"], e["col"], e["new_text"]): e for e in records.earlier_corrections(s, doc)}
        upheld = cell_at(s, doc_id, 1, 1)
        assert [h.new_text for h in upheld.corrections] == ["15"] and upheld.corrected_by == "李复核"
    assert {k: e["outcome"] for k, e in earlier.items()} == {
        (1, 1, "13"): "superseded",
        (1, 1, "15"): "reapplied",
        (2, 0, "法人"): "reapplied",
        (2, 1, "5"): "reapplied",
        (3, 1, "9"): "not_reapplied",
        (0, 1, "件数"): "reapplied",
    }
    assert (earlier[3, 1, "9"]["row_label"], earlier[3, 1, "9"]["cell_text"]) == ("其他组织", "7")

    # read a third time: the label is read right now, so the value's row still matches by its corrected
    # name; the label itself already says what the person said
    third = [
        [("header", "项目"), ("header", "件数")],
        [("label", "自然人"), ("value", "15")],
        [("label", "法人"), ("value", "4")],
        [("label", "其他组织"), ("value", "7")],
    ]
    made = read_again(Session, doc_id, third)
    assert texts(Session, doc_id) == [["项目", "件数"], ["自然人", "15"], ["法人", "5"], ["其他组织", "9"]]
    assert sorted((m.row, m.col, m.new_text) for m in made) == [(2, 1, "5"), (3, 1, "9")]
    with Session() as s:
        doc = s.get(Document, doc_id)
        assert s.scalar(select(func.count()).select_from(Correction)) == 10 + 2
        outcomes = {(e["reading"], e["row"], e["col"]): e["outcome"] for e in records.earlier_corrections(s, doc)}
    assert outcomes[1, 3, 1] == "reapplied" and outcomes[2, 2, 1] == "reapplied"
    assert outcomes[2, 2, 0] == outcomes[2, 0, 1] == outcomes[2, 1, 1] == "agrees"
    assert outcomes[1, 2, 0] == "superseded"  # by its own re-application

    with Session.begin() as s:  # the finaliser again: nothing twice
        assert corrections.reapply(s, s.get(Document, doc_id)) == []
