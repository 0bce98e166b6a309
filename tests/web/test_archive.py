"""GET /documents/{id}/archive.pdf and `tablescan export --format pdf` on a small document written straight
into the record: the copy carries each cell's text at its box, a reviewer's correction in place of the OCR
text, and is refused while a document is under way, or to anyone not signed in once auth is configured."""

import subprocess
import sys

from fastapi.testclient import TestClient
from pikepdf.pdfa import validate_written

from schemas.database import sessions
from schemas.models import Document
from tests.pdftext import pdf_words, px_to_pt, squeezed, text_inside
from tests.web.conftest import cli, seed_document, worker_env
from web.app import create_app

DPI = 100  # the seeded page's


def cell_text(pdf, bbox) -> str:
    return squeezed(text_inside(pdf_words(pdf), 1, px_to_pt(bbox, DPI)))


def test_archive_copy_over_http_carries_corrections(seeded, tmp_path):
    settings, ids = seeded
    client = TestClient(create_app(settings))
    r = client.get(f"/documents/{ids['document']}/archive.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    pdf = tmp_path / "before.pdf"
    pdf.write_bytes(r.content)
    assert validate_written(pdf, "2b").passed
    assert cell_text(pdf, [20, 20, 280, 100]) == "合计"
    assert cell_text(pdf, [150, 100, 280, 200]) == "5"  # as read, before anyone looked at it

    fixed = client.patch(f"/cells/{ids['review']}", json={"text": "12", "by": "审核员 Li"})
    assert fixed.status_code == 200, fixed.text
    pdf = tmp_path / "after.pdf"
    pdf.write_bytes(client.get(f"/documents/{ids['document']}/archive.pdf").content)
    assert cell_text(pdf, [150, 100, 280, 200]) == "12"  # the correction, not the OCR text
    assert cell_text(pdf, [20, 100, 150, 200]) == "3"


def test_no_archive_copy_of_a_document_under_way_or_unknown(seeded):
    settings, ids = seeded
    with sessions(settings.database_url).begin() as s:
        s.get(Document, ids["document"]).status = "running"
    client = TestClient(create_app(settings))
    r = client.get(f"/documents/{ids['document']}/archive.pdf")
    assert r.status_code == 409 and "running" in r.json()["detail"]
    assert client.get("/documents/999/archive.pdf").status_code == 404


def test_with_auth_configured_the_archive_copy_needs_a_viewer(make_settings, tmp_path):
    settings = make_settings(api_token="s3cret")
    ids = seed_document(settings)
    password = tmp_path / "password"
    password.write_text("correct horse battery")
    assert cli(settings, "user", "add", "ann", "--role", "viewer", "--password-file", str(password)).returncode == 0
    token = cli(settings, "user", "token", "ann").stdout.strip()
    client = TestClient(create_app(settings))
    url = f"/documents/{ids['document']}/archive.pdf"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Cookie": "tablescan_session=forged"}):
        refused = client.get(url, headers=headers)
        assert refused.status_code == 401, headers
        assert b"%PDF" not in refused.content and "合计" not in refused.text
    r = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "viewer.pdf"
    pdf.write_bytes(r.content)
    assert cell_text(pdf, [20, 20, 280, 100]) == "合计"


def test_export_format_pdf_from_the_command_line(seeded, tmp_path):
    settings, ids = seeded
    out = tmp_path / "copy.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", "export", str(ids["document"]), "--format", "pdf", "-o", str(out)],
        env=worker_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert validate_written(out, "2b").passed
    assert cell_text(out, [20, 20, 280, 100]) == "合计"
    missing = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", "export", "999", "--format", "pdf"],
        env=worker_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and "no document 999" in missing.stderr
