"""The dashboard in headless Chromium, against the real app (uvicorn), Redis, SQLite and a real worker
process: upload a forged scan through the page, watch it reach done, open it, correct a cell so a check of
table 四 fails, see the error list show the re-run, confirm a cell in the review queue from the keyboard,
download the XLSX and the archive PDF/A (its text layer holds the correction), mark the document reviewed
and see the accuracy figures and chart change. Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1."""

import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from openpyxl import load_workbook
from pikepdf.pdfa import validate_written
from PIL import Image

from schemas.database import upgrade
from tests.pdftext import pdf_text, pdf_words, px_to_pt, squeezed, text_inside
from tests.web.conftest import CHROMIUM, worker_env
from web.app import create_app

# UPDATE_SCREENSHOTS=1 writes them into docs/screenshots/; otherwise a test run leaves the tree clean
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "tablescan-screenshots"
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="the browser test needs Debian's chromium at /usr/bin/chromium (apt-get install chromium chromium-driver)",
)


def screenshot(page, name: str) -> None:
    """A screenshot for docs/screenshots/, reduced to 256 colours so it stays small in the repository."""
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def service(make_settings):
    """The app on a free port in a thread, and one worker process on the test's queue."""
    settings = make_settings(tables_only=True)
    upgrade(settings.database_url)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tablescan.cli", "worker"],
        env=worker_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
        server.should_exit = True
        thread.join(10)


def test_upload_watch_correct_and_download(service, browser, forged_scan, tmp_path):
    not_a_scan = tmp_path / "notes.pdf"
    not_a_scan.write_text("not a pdf at all")
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    page.goto(service + "/")
    assert page.locator("[data-nav=list]").inner_text() == "文档"  # Chinese by default

    page.set_input_files("#file-input", [str(forged_scan), str(not_a_scan)])
    page.wait_for_selector("#upload-msg:has-text('已上传 2 个文件')")
    page.wait_for_selector('tr[data-id="2"][data-status="failed"]', timeout=60_000)
    page.wait_for_selector('tr[data-id="1"][data-status="done"]', timeout=120_000)
    assert page.locator('[data-count="all"] b').inner_text() == "2"
    assert page.locator('tr[data-id="1"] .progress-cell small').inner_text() == "1/1"
    screenshot(page, "list.png")

    # the search reaches the cells' text; the filter keeps only the failed file
    page.fill("#search", "维持")
    page.wait_for_function("() => document.querySelectorAll('#doc-rows tr[data-id]').length === 1")
    assert page.locator("#doc-rows tr[data-id]").get_attribute("data-id") == "1"
    page.fill("#search", "")

    page.click('tr[data-id="1"] td.file a')
    page.wait_for_selector("svg.overlay rect.cell")
    export = json.loads(page.evaluate("fetch('/documents/1/export.json').then(r => r.text())"))
    four = next(t for p in export["pages"] for t in p["tables"] if t["template"] == "four")
    upheld = next(c for c in four["cells"] if c["row"] == 3 and c["col"] == 0)  # 行政复议 结果维持
    assert [e["rule"] for e in export["validation_errors"]] == ["structure.three"]

    page.click(f'rect[data-cell="{upheld["id"]}"]')
    assert page.locator("#cell-raw").inner_text() == (upheld["raw_text"] or "∅")
    page.fill("#cell-text", str(int(upheld["text"]) + 5))
    page.fill("#cell-by", "审核员 Li")
    page.evaluate("window.pageImage = document.querySelector('.sheet img')")
    page.click("#cell-save")
    failed = page.wait_for_selector('#checks li[data-rule="review_litigation_total.review"]')
    assert page.evaluate("document.querySelector('.sheet img') === window.pageImage")  # updated in place
    cell_in_table = page.locator(f'details.grid td[data-cell="{upheld["id"]}"]')
    assert cell_in_table.inner_text() == str(int(upheld["text"]) + 5)
    assert page.locator("#cell-current").inner_text() == str(int(upheld["text"]) + 5)
    failed.query_selector(f'a[data-goto="{upheld["id"]}"]').click()  # the error links to its cell
    assert "failing" in page.locator(f'rect[data-cell="{upheld["id"]}"]').get_attribute("class")
    page.wait_for_selector("#cell-history li")  # who and when, kept
    page.set_viewport_size({"width": 1440, "height": 1250})
    page.evaluate("window.scrollTo(0, 0); document.getElementById('toast').hidden = true")
    screenshot(page, "document.png")
    page.set_viewport_size({"width": 1440, "height": 1000})

    with page.expect_download() as download:
        page.click('a[data-export="xlsx"]')
    xlsx = tmp_path / "document-1.xlsx"
    download.value.save_as(xlsx)
    book = load_workbook(xlsx)
    assert "validation" in book.sheetnames
    assert any(ws.merged_cells.ranges for ws in book.worksheets)  # merged cells stay merged

    # the archive copy: a searchable PDF/A with the correction in the cell's place in its text layer
    with page.expect_download() as download:
        page.click("#archive-pdf")
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert archive.name == "document-1-pdfa.pdf" and validate_written(archive, "2b").passed
    box = px_to_pt(upheld["bbox"], export["pages"][0]["dpi"])
    assert squeezed(text_inside(pdf_words(archive), 1, box)) == str(int(upheld["text"]) + 5)
    assert "维持" in pdf_text(archive)

    # the review queue: the cell of the failed check first; Enter confirms it and moves on
    page.click("[data-nav=review]")
    page.wait_for_selector("#review-rows input.fix")
    first = page.locator("#review-rows tr").first
    assert first.get_attribute("data-cell") == str(upheld["id"])
    assert page.evaluate("document.activeElement.dataset.cell") == str(upheld["id"])
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.type(upheld["text"])  # the focused input's text is selected: typing replaces it
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#review-rows tr.saved[data-cell="{upheld["id"]}"]')
    if page.locator("#review-rows input.fix").count() > 1:
        assert page.evaluate("document.activeElement.dataset.cell") != str(upheld["id"])
    page.evaluate("document.getElementById('toast').hidden = true")
    screenshot(page, "review.png")

    # the check runs again and passes; the language toggle turns the interface English
    page.goto(service + "/#/doc/1")
    page.wait_for_selector("#checks li[data-rule]")
    assert page.locator('#checks li[data-rule="review_litigation_total.review"]').count() == 0
    page.click("#lang-button")
    assert page.locator("[data-nav=list]").inner_text() == "Documents"
    page.wait_for_selector("#checks h3:has-text('Validation errors')")

    # accuracy from the corrections: nothing counts until the document is marked reviewed
    page.click("[data-nav=accuracy]")
    page.wait_for_selector("#acc-documents")
    assert page.inner_text("#acc-documents b") == "0"
    assert page.locator("#reliability rect.bar").count() == 0
    page.goto(service + "/#/doc/1")
    corrected = next(c for c in four["cells"] if c["row"] == 3 and c["col"] == 1)  # 行政复议 结果纠正
    page.click(f'rect[data-cell="{corrected["id"]}"]')
    page.fill("#cell-text", str(int(corrected["text"]) + 1))
    page.click("#cell-save")
    page.wait_for_selector(f'details.grid td[data-cell="{corrected["id"]}"]:has-text("{int(corrected["text"]) + 1}")')
    page.click("#mark-reviewed")
    page.wait_for_selector("#reviewed-line")
    page.click("[data-nav=accuracy]")
    page.wait_for_selector("#reliability rect.bar")
    assert page.inner_text("#acc-documents b") == "1"
    assert page.inner_text("#acc-changed-value b") != "0.00%"  # the corrections made above
    assert page.locator("#reliability rect.bar").count() >= 1
    assert page.inner_text("#acc-threshold") != "—"
    page.evaluate("document.getElementById('toast').hidden = true")
    screenshot(page, "accuracy.png")
    assert not script_errors


