"""Turn a stored scan (PDF, TIFF, PNG, JPEG) into page images, refusing what cannot or should not be read.

Poppler (through pdf2image) renders PDFs; Pillow reads image scans. Every external call has a timeout and
takes its arguments as a list, never through a shell.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdf2image
from pdf2image import exceptions as pdf_errors
from PIL import Image

POPPLER_TIMEOUT_SECONDS = 120
MAGIC = {b"%PDF-": "pdf", b"II*\x00": "tiff", b"MM\x00*": "tiff", b"\x89PNG": "png", b"\xff\xd8\xff": "jpeg"}


class UnreadableDocument(Exception):
    """The file cannot be processed; the message is one line a person can act on. Never retried."""


@dataclass(frozen=True)
class Limits:
    max_pages: int = 2000
    max_pixels: int = 200_000_000     # per page at the chosen dpi, checked before decoding


@dataclass(frozen=True)
class DocumentInfo:
    kind: str                         # pdf | tiff | png | jpeg
    page_count: int


def sniff(path: Path) -> str:
    """The file's type from its first bytes (the name's extension is not trusted)."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        raise UnreadableDocument("empty file (0 bytes)")
    for magic, kind in MAGIC.items():
        if head.startswith(magic) or (kind == "pdf" and magic in head):
            return kind
    raise UnreadableDocument("not a PDF, TIFF, PNG or JPEG file")


def _pdfinfo(path: Path, first: int | None = None, last: int | None = None) -> dict:
    try:
        return pdf2image.pdfinfo_from_path(str(path), first_page=first, last_page=last,
                                           timeout=POPPLER_TIMEOUT_SECONDS)
    except (pdf_errors.PDFPageCountError, pdf_errors.PDFSyntaxError, pdf_errors.PDFPopplerTimeoutError,
            ValueError) as e:
        if "password" in str(e).lower():
            raise UnreadableDocument("encrypted PDF: it needs a password") from None
        raise UnreadableDocument(f"damaged PDF: {_first_line(e)}") from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[-1][:200] if text else type(e).__name__


def inspect(path: Path, limits: Limits = Limits(), dpi: int = 300) -> DocumentInfo:
    """Check the file, count its pages and check every page's size at `dpi` against the pixel limit,
    all without decoding an image. Raises UnreadableDocument."""
    kind = sniff(path)
    if kind == "pdf":
        info = _pdfinfo(path)
        if str(info.get("Encrypted", "no")).startswith("yes"):
            raise UnreadableDocument("encrypted PDF: it needs a password")
        pages = int(info.get("Pages", 0))
    else:
        with _open_image(path) as img:
            pages = getattr(img, "n_frames", 1)
    if pages < 1:
        raise UnreadableDocument("the document has no pages")
    if pages > limits.max_pages:
        raise UnreadableDocument(f"{pages} pages is over the limit of {limits.max_pages} (MAX_PAGES)")
    if kind == "pdf":
        for key, value in _pdfinfo(path, 1, pages).items():
            m = re.fullmatch(r"Page\s+(\d+) size", key)
            size = re.search(r"([\d.]+) x ([\d.]+) pts", value) if m else None
            if size:
                _check_pixels(float(size[1]) / 72 * dpi, float(size[2]) / 72 * dpi, limits, int(m[1]))
    else:
        with _open_image(path) as img:
            for n in range(pages):
                img.seek(n)
                _check_pixels(img.width, img.height, limits, n + 1)
    return DocumentInfo(kind, pages)


def _open_image(path: Path) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, from the header, before decoding
    try:
        return Image.open(path)
    except Exception as e:  # Pillow raises many types for damaged files
        raise UnreadableDocument(f"damaged image: {_first_line(e)}") from None


def native_ppi(path: Path, number: int) -> int | None:
    """Resolution of the largest image on a PDF page (a scanner's page is one image), or None."""
    try:
        out = subprocess.run(["pdfimages", "-list", "-f", str(number), "-l", str(number), str(path)],
                             capture_output=True, text=True, timeout=POPPLER_TIMEOUT_SECONDS).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    best = None
    for line in out.splitlines()[2:]:
        f = line.split()
        if len(f) >= 14 and f[3].isdigit() and f[4].isdigit():
            area = int(f[3]) * int(f[4])
            if best is None or area > best[0]:
                best = (area, round(float(f[12])))
    return best[1] if best else None


def _check_pixels(width: float, height: float, limits: Limits, number: int) -> None:
    if width * height > limits.max_pixels:
        raise UnreadableDocument(f"page {number} is {int(width)}x{int(height)} px, over the limit of "
                                 f"{limits.max_pixels} pixels (MAX_PIXELS)")


def load_page(path: Path, number: int, dpi: int, limits: Limits = Limits()) -> tuple[np.ndarray, int]:
    """Page `number` (1-based) as uint8 gray (HxW) or RGB (HxWx3), and the dpi it was rendered at.

    A PDF page that is one scanned image is rendered at that image's own resolution when lower than
    `dpi` (upsampling a 200-dpi scan adds pixels, not detail)."""
    kind = sniff(path)
    if kind == "pdf":
        info = _pdfinfo(path, number, number)
        size = info.get("Page size") or ""
        m = re.search(r"([\d.]+) x ([\d.]+) pts", size)
        ppi = native_ppi(path, number)
        if ppi and 72 <= ppi < dpi:
            dpi = ppi
        if m:
            _check_pixels(float(m[1]) / 72 * dpi, float(m[2]) / 72 * dpi, limits, number)
        try:
            pages = pdf2image.convert_from_path(str(path), dpi=dpi, first_page=number, last_page=number,
                                                timeout=POPPLER_TIMEOUT_SECONDS)
        except pdf_errors.PDFPopplerTimeoutError:
            raise UnreadableDocument(f"page {number}: rendering took over {POPPLER_TIMEOUT_SECONDS} s") from None
        except (pdf_errors.PDFPageCountError, pdf_errors.PDFSyntaxError) as e:
            raise UnreadableDocument(f"page {number}: {_first_line(e)}") from None
        if not pages:
            raise UnreadableDocument(f"page {number} could not be rendered")
        return _array(pages[0]), dpi
    with _open_image(path) as img:
        try:
            img.seek(number - 1)  # reads this frame's header only
        except EOFError:
            raise UnreadableDocument(f"page {number} is missing from the image file") from None
        _check_pixels(img.width, img.height, limits, number)
        try:
            img.load()
        except Exception as e:
            raise UnreadableDocument(f"damaged image: {_first_line(e)}") from None
        xdpi = img.info.get("dpi", (dpi, dpi))[0]
        return _array(img), int(round(float(xdpi))) if xdpi and float(xdpi) >= 50 else dpi


def _array(img: Image.Image) -> np.ndarray:
    """uint8 gray, or RGB when the scan has colour (a red seal is easier to remove in colour)."""
    if img.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr", "LAB", "HSV"):
        rgb = np.asarray(img.convert("RGB"))
        if _is_gray(rgb):
            return np.ascontiguousarray(rgb[..., 0])
        return rgb
    return np.asarray(img.convert("L"))


def _is_gray(rgb: np.ndarray) -> bool:
    sample = rgb[::7, ::7].astype(np.int16)
    return int(np.abs(sample[..., 0] - sample[..., 1]).max(initial=0)) < 12 and \
        int(np.abs(sample[..., 1] - sample[..., 2]).max(initial=0)) < 12
