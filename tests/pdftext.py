"""Text read back out of a PDF with poppler's pdftotext, as a person's tools would: the text in reading
order, and each word with its box (`pdftotext -bbox`), for the tests of the archive copy."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass
class PdfWord:
    page: int  # 1-based
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in points, from the page's top left
    text: str


def pdf_text(pdf: Path, page: int | None = None) -> str:
    """pdftotext's text (its own reading order), of one page or all."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_words(pdf: Path) -> list[PdfWord]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        PdfWord(n, tuple(float(v) for v in m.groups()[:4]), html.unescape(m.group(5)))
        for n, page in enumerate(_PAGE.finditer(out), start=1)
        for m in _WORD.finditer(page.group(3))
    ]


def text_inside(words: list[PdfWord], page: int, box: tuple[float, float, float, float]) -> str:
    """The words of a page that lie inside `box` (points), top to bottom and left to right, joined."""
    x0, y0, x1, y1 = box
    inside = [
        w
        for w in words
        if w.page == page
        and x0 - 0.5 <= w.box[0]
        and w.box[2] <= x1 + 0.5
        and y0 - 0.5 <= w.box[1]
        and w.box[3] <= y1 + 0.5
    ]
    return "".join(w.text for w in sorted(inside, key=lambda w: (round(w.box[1]), w.box[0])))


def px_to_pt(box, dpi: int) -> tuple[float, float, float, float]:
    return tuple(v * 72.0 / dpi for v in box)


def squeezed(text: str) -> str:
    """Text without any white space: Chinese is written without spaces, and extractors differ in where
    they put them."""
    return re.sub(r"\s+", "", text)