def test_reprocess_keeps_the_corrections_beside_the_new_reading(service, browser, forged_scan):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    page.on("dialog", lambda dialog: dialog.accept())  # "recognise again?": yes
    page.goto(service + "/")
    page.set_input_files("#file-input", [str(forged_scan)])
    page.wait_for_selector('tr[data-id="1"][data-status="done"]', timeout=120_000)
    page.goto(service + "/#/doc/1")
    page.wait_for_selector("svg.overlay rect.cell")
    export = json.loads(page.evaluate("fetch('/documents/1/export.json').then(r => r.text())"))
    four = next(t for p in export["pages"] for t in p["tables"] if t["template"] == "four")
    upheld = next(c for c in four["cells"] if c["row"] == 3 and c["col"] == 0)
    fixed = str(int(upheld["text"]) + 5)
    page.click(f'rect[data-cell="{upheld["id"]}"]')
    page.fill("#cell-text", fixed)
    page.fill("#cell-by", "审核员 Li")
    page.click("#cell-save")
    page.wait_for_selector("#cell-history li")
    assert page.locator("#earlier").is_hidden()  # one reading so far

    page.click("#reprocess")
    page.wait_for_selector('#earlier li[data-outcome="reapplied"]', timeout=180_000)
    item = page.locator("#earlier li").first
    assert "已重新应用" in item.inner_text() and "审核员 Li" in item.inner_text() and fixed in item.inner_text()
    new_cell = item.locator("a[data-goto]").get_attribute("data-goto")  # the new reading's cell there
    item.locator("a[data-goto]").click()
    page.wait_for_selector('#cell-history li[data-reapplied-from]:not([data-reapplied-from=""])')
    assert page.locator("#cell-current").inner_text() == fixed
    assert page.locator(f'details.grid td[data-cell="{new_cell}"]').inner_text() == fixed
    assert "已重新应用" in page.locator("#cell-earlier").inner_text()
    page.evaluate("document.getElementById('toast').hidden = true")
    screenshot(page, "reprocessed.png")
    assert not script_errors
