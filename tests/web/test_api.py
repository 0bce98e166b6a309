"""The HTTP API against the real app, database and Redis: the whole flow with a real worker (SQLite and
PostgreSQL), then each endpoint's edges on a small document written straight into the record."""

import csv
import io
from datetime import timedelta

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from schemas.database import sessions, upgrade
from schemas.models import Attempt, Document, Page, utcnow
from tests.web.conftest import run_worker_burst, seed_document
from web.app import create_app
from worker.queue import document_of, queue_for

TOKEN = {"Authorization": "Bearer s3cret"}


def png(body: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a PNG"
    return image


def csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def empty_queue_after(redis):
    """Jobs enqueued by a test that runs no worker are removed afterwards."""
    queues = []
    yield queues.append
    for settings in queues:
        queue_for(settings, redis).empty()


def test_upload_process_review_correct_export_and_reprocess(database_url, make_settings, forged_scan, redis):
    settings = make_settings(database_url=database_url, tables_only=True, api_token="s3cret")
    upgrade(settings.database_url)
    app = create_app(settings)
    client, anonymous = TestClient(app, headers=TOKEN), TestClient(app)

    r = client.post(
        "/documents?collection=box-9",
        headers=TOKEN,
        files=[("files", ("report 2025.pdf", forged_scan.read_bytes(), "application/pdf"))],
    )
    assert r.status_code == 202
    doc_id = r.json()["ids"][0]
    assert r.headers["Location"] == f"/documents/{doc_id}"
    listed = client.get("/documents")
    assert listed.json()["counts"]["queued"] == 1 and listed.headers["Retry-After"] == "2"

    run_worker_burst(settings)

    status = client.get(f"/documents/{doc_id}")
    detail = status.json()
    assert "Retry-After" not in status.headers
    assert (detail["status"], detail["page_count"], detail["pages_done"]) == ("done", 1, 1), detail["error"]
    assert detail["pages"] == [
        {"number": 1, "status": "done", "error": None, "failure_reason": None, "has_image": True}
    ]
    assert {"rasterise", "grid", "ocr_cells"} <= set(detail["timings"]) and detail["seconds_running"] > 0
    assert detail["errors"] == 1  # the page has no table 三

    def found(**q):
        return [d["id"] for d in client.get("/documents", params=q).json()["documents"]]

    assert found(status="done", collection="box-9", has_errors=True, q="行政复议") == [doc_id]
    assert found(q="没有这几个字") == [] and found(status="failed") == [] and found(collection="box-8") == []

    export = client.get(f"/documents/{doc_id}/export.json").json()
    page = export["pages"][0]
    four = next(t for t in page["tables"] if t["template"] == "four")
    upheld = next(c for c in four["cells"] if c["row"] == 3 and c["col"] == 0)  # 行政复议 结果维持
    plain = png(client.get(f"/documents/{doc_id}/pages/1.png").content)
    assert plain.shape[:2] == (page["height"], page["width"])  # the boxes are in this image's pixels
    overlay = client.get(f"/documents/{doc_id}/pages/1.png?overlay=1")
    assert overlay.headers["content-type"] == "image/png" and png(overlay.content).shape == plain.shape

    # a correction: kept apart from the OCR text, and the checks run again
    body = {"text": str(int(upheld["text"]) + 5), "by": "审核员 Li"}
    assert anonymous.patch(f"/cells/{upheld['id']}", json=body).status_code == 401
    r = client.patch(f"/cells/{upheld['id']}", json=body, headers=TOKEN)
    assert r.status_code == 200
    cell = r.json()["cell"]
    assert (cell["text"], cell["raw_text"], cell["corrected_by"]) == (body["text"], upheld["raw_text"], "审核员 Li")
    checks = {(e["rule"], e["status"]) for e in r.json()["validation_errors"]}
    assert ("review_litigation_total.review", "FAIL") in checks
    queue = client.get("/review", params={"document_id": doc_id}).json()["cells"]
    assert queue[0]["cell_id"] == upheld["id"] and queue[0]["rules"] == ["review_litigation_total.review"]
    assert [h["new_text"] for h in client.get(f"/cells/{upheld['id']}").json()["corrections"]] == [body["text"]]
    crop = png(client.get(f"/cells/{upheld['id']}/image.png").content)
    x0, y0, x1, y1 = upheld["bbox"]
    assert crop.shape[0] >= y1 - y0 and crop.shape[1] >= x1 - x0

    # the records office's table: one row per report, the corrected figure in it, its check failing
    rows = csv_rows(client.get("/exports/reports.csv", params={"collection": "box-9"}).content)
    assert len(rows) == 1 and rows[0]["document_id"] == str(doc_id) and rows[0]["checks"] == "FAIL"
    assert rows[0]["review.upheld"] == body["text"] and "review_litigation_total.review" in rows[0]["failed_rules"]
    sheet = load_workbook(io.BytesIO(client.get("/exports/reports.xlsx").content))["reports"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("review.upheld") + 1).fill.fgColor.rgb.endswith("F4CCCC")

    metrics = client.get("/metrics").text
    assert 'tablescan_documents{status="done"} 1' in metrics and "tablescan_pages_per_minute 0.1" in metrics
    assert 'tablescan_job_duration_seconds_count{kind="page"} 1' in metrics

    # re-processing starts again from the original; the attempts and the corrections stay
    assert anonymous.post(f"/documents/{doc_id}/reprocess").status_code == 401
    r = client.post(f"/documents/{doc_id}/reprocess", headers=TOKEN)
    queued = client.get(f"/documents/{doc_id}").json()
    assert r.status_code == 202 and (queued["status"], queued["reading"]) == ("queued", 2)
    assert [(h["new_text"], h["outcome"], h["cell_id"]) for h in queued["earlier_corrections"]] == [
        (body["text"], "not_reapplied", None)
    ]  # no new reading yet: kept, beside nothing
    assert client.post(f"/documents/{doc_id}/reprocess", headers=TOKEN).status_code == 409
    assert client.get(f"/documents/{doc_id}/pages/1.png").status_code == 404
    run_worker_burst(settings)
    again = client.get(f"/documents/{doc_id}/export.json").json()
    assert again["status"] == "done"
    assert {e["rule"] for e in again["validation_errors"]} == {"structure.three", "review_litigation_total.review"}
    cells = {
        c["row"]: c for t in again["pages"][0]["tables"] if t["template"] == "four" for c in t["cells"] if c["col"] == 0
    }
    assert cells[3]["text"] == body["text"]  # re-applied: the same cell, read the same
    [earlier] = client.get(f"/documents/{doc_id}").json()["earlier_corrections"]
    assert (
        earlier["outcome"],
        earlier["reading"],
        earlier["corrected_by"],
        earlier["read_text"],
        earlier["cell_id"],
    ) == ("reapplied", 1, "审核员 Li", upheld["text"], cells[3]["id"])
    trail = client.get(f"/cells/{cells[3]['id']}").json()["corrections"]
    assert [(h["old_text"], h["new_text"], h["corrected_by"], h["reapplied_from_id"]) for h in trail] == [
        (upheld["text"], body["text"], "审核员 Li", earlier["id"])
    ]
    assert 'tablescan_job_duration_seconds_count{kind="page"} 2' in client.get("/metrics").text


def test_list_filters_paging_and_counts(make_settings, empty_queue_after):
    settings = make_settings()
    ids = seed_document(settings)
    empty_queue_after(settings)
    with sessions(settings.database_url).begin() as s:
        s.add(
            Document(
                filename="其他.pdf",
                stored_path="originals/x.pdf",
                sha256="1" * 64,
                size=1,
                source="http",
                collection="box-2",
                status="queued",
                kind="budget",
            )
        )
    client = TestClient(create_app(settings))

    def found(**q):
        r = client.get("/documents", params=q)
        assert r.status_code == 200, r.text
        return [d["id"] for d in r.json()["documents"]]

    doc = ids["document"]
    assert found() == [doc + 1, doc]  # newest first
    assert found(q="复议") == [doc] and found(q="合计") == [doc]  # page text, cell text
    assert found(q="其他") == [doc + 1]  # file name
    assert found(q="100%") == [] and found(q="_") == []  # LIKE wildcards are literal
    assert found(issuing_body="东风区") == [doc] and found(year=2024) == [doc] and found(year=2023) == []
    assert found(has_errors=True) == [doc] and found(has_errors=False) == [doc + 1]
    assert found(collection="box-2") == [doc + 1] and found(ids=f"{doc},999") == [doc]
    assert found(kind="budget") == [doc + 1] and found(kind="final_account") == []
    assert client.get("/documents", params={"kind": "novel"}).status_code == 422
    r = client.get("/documents", params={"status": "done", "limit": 1, "offset": 0})
    assert r.json()["total"] == 1 and r.json()["counts"] == {
        "queued": 1,
        "running": 0,
        "done": 1,
        "done_with_errors": 0,
        "failed": 0,
    }
    assert r.headers["Retry-After"] == "2"  # something is queued
    assert client.get("/documents", params={"limit": 1, "offset": 1}).json()["documents"][0]["id"] == doc
    summary = next(d for d in client.get("/documents").json()["documents"] if d["id"] == doc)
    assert (summary["errors"], summary["report_year"], summary["created_at"][-6:]) == (1, 2024, "+00:00")


def test_overlay_marks_failing_and_review_cells(seeded):
    settings, ids = seeded
    client = TestClient(create_app(settings))
    image = png(client.get(f"/documents/{ids['document']}/pages/1.png?overlay=1").content)
    b, g, r = (int(v) for v in image[150, 40])  # inside the cell of the failed check
    assert r > g + 30 and abs(g - b) < 20, (b, g, r)
    b, g, r = (int(v) for v in image[150, 260])  # inside the cell waiting for review
    assert r > b + 50 and g > b + 25, (b, g, r)
    b, g, r = (int(v) for v in image[60, 150])  # an ordinary cell stays white inside
    assert min(b, g, r) > 240
    assert (png(client.get(f"/documents/{ids['document']}/pages/1.png").content) == 255).all()
    crop = png(client.get(f"/cells/{ids['review']}/image.png").content)
    assert crop.shape[:2] == (100 + 24, 130 + 24)


def test_document_exports_keep_merged_cells(seeded):
    settings, ids = seeded
    client = TestClient(create_app(settings))
    book = load_workbook(io.BytesIO(client.get(f"/documents/{ids['document']}/export.xlsx").content))
    table = book.worksheets[0]
    assert [str(r) for r in table.merged_cells.ranges] == ["A1:B1"]
    assert (table["A1"].value, table["A2"].value, table["B2"].value) == ("合计", 3, 5)
    assert table["B2"].fill.fgColor.rgb.endswith("FFF2CC")  # to review: shaded
    html = client.get(f"/documents/{ids['document']}/export.html")
    assert html.headers["content-type"].startswith("text/html") and " colspan=2" in html.text
    with sessions(settings.database_url).begin() as s:  # a folder name a worksheet cannot hold as is
        s.get(Document, ids["document"]).collection = "box\x10-1"
    batch = load_workbook(io.BytesIO(client.get("/exports/reports.xlsx").content))["reports"]
    assert batch["C2"].value == "box-1"
    rows = csv_rows(client.get(f"/documents/{ids['document']}/export.csv").content)
    assert [(r["row"], r["col"], r["col_span"], r["text"]) for r in rows] == [
        ("0", "0", "2", "合计"),
        ("1", "0", "1", "3"),
        ("1", "1", "1", "5"),
    ]


def test_metrics_from_the_record_and_redis(seeded):
    settings, ids = seeded
    now = utcnow()
    with sessions(settings.database_url).begin() as s:
        for kind, seconds, ago in [("page", 3, 1), ("page", 40, 2), ("page", 4, 30), ("document", 0.5, 1)]:
            s.add(
                Attempt(
                    document_id=ids["document"],
                    job_id=f"{kind}-{seconds}",
                    kind=kind,
                    outcome="ok",
                    started_at=now - timedelta(minutes=ago, seconds=seconds),
                    finished_at=now - timedelta(minutes=ago),
                )
            )
        s.add(Attempt(document_id=ids["document"], job_id="running", kind="page"))  # not finished: not counted
    r = TestClient(create_app(settings)).get("/metrics")
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = set(r.text.splitlines())
    assert {
        'tablescan_documents{status="done"} 1',
        'tablescan_documents{status="failed"} 0',
        "tablescan_pages_per_minute 0.2",
        f'tablescan_queue_depth{{queue="{settings.queue_name}"}} 0',
        'tablescan_workers{state="busy"} 0',
        "tablescan_redis_up 1",
        'tablescan_job_duration_seconds_bucket{kind="page",le="5"} 2',
        'tablescan_job_duration_seconds_bucket{kind="page",le="60"} 3',
        'tablescan_job_duration_seconds_bucket{kind="page",le="+Inf"} 3',
        'tablescan_job_duration_seconds_count{kind="document"} 1',
        'tablescan_job_runs_total{kind="page",outcome="running"} 1',
    } <= lines
    total = next(float(x.split()[-1]) for x in lines if x.startswith('tablescan_job_duration_seconds_sum{kind="page"}'))
    assert total == pytest.approx(47, abs=0.01)


def test_reprocess_resets_the_document_and_queues_it(make_settings, redis, empty_queue_after):
    settings = make_settings(api_token="s3cret")
    ids = seed_document(settings)
    empty_queue_after(settings)
    app = create_app(settings)
    client, anonymous = TestClient(app, headers=TOKEN), TestClient(app)
    doc = ids["document"]
    with sessions(settings.database_url).begin() as s:
        s.add(Attempt(document_id=doc, job_id="page-x", kind="page", outcome="ok", finished_at=utcnow()))
    assert anonymous.post(f"/documents/{doc}/reprocess").status_code == 401
    assert client.post("/documents/999/reprocess", headers=TOKEN).status_code == 404
    r = client.post(f"/documents/{doc}/reprocess", headers=TOKEN)
    assert r.status_code == 202 and r.json() == {"id": doc, "status": "queued", "status_url": f"/documents/{doc}"}
    assert [document_of(j) for j in queue_for(settings, redis).job_ids] == [doc]
    with sessions(settings.database_url)() as s:
        d = s.get(Document, doc)
        assert (d.status, d.page_count, d.pages_done, d.report_year, d.finished_at) == ("queued", None, 0, None, None)
        assert s.scalars(select(Page).where(Page.document_id == doc)).all() == []
        assert not d.validation_errors and not d.figures and len(d.attempts) == 1
    assert not (settings.storage_root / "pages" / str(doc)).exists()
    assert client.post(f"/documents/{doc}/reprocess", headers=TOKEN).status_code == 409  # queued already
    assert client.get("/review").json() == {"cells": []}


def test_malformed_requests_get_4xx_and_never_internals(make_settings, empty_queue_after):
    settings = make_settings(api_token="s3cret", upload_max_bytes=10_000)
    ids = seed_document(settings)
    empty_queue_after(settings)
    client = TestClient(create_app(settings), raise_server_exceptions=False, headers=TOKEN)
    cell = f"/cells/{ids['review']}"
    answers = [
        client.patch(cell, content=b"{not json", headers={**TOKEN, "Content-Type": "application/json"}),
        client.patch(cell, json={"text": "5"}, headers=TOKEN),
        client.patch(cell, json={"text": "5", "by": "   "}, headers=TOKEN),
        client.patch(cell, json={"text": "5\x00", "by": "Li"}, headers=TOKEN),
        client.patch(cell, json={"text": "5" * 5000, "by": "Li"}, headers=TOKEN),
        client.patch(cell, json={"text": "5", "by": "L" * 200}, headers=TOKEN),
        client.patch(cell, json=["text"], headers=TOKEN),
        client.post("/documents", data={"files": "not a file"}, headers=TOKEN),
        client.post("/documents", headers=TOKEN),
        client.post(
            "/documents?collection=" + "x" * 600,
            headers=TOKEN,
            files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))],
        ),
        client.get("/documents/0"),
        client.get("/documents/99999999999"),
        client.get("/documents/abc"),
        client.get("/documents?limit=0"),
        client.get("/documents?ids=1;2"),
        client.get("/documents?year=abc"),
        client.get("/documents?q=%00"),
        client.get("/documents?has_errors=perhaps"),
        client.get(f"/documents/{ids['document']}/pages/0.png"),
        client.get("/review?document_id=-1"),
    ]
    assert [a.status_code for a in answers] == [422] * len(answers)
    missing = [
        client.patch("/cells/999", json={"text": "5", "by": "Li"}, headers=TOKEN),
        client.get(f"/documents/{ids['document']}/pages/2.png"),
        client.get("/cells/999/image.png"),
        client.get(f"/documents/{ids['document']}/export.exe"),
        client.get("/exports/reports.pdf"),
        client.get("/documents/999/export.json"),
    ]
    assert [a.status_code for a in missing] == [404] * len(missing)
    for a in answers + missing:
        assert str(settings.storage_root) not in a.text and "Traceback" not in a.text and "/tmp" not in a.text
        assert "not a file" not in a.text  # inputs are not echoed back
    assert answers[0].json()["detail"][0]["loc"] == ["body", "1"]

    with sessions(settings.database_url).begin() as s:
        s.get(Document, ids["document"]).status = "running"
    r = client.patch(cell, json={"text": "5", "by": "Li"}, headers=TOKEN)
    assert r.status_code == 409 and "running" in r.json()["detail"]
    assert client.post(f"/documents/{ids['document']}/reprocess", headers=TOKEN).status_code == 409


def test_corrections_that_cannot_be_kept_exactly_are_refused_with_a_reason(seeded):
    settings, ids = seeded
    client = TestClient(create_app(settings))
    url = f"/cells/{ids['failing']}"
    for text, reason in [
        ("1" * 400, "more than 15 digits"),
        ("NaN", "not a number"),
        ("-inf", "not a number"),
        ("1e309", "exponent"),
        ("Infinity", "not a number"),
    ]:
        r = client.patch(url, json={"text": text, "by": "王芳"})
        assert r.status_code == 422 and reason in r.text, (text, r.status_code, r.text)
    assert client.get(url).json()["corrections"] == []  # nothing stored
    for text in ["1,234,567.5", "-3", "行政许可", "8"]:
        assert client.patch(url, json={"text": text, "by": "王芳"}).status_code == 200, text
