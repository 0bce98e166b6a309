"""The archive copy, end to end: a forged report goes through `tablescan process --archive-pdf` (real
Tesseract, a real process) and comes back as a PDF/A-2b that a validator passes, whose text pdftotext reads
in the order it was printed, with every table cell's text inside that cell's box."""

import hashlib
import json
import random
import re
import subprocess
import sys

import pikepdf
import pytest
from pikepdf.pdfa import validate_written

from tests.forge import PROFILES, DocSpec, forge
from tests.pdftext import pdf_text, pdf_words, px_to_pt, squeezed, text_inside

pytestmark = pytest.mark.ocr
BODY = "东风区人民政府办公室"


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """A two-page 2025 report (body text and table 四, clean scan) processed with --archive-pdf."""
    work = tmp_path_factory.mktemp("archive")
    forge(
        work,
        DocSpec(name="report", profile=PROFILES["clean"], tables=("four",), issuing_body=BODY, year=2025),
        random.Random(7),
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tablescan.cli",
            "process",
            str(work / "report.pdf"),
            "--out",
            str(work / "out"),
            "--archive-pdf",
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return {
        "scan": work / "report.pdf",
        "pdf": work / "out" / "report.pdf",
        "export": json.loads((work / "out" / "report.json").read_text()),
        "truth": json.loads((work / "report.truth.json").read_text()),
    }


def test_the_archive_copy_is_valid_pdfa_2b_and_says_what_it_is(archived):
    pdf = archived["pdf"]
    report = validate_written(pdf, "2b")
    assert report.passed, report.summary()
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    with pikepdf.open(pdf) as doc:
        xmp = doc.open_metadata()
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("2", "B")
        assert xmp["dc:title"] == f"{BODY}2025年政府信息公开工作年度报告"
        assert xmp["dc:creator"] == [BODY]
        assert xmp["dc:coverage"] == "2025"
        assert xmp["dc:identifier"] == "sha256:" + hashlib.sha256(archived["scan"].read_bytes()).hexdigest()
        assert xmp["dc:source"] == "report.pdf"
        assert str(doc.docinfo["/Title"]) == xmp["dc:title"]
        assert len(doc.pages) == len(archived["truth"]["pages"])
    assert archived["export"]["timings"]["archive"] > 0


def test_pdftotext_gives_the_printed_lines_back_in_order(archived):
    pdf, truth = archived["pdf"], archived["truth"]
    for page in truth["pages"]:
        text = squeezed(pdf_text(pdf, int(page["number"])))
        at = 0
        for line in page["text"]:
            if not re.search(r"[\w\u3400-\u9fff]", line):
                continue  # a full stop wrapped onto a line of its own is no line of print
            found = text.find(squeezed(line), at)
            assert found >= 0, f"page {page['number']}: {line!r} not after {text[max(0, at - 20) : at]!r}"
            at = found + len(squeezed(line))
    assert "公开" in pdf_text(pdf)  # Chinese comes out as characters, not as glyph codes


def test_every_cell_text_lies_inside_its_cell(archived):
    words = pdf_words(archived["pdf"])
    cells = [(p, c) for p in archived["export"]["pages"] for t in p["tables"] for c in t["cells"] if c["text"]]
    assert len(cells) > 20
    for page, cell in cells:
        box = px_to_pt(cell["bbox"], page["dpi"])
        assert squeezed(text_inside(words, page["number"], box)) == squeezed(cell["text"]), (page["number"], cell)
