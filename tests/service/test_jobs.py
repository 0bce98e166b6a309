"""Jobs on a real RQ worker process: bad files fail once with a reason; a bad page does not sink its document."""

import os
import subprocess
import sys

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from ingest.intake import accept_path
from schemas.database import sessions, upgrade
from schemas.models import Attempt, Document, Page
from web.app import create_app
from worker.queue import queue_for
from worker.settings import Settings
from worker.storage import Storage


def damage_frame(path, index: int) -> None:
    """Overwrite the compressed data of one TIFF frame, leaving its header intact."""
    with Image.open(path) as img:
        img.seek(index)
        offset, length = img.tag_v2[273][0], img.tag_v2[279][0]
    with open(path, "r+b") as f:
        f.seek(offset + 2)
        f.write(b"\xff" * (length - 4))


def run_worker(settings: Settings) -> None:
    env = {**os.environ, **settings.as_env()}
    run = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]


def test_bad_files_and_bad_pages(tmp_path, redis, make_settings):
    settings = make_settings(max_pixels=5_000_000, tables_only=True)
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    deps = dict(storage=Storage(settings.storage_root), Session=Session, queue=queue_for(settings, redis))

    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "truncated.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (tmp_path / "notes.pdf").write_text("not a pdf at all")
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 255, (800, 600), dtype=np.uint8)) for _ in range(3)]
    frames[0].save(
        tmp_path / "box.tif", save_all=True, append_images=frames[1:], dpi=(200, 200), compression="tiff_deflate"
    )
    damage_frame(tmp_path / "box.tif", 1)
    Image.new("L", (3000, 3000), 255).save(tmp_path / "poster.png")
    ids = {
        name: accept_path(tmp_path / name, "cli", **deps).id
        for name in ("empty.pdf", "truncated.pdf", "notes.pdf", "box.tif", "poster.png")
    }

    run_worker(settings)

    with Session() as s:
        docs = {d.filename: d for d in s.scalars(select(Document))}
        assert docs["empty.pdf"].status == "failed" and "empty file" in docs["empty.pdf"].error
        assert docs["truncated.pdf"].status == "failed" and "damaged PDF" in docs["truncated.pdf"].error
        assert docs["notes.pdf"].status == "failed" and "not a PDF" in docs["notes.pdf"].error
        assert docs["poster.png"].status == "failed" and "over the limit" in docs["poster.png"].error
        for name in ("empty.pdf", "truncated.pdf", "notes.pdf", "poster.png"):  # failed once, never retried
            attempts = s.scalars(select(Attempt).where(Attempt.document_id == ids[name])).all()
            assert [(a.kind, a.outcome) for a in attempts] == [("document", "failed")]
            assert Storage(settings.storage_root).path(docs[name].stored_path).exists()  # original kept

        box = docs["box.tif"]
        assert (box.status, box.page_count, box.pages_done, box.pages_failed) == ("done_with_errors", 3, 2, 1)
        pages = s.scalars(select(Page).where(Page.document_id == box.id).order_by(Page.number)).all()
        assert [p.status for p in pages] == ["done", "failed", "done"]
        assert [p.failure_reason for p in pages] == [None, "unreadable", None]
        assert "damaged image" in pages[1].error
        assert all(p.tables == [] for p in pages)  # noise pages: no tables, and no crash


def test_a_worker_started_with_flags_writes_where_its_flags_say(tmp_path, redis, make_settings, forged_scan):
    settings = make_settings(tables_only=True)
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    deps = dict(storage=Storage(settings.storage_root), Session=Session, queue=queue_for(settings, redis))
    doc_id = accept_path(forged_scan, "cli", **deps).id
    decoy_db, decoy_storage = tmp_path / "decoy.db", tmp_path / "decoy-storage"
    env = {
        **os.environ,
        **settings.as_env(),
        "DATABASE_URL": f"sqlite:///{decoy_db}",
        "STORAGE_ROOT": str(decoy_storage),
    }  # the environment says otherwise: the flags win
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tablescan.cli",
            "worker",
            "--burst",
            "--database-url",
            settings.database_url,
            "--storage-root",
            str(settings.storage_root),
            "--tables-only",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    with Session() as s:
        doc = s.get(Document, doc_id)
        assert doc.status == "done", doc.error
        page = s.scalar(select(Page).where(Page.document_id == doc_id))
        assert Storage(settings.storage_root).path(page.image_path).exists()
    assert not decoy_db.exists() and not (decoy_storage / "pages").exists()


