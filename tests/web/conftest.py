"""What the web tests share: settings as a worker's environment, a real worker run, and a small
document written straight into the record (for tests that need cells but not recognition)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image

from schemas.database import sessions, upgrade
from schemas.models import Cell, Document, Page, Table, ValidationError
from tests.waiting import wait_for
from worker.settings import Settings
from worker.storage import Storage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def worker_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.as_env()}


def run_worker_burst(settings: Settings) -> None:
    """A real RQ worker process that works the test's queue empty and exits."""
    run = subprocess.run(
        [sys.executable, "-m", "tablescan.cli", "worker", "--burst"],
        env=worker_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]


def seed_document(settings: Settings) -> dict:
    """A finished one-page document with a 2×2 table (one merged header, one cell to review), its page
    image and a failed check on one cell. Returns the ids."""
    upgrade(settings.database_url)
    storage = Storage(settings.storage_root)
    with sessions(settings.database_url).begin() as s:
        doc = Document(
            filename="seed.pdf",
            stored_path="originals/seed.pdf",
            sha256="0" * 64,
            size=1,
            source="cli",
            collection="box-1",
            status="done",
            page_count=1,
            pages_done=1,
            report_year=2024,
            issuing_body="东风区人民政府办公室",
        )
        s.add(doc)
        s.flush()
        image = io.BytesIO()
        Image.new("RGB", (300, 400), "white").save(image, "PNG")
        page = Page(
            document_id=doc.id,
            number=1,
            dpi=100,
            width=300,
            height=400,
            text="行政复议 3 件",
            image_path=storage.put_page_image(doc.id, 1, image.getvalue()),
        )
        table = Table(index=0, bbox=[20, 20, 280, 200], n_rows=2, n_cols=2, confidence=0.9, template="four")
        table.cells = [
            Cell(
                row=0,
                col=0,
                col_span=2,
                kind="header",
                raw_text="合 计",
                text="合计",
                confidence=0.95,
                bbox=[20, 20, 280, 100],
            ),
            Cell(row=1, col=0, kind="value", raw_text="3", text="3", confidence=0.97, bbox=[20, 100, 150, 200]),
            Cell(
                row=1,
                col=1,
                kind="value",
                raw_text="5?",
                text="5",
                confidence=0.41,
                bbox=[150, 100, 280, 200],
                needs_review=True,
            ),
        ]
        page.tables.append(table)
        s.add(page)
        s.flush()
        failing = table.cells[1]
        s.add(
            ValidationError(
                document_id=doc.id,
                rule="review.total",
                severity="error",
                status="FAIL",
                message="合计不符",
                message_en="total differs",
                expected="8",
                found="3",
                cell_ids=[{"figure": "review.total", "page": 1, "index": 0, "row": 1, "col": 0, "cell_id": failing.id}],
            )
        )
        return {"document": doc.id, "failing": failing.id, "review": table.cells[2].id, "header": table.cells[0].id}


@pytest.fixture
def seeded(make_settings):
    settings = make_settings()
    return settings, seed_document(settings)


def cli(settings: Settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """A `tablescan` command with the test's settings, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "tablescan.cli", *args],
        env=worker_env(settings),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Served:
    """`tablescan serve` as its own process on a free loopback port."""

    def __init__(self, settings: Settings, *args: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tablescan.cli", "serve", "--api-port", str(self.port), *args],
            env=worker_env(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(self._answers, 60, "tablescan serve to answer /healthz")

    def _answers(self) -> bool:
        assert self.proc.poll() is None, f"tablescan serve exited: {self.proc.stderr.read()[-2000:]}"
        try:
            return httpx.get(self.url + "/healthz", timeout=2).status_code in (200, 503)
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def serve():
    """serve(settings, *flags) starts `tablescan serve`; every one started is stopped after the test."""
    started: list[Served] = []

    def start(settings: Settings, *args: str) -> Served:
        upgrade(settings.database_url)
        started.append(Served(settings, *args))
        return started[-1]

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def browser():
    """Debian's Chromium, headless, through Playwright."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
