"""The HTTP side: upload answers 202 with ids and a Location, tokens, size limits, no leaked internals."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from schemas.database import sessions, upgrade
from schemas.models import Document
from web.app import create_app
from worker.queue import document_of, queue_for


@pytest.fixture
def settings(make_settings):
    s = make_settings(api_token="s3cret", upload_max_bytes=10_000)
    upgrade(s.database_url)
    return s


def test_upload_records_commits_and_queues(settings, redis):
    client = TestClient(create_app(settings))
    files = [
        ("files", ("../../etc/passwd report.pdf", b"%PDF-1.4 tiny", "application/pdf")),
        ("files", ("第二份.png", b"\x89PNG fake", "image/png")),
    ]
    r = client.post("/documents?collection=box-3", files=files, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 202
    ids = r.json()["ids"]
    assert len(ids) == 2 and r.headers["Location"].startswith("/documents")
    with sessions(settings.database_url)() as s:
        docs = s.scalars(select(Document).order_by(Document.id)).all()
    assert [d.filename for d in docs] == ["passwd report.pdf", "第二份.png"]
    assert all(d.source == "http" and d.collection == "box-3" and d.status == "queued" for d in docs)
    assert all(".." not in d.stored_path and d.stored_path.startswith("originals/") for d in docs)
    assert sorted(document_of(j) for j in queue_for(settings, redis).job_ids) == sorted(ids)
    status = client.get(f"/documents/{ids[0]}", headers={"Authorization": "Bearer s3cret"})
    assert status.json()["status"] == "queued" and status.headers["Retry-After"]


def test_upload_needs_the_token(settings):
    client = TestClient(create_app(settings))
    r = client.post("/documents", files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))])
    assert r.status_code == 401
    r = client.post(
        "/documents",
        files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))],
        headers={"Authorization": "Bearer wrong"},
    )
    assert r.status_code == 401


def test_an_upload_with_one_file_over_the_limit_keeps_none_and_says_which(settings):
    client = TestClient(create_app(settings))
    files = [
        ("files", ("small.pdf", b"%PDF-1.4 small", "application/pdf")),
        ("files", ("big.pdf", b"%PDF" + b"0" * 20_000, "application/pdf")),
        ("files", ("after.pdf", b"%PDF-1.4 after", "application/pdf")),
    ]
    r = client.post("/documents", files=files, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 413
    assert r.json()["detail"]["too_large"] == ["big.pdf"] and r.json()["detail"]["kept"] == []
    assert "none of the 3 files was kept" in r.json()["detail"]["message"]
    with sessions(settings.database_url)() as s:
        assert s.scalar(select(Document)) is None
    assert not list((settings.storage_root / "originals").glob("*"))


def test_unknown_document_and_format(settings):
    client = TestClient(create_app(settings), headers={"Authorization": "Bearer s3cret"})
    assert client.get("/documents/999").status_code == 404
    assert client.get("/documents/999/export.json").status_code == 404
    assert client.get("/documents/1/export.exe").status_code == 404
    assert client.get("/documents?status=bogus").status_code == 422


def test_health_reports_database_and_redis(settings):
    r = TestClient(create_app(settings)).get("/healthz")
    assert r.status_code == 200 and r.json()["database"] == "ok" and r.json()["redis"] == "ok"