def _form_bomb(path) -> None:
    """A 3 KB one-page PDF of nested forms, each drawing the next six times: Poppler would take hours."""
    import pikepdf

    pdf = pikepdf.new()
    form = None
    for _ in range(10):
        res = pikepdf.Dictionary() if form is None else pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=form))
        body = (
            b"0 0 m 10 10 l S"
            if form is None
            else b" ".join(b"q 0.5 0 0 0.5 %d %d cm /F Do Q" % (i, i) for i in range(6))
        )
        stream = pikepdf.Stream(pdf, body)
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        stream.BBox, stream.Resources = [0, 0, 600, 800], res
        form = pdf.make_indirect(stream)
    for _ in range(3):
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, 595, 842],
                    Contents=pdf.make_stream(b"/F Do"),
                    Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=form)),
                )
            )
        )
    pdf.save(path)


def test_a_document_that_would_hold_the_workers_for_hours_ends_within_its_budget(tmp_path, redis, make_settings):
    settings = make_settings(page_budget_seconds=2, tables_only=True)
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    deps = dict(storage=Storage(settings.storage_root), Session=Session, queue=queue_for(settings, redis))
    _form_bomb(tmp_path / "bomb.pdf")
    doc_id = accept_path(tmp_path / "bomb.pdf", "cli", **deps).id
    run_worker(settings)  # burst mode: returns once the queue is empty, not after 3 pages x 120 s of Poppler
    with Session() as s:
        doc = s.get(Document, doc_id)
        pages = s.scalars(select(Page).where(Page.document_id == doc_id).order_by(Page.number)).all()
        assert doc.status in ("failed", "done_with_errors") and len(pages) == 3
        assert all(p.status == "failed" for p in pages)
        assert any("time budget" in (p.error or "") for p in pages[1:])
        assert all(p.failure_reason == "page_budget" for p in pages if "time budget" in (p.error or ""))


def test_a_page_whose_ocr_runs_over_its_time_is_counted_as_ocr_timeout(redis, make_settings, forged_scan):
    """Tesseract past PAGE_TIMEOUT_SECONDS: the page fails with its reason and its code, in the record, in
    the API and the export, and /metrics counts it."""
    settings = make_settings(tables_only=True, page_timeout_seconds=0.05)
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    deps = dict(storage=Storage(settings.storage_root), Session=Session, queue=queue_for(settings, redis))
    doc_id = accept_path(forged_scan, "cli", **deps).id

    run_worker(settings)

    with Session() as s:
        doc = s.get(Document, doc_id)
        page = s.scalar(select(Page).where(Page.document_id == doc_id))
        assert (doc.status, page.status, page.failure_reason) == ("failed", "failed", "ocr_timeout")
        assert page.error.startswith("OcrTimeout: ")  # the reason a person reads stays as it was
    client = TestClient(create_app(settings))
    lines = set(client.get("/metrics").text.splitlines())
    assert {
        "# TYPE tablescan_failed_pages gauge",
        'tablescan_failed_pages{reason="ocr_timeout"} 1',
        'tablescan_failed_pages{reason="ocr_error"} 0',
        'tablescan_failed_pages{reason="page_budget"} 0',
    } <= lines
    [status] = client.get(f"/documents/{doc_id}").json()["pages"]
    assert (status["failure_reason"], status["error"]) == ("ocr_timeout", page.error)
    [exported] = client.get(f"/documents/{doc_id}/export.json").json()["pages"]
    assert (exported["status"], exported["failure_reason"], exported["error"]) == ("failed", "ocr_timeout", page.error)
