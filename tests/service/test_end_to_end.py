"""A forged scan dropped into a watched folder travels the whole way: watcher -> database -> Redis ->
a real RQ worker process -> pages, tables and cells in the database -> `done` on the HTTP status URL, and
with ARCHIVE_PDF its searchable PDF/A copy beside the original in the inbox's archive/."""

import json
import os
import shutil
import subprocess
import sys
import threading

from fastapi.testclient import TestClient
from pikepdf.pdfa import validate_written
from sqlalchemy import func, select

from ingest.intake import InboxRecord, accept_path
from ingest.watch import FolderWatcher
from schemas.database import sessions, upgrade
from schemas.models import Attempt, Cell, Document, Page, Table
from tests.pdftext import pdf_text
from tests.waiting import wait_for
from web.app import create_app
from worker.queue import document_of, queue_for
from worker.storage import Storage


def shape(cells):
    return (max(c["row"] + c["row_span"] for c in cells), max(c["col"] + c["col_span"] for c in cells))


def test_watched_folder_to_done(database_url, redis, make_settings, tmp_path, forged_scan):
    settings = make_settings(
        database_url=database_url, settle_seconds=0.5, poll_seconds=0.5, tables_only=True, archive_pdf=True
    )
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    queue = queue_for(settings, redis)
    deps = dict(storage=Storage(settings.storage_root), Session=Session, queue=queue)
    watcher = FolderWatcher(
        settings.inbox, InboxRecord(**deps), settle_seconds=settings.settle_seconds, poll_seconds=settings.poll_seconds
    )
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        (settings.inbox / "box-7").mkdir(parents=True)
        shutil.copy(forged_scan, settings.inbox / "box-7" / "report 2025.pdf")

        def first_doc():
            with Session() as s:
                return s.scalar(select(Document))

        doc = wait_for(first_doc, 30, "the watcher to record the document")
    finally:
        stop.set()
        thread.join(10)

    assert (doc.filename, doc.source, doc.collection, doc.status) == ("report 2025.pdf", "folder", "box-7", "queued")
    assert [document_of(j) for j in queue.job_ids] == [doc.id]  # the job is in Redis, waiting for a worker
    assert (settings.inbox / "box-7" / "report 2025.pdf").exists()  # stays until its document is final
    assert Storage(settings.storage_root).path(doc.stored_path).read_bytes() == forged_scan.read_bytes()

    env = {**os.environ, **settings.as_env()}
    run = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]

    with Session() as s:
        doc = s.get(Document, doc.id)
        assert doc.status == "done", doc.error
        assert (doc.page_count, doc.pages_done, doc.pages_failed) == (1, 1, 0)
        page = s.scalar(select(Page).where(Page.document_id == doc.id))
        assert page.image_path and Storage(settings.storage_root).path(page.image_path).exists()
        tables = s.scalars(select(Table).where(Table.page_id == page.id).order_by(Table.index)).all()
        assert len(tables) == 2
        truth = json.loads(forged_scan.with_name(forged_scan.stem + ".truth.json").read_text())["pages"][0]
        assert [(t.n_rows, t.n_cols) for t in tables] == [shape(t["cells"]) for t in truth["tables"]]
        n_cells = s.scalar(select(func.count()).select_from(Cell).join(Table).where(Table.page_id == page.id))
        assert n_cells == sum(len(t["cells"]) for t in truth["tables"])
        kinds = {a.kind for a in s.scalars(select(Attempt).where(Attempt.document_id == doc.id))}
        assert kinds == {"document", "page", "finalise"}

    done = settings.inbox / "archive" / "box-7"
    assert watcher.settle_outcomes() == [done / "report 2025.pdf", done / "report 2025.pdfa.pdf"]
    assert not (settings.inbox / "box-7" / "report 2025.pdf").exists()
    # ARCHIVE_PDF: the worker made the searchable PDF/A copy, and it lies beside the original
    copy = done / "report 2025.pdfa.pdf"
    assert copy.read_bytes() == Storage(settings.storage_root).archive_path(doc.id).read_bytes()
    assert validate_written(copy, "2b").passed
    assert "维持" in pdf_text(copy)

    client = TestClient(create_app(settings))
    status = client.get(f"/documents/{doc.id}").json()
    assert status["status"] == "done" and status["pages_done"] == 1
    export = client.get(f"/documents/{doc.id}/export.json").json()
    assert [len(t["cells"]) for t in export["pages"][0]["tables"]] == [len(t["cells"]) for t in truth["tables"]]


def test_correction_keeps_ocr_text_and_reruns_checks(database_url, redis, make_settings, forged_scan):
    """A person's correction breaks a mandated sum of table 四, then mends it: the checks follow."""
    from schemas.models import Correction, ValidationError
    from web.review import correct_cell, review_queue

    settings = make_settings(database_url=database_url, tables_only=True)
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    doc = accept_path(
        forged_scan, "cli", storage=Storage(settings.storage_root), Session=Session, queue=queue_for(settings, redis)
    )
    env = {**os.environ, **settings.as_env()}
    subprocess.run([sys.executable, "-m", "tablescan.cli", "worker", "--burst"], env=env, check=True, timeout=600)

    def errors():
        with Session() as s:
            return [
                (e.rule, e.status)
                for e in s.scalars(
                    select(ValidationError).where(
                        ValidationError.document_id == doc.id, ValidationError.severity == "error"
                    )
                )
            ]

    with Session() as s:
        four = s.scalars(select(Table).join(Page).where(Page.document_id == doc.id, Table.template == "four")).one()
        upheld = next(c for c in four.cells if c.row == 3 and c.col == 0)  # 行政复议 结果维持
        ocr, before = upheld.raw_text, upheld.text
    baseline = errors()
    assert baseline == [("structure.three", "STRUCTURE_ERROR")]  # the fixture page has no table 三

    with Session.begin() as s:
        correct_cell(s, upheld.id, str(int(before) + 5), "审核员 Li", settings.pipeline())
    assert ("review_litigation_total.review", "FAIL") in errors()
    with Session() as s:
        queue = review_queue(s, doc.id)
        assert queue[0]["rules"] == ["review_litigation_total.review"]  # cells of a failed check come first

    with Session.begin() as s:
        cell = correct_cell(s, upheld.id, before, "审核员 Li", settings.pipeline())
    assert errors() == baseline
    with Session() as s:
        cell = s.get(Cell, upheld.id)
        assert (cell.text, cell.raw_text, cell.corrected_by) == (before, ocr, "审核员 Li")
        history = s.scalars(select(Correction).where(Correction.cell_id == cell.id).order_by(Correction.id)).all()
        assert [(h.old_text, h.new_text) for h in history] == [
            (before, str(int(before) + 5)),
            (str(int(before) + 5), before),
        ]
