"""Corrections are history: a document read again by a real worker keeps every correction made on the
earlier reading, and the finaliser re-applies them to the same cells of the new reading. Real watcher,
worker and CLI processes (`tablescan correct`, `tablescan reprocess`); nothing is lost and nothing
outside the inbox and the storage root is written."""

import subprocess
import sys

from sqlalchemy import select

from schemas.models import Cell, Correction, Document, Page, Table
from tests.forged import variant
from web import records


def cli(service, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", *args],
        env=service.env,
        cwd=service.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def cells_of(service, doc_id: int) -> dict[tuple[str, int, int], Cell]:
    """(template, row, col) -> cell of the document's current reading."""
    with service.Session() as s:
        rows = s.execute(select(Cell, Table.template).join(Table).join(Page).where(Page.document_id == doc_id)).all()
    return {(template, c.row, c.col): c for c, template in rows}


def test_reprocess_keeps_the_corrections_and_reapplies_them(service, forged_scan):
    inbox = service.settings.inbox
    service.watcher()
    service.workers(1)
    data = variant(forged_scan, "reprocess")
    (inbox / "report.pdf").write_bytes(data)
    [doc] = service.wait_final(1, timeout=300)
    assert doc.status == "done", doc.error
    cells = cells_of(service, doc.id)
    label = next(
        c
        for (tpl, r, col), c in sorted(cells.items())
        if tpl == "two"
        and c.kind == "label"
        and ("two", r, col + 1) in cells
        and cells["two", r, col + 1].kind == "value"
    )
    value = cells["two", label.row, label.col + 1]
    upheld = cells["four", 3, 0]  # a value in a row without a label
    fixes = {
        label.id: label.text + "（更正）",
        value.id: str(int(float(value.text or 0)) + 7),
        upheld.id: str(int(upheld.text or 0) + 5),
    }
    for cell_id, text in fixes.items():
        cli(service, "correct", str(cell_id), text, "--by", "档案室 王")
    cli(service, "correct", str(value.id), str(int(fixes[value.id]) + 1), "--by", "档案室 李")  # twice
    fixes[value.id] = str(int(fixes[value.id]) + 1)

    assert "reading 2" in cli(service, "reprocess", str(doc.id))
    service.wait(lambda: service.documents()[0].status == "done", 300, "the document to be read again")

    again = cells_of(service, doc.id)
    places = {c.id: place for place, c in cells.items()}
    assert {places[i]: again[places[i]].text for i in fixes} == {places[i]: t for i, t in fixes.items()}
    with service.Session() as s:
        trail = s.scalars(select(Correction).order_by(Correction.id)).all()
        d = s.get(Document, doc.id)
        earlier = records.earlier_corrections(s, d)
    assert len(trail) == 4 + 3  # the four kept, three re-applied
    assert [c.reading for c in trail] == [1] * 4 + [2] * 3 and all(c.cell_id is None for c in trail[:4])
    assert sorted(c.reapplied_from_id for c in trail[4:]) == [trail[0].id, trail[2].id, trail[3].id]
    assert [(e["corrected_by"], e["outcome"]) for e in earlier] == [
        ("档案室 王", "reapplied"),
        ("档案室 王", "superseded"),
        ("档案室 王", "reapplied"),
        ("档案室 李", "reapplied"),
    ]
    assert {c.corrected_by for c in trail[4:]} == {"档案室 王", "档案室 李"}  # who said it, still
    assert [a.kind for a in service.attempts(document_id=doc.id, outcome="ok")] == ["document", "page", "finalise"] * 2
    assert (inbox / "archive" / "report.pdf").read_bytes() == data
    assert service.written_outside() == {}
