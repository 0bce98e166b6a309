"""Turn a stored scan (PDF, TIFF, PNG, JPEG) into page images, refusing what cannot or should not be read.

A PDF page that is nothing but one scanned image is read straight out of the file (pikepdf): the
scanner's own pixels, decoded in milliseconds. Any other PDF page is rendered by Poppler (through
pdf2image). Pillow reads image scans. Every external call has a timeout and takes its arguments as a
list, never through a shell.
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pdf2image
import pikepdf
from pdf2image import exceptions as pdf_errors
from PIL import Image

from .failures import RenderTimeout, TooLarge, UnreadableDocument
from .orient import turn

POPPLER_TIMEOUT_SECONDS = 120
MAGIC = {b"%PDF-": "pdf", b"II*\x00": "tiff", b"MM\x00*": "tiff", b"\x89PNG": "png", b"\xff\xd8\xff": "jpeg"}


@dataclass(frozen=True)
class Limits:
    max_pages: int = 2000
    max_pixels: int = 200_000_000  # per page at the chosen dpi, checked before decoding
    poppler_seconds: float = POPPLER_TIMEOUT_SECONDS  # each Poppler call (a document's budget may cut it)


@dataclass(frozen=True)
class DocumentInfo:
    kind: str  # pdf | tiff | png | jpeg
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


def _pdfinfo(
    path: Path, first: int | None = None, last: int | None = None, timeout: float = POPPLER_TIMEOUT_SECONDS
) -> dict:
    try:
        # pdf2image takes None for "from the first" / "to the last" page, whatever its annotations say
        return pdf2image.pdfinfo_from_path(str(path), first_page=first, last_page=last, timeout=math.ceil(timeout))  # type: ignore[arg-type]
    except (
        pdf_errors.PDFPageCountError,
        pdf_errors.PDFSyntaxError,
        pdf_errors.PDFPopplerTimeoutError,
        ValueError,
    ) as e:
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
        raise TooLarge(f"{pages} pages is over the limit of {limits.max_pages} (MAX_PAGES)")
    if kind == "pdf":
        for key, value in _pdfinfo(path, 1, pages).items():
            m = re.fullmatch(r"Page\s+(\d+) size", key)
            size = re.search(r"([\d.]+) x ([\d.]+) pts", value) if m else None
            if m and size:
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


def native_ppi(path: Path, number: int, timeout: float = POPPLER_TIMEOUT_SECONDS) -> int | None:
    """Resolution of the largest image on a PDF page (a scanner's page is one image), or None."""
    try:
        out = subprocess.run(
            ["pdfimages", "-list", "-f", str(number), "-l", str(number), str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
        ).stdout
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
        raise TooLarge(
            f"page {number} is {int(width)}x{int(height)} px, over the limit of {limits.max_pixels} pixels (MAX_PIXELS)"
        )


def load_page(path: Path, number: int, dpi: int, limits: Limits = Limits()) -> tuple[np.ndarray, int]:
    """Page `number` (1-based) as uint8 gray (HxW) or RGB (HxWx3), and the dpi it was rendered at.

    A PDF page that is one scanned image is read at that image's own resolution when lower than
    `dpi` (upsampling a 200-dpi scan adds pixels, not detail)."""
    kind = sniff(path)
    if kind == "pdf":
        scan = embedded_scan(path, number, dpi, limits)
        return scan if scan is not None else _render_pdf_page(path, number, dpi, limits)
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


def _render_pdf_page(path: Path, number: int, dpi: int, limits: Limits) -> tuple[np.ndarray, int]:
    info = _pdfinfo(path, number, number, limits.poppler_seconds)
    size = info.get("Page size") or ""
    m = re.search(r"([\d.]+) x ([\d.]+) pts", size)
    ppi = native_ppi(path, number, limits.poppler_seconds)
    if ppi and 72 <= ppi < dpi:
        dpi = ppi
    if m:
        _check_pixels(float(m[1]) / 72 * dpi, float(m[2]) / 72 * dpi, limits, number)
    try:
        pages = pdf2image.convert_from_path(
            str(path), dpi=dpi, first_page=number, last_page=number, timeout=math.ceil(limits.poppler_seconds)
        )
    except pdf_errors.PDFPopplerTimeoutError:
        raise RenderTimeout(f"page {number}: rendering took over {limits.poppler_seconds:.0f} s") from None
    except (pdf_errors.PDFPageCountError, pdf_errors.PDFSyntaxError) as e:
        raise UnreadableDocument(f"page {number}: {_first_line(e)}") from None
    if not pages:
        raise UnreadableDocument(f"page {number} could not be rendered")
    return _array(pages[0]), dpi


# Operators a scanned page may hold besides drawing its image: graphics state nesting, and an invisible
# text layer (as OCR tools add). Anything else (vector drawing, visible text) means the page must be rendered.
_SCAN_OPS = {
    "q",
    "Q",
    "cm",
    "Do",
    "BT",
    "ET",
    "Tr",
    "Tf",
    "Tz",
    "TL",
    "Tc",
    "Tw",
    "Ts",
    "Td",
    "TD",
    "Tm",
    "T*",
    "Tj",
    "TJ",
    "'",
    '"',
}


def embedded_scan(path: Path, number: int, dpi: int, limits: Limits = Limits()) -> tuple[np.ndarray, int] | None:
    """The page's scanned image read out of the PDF, at min(its own resolution, `dpi`) -> (image, dpi),
    or None when the page is anything but one upright-placed image filling the page (then render it).

    Reads 8-bit gray or RGB images (JPEG decoded by OpenCV, others by pikepdf and Pillow) and 1-bit
    scans; honours the page's /Rotate. Pixels are those Poppler shows at the image's resolution."""
    try:
        with pikepdf.open(path) as pdf:
            page = pdf.pages[number - 1]
            image = _sole_full_page_image(page)
            if image is None:
                return None
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            ppi_x = int(image.Width) / ((x1 - x0) / 72)
            ppi_y = int(image.Height) / ((y1 - y0) / 72)
            if abs(ppi_x - ppi_y) > 0.02 * ppi_x or ppi_x < 72:
                return None  # anisotropic (fax fine/normal modes) or tiny: let Poppler resample
            _check_pixels(int(image.Width), int(image.Height), limits, number)
            if pikepdf.PdfImage(image).filters == ["/DCTDecode"]:
                # the size the JPEG itself declares is what decoding costs, whatever the PDF says
                size = jpeg_size(image.read_raw_bytes())
                if size is None:
                    raise UnreadableDocument(f"page {number}: damaged image (no JPEG frame header)")
                _check_pixels(*size, limits, number)
                if size != (int(image.Width), int(image.Height)):
                    raise UnreadableDocument(
                        f"page {number}: damaged image (the JPEG is {size[0]}x{size[1]} px, "
                        f"the PDF says {int(image.Width)}x{int(image.Height)})"
                    )
            pixels = _decode(image)
            rotation = int(page.obj.get("/Rotate", 0)) % 360
    except (
        pikepdf.PikepdfError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        NotImplementedError,
        OSError,
        RuntimeError,
    ):  # PikepdfError covers damaged files, passwords and images pikepdf cannot decode
        return None
    if pixels is None:
        return None
    ppi = round(ppi_x)
    if ppi > dpi * 1.02:
        f = dpi / ppi_x
        pixels = cv2.resize(pixels, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        ppi = dpi
    if rotation in (90, 180, 270):
        pixels = turn(pixels, rotation)
    return np.ascontiguousarray(pixels), ppi


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's own frame header (its SOF marker), read before any decoding; None
    when there is none."""
    i = 2 if data[:2] == b"\xff\xd8" else None
    while i is not None and i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _SOF and i + 9 <= len(data):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            return None
        i += 2 + length
    return None


def _sole_full_page_image(page: pikepdf.Page) -> pikepdf.Stream | None:
    """The one image XObject the page draws, when it is drawn upright over the whole MediaBox."""
    if "/CropBox" in page.obj and [float(v) for v in page.obj.CropBox] != [float(v) for v in page.mediabox]:
        return None
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    ctm, stack, drawn = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    invisible = False
    for instruction in pikepdf.parse_content_stream(page):
        operands, op = instruction.operands, str(instruction.operator)
        if op not in _SCAN_OPS:
            return None
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm":
            ctm = _concat([float(v) for v in operands], ctm)
        elif op == "Tr":
            invisible = int(operands[0]) == 3
        elif op in ("Tj", "TJ", "'", '"') and not invisible:
            return None
        elif op == "Do":
            drawn.append((xobjects.get(str(operands[0])) if xobjects is not None else None, ctm))
    if len(drawn) != 1:
        return None
    image, (a, b, c, d, e, f) = drawn[0]
    if (
        not isinstance(image, pikepdf.Stream)
        or image.get("/Subtype") != "/Image"
        or any(k in image for k in ("/ImageMask", "/SMask", "/Mask", "/Decode"))
    ):
        return None
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    if abs(b) > 1e-6 or abs(c) > 1e-6 or max(abs(a - (x1 - x0)), abs(d - (y1 - y0)), abs(e - x0), abs(f - y0)) > 1:
        return None
    return image


def _concat(m: list[float], ctm: list[float]) -> list[float]:
    """m x ctm, both as PDF [a b c d e f] matrices."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = ctm
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]


def _decode(image: pikepdf.Stream) -> np.ndarray | None:
    """8-bit gray/RGB or 1-bit image XObject -> uint8 gray or RGB array; None for what we leave to Poppler."""
    pdf_image = pikepdf.PdfImage(image)
    bpc = pdf_image.bits_per_component
    if pdf_image.colorspace not in ("/DeviceGray", "/DeviceRGB") or bpc not in (1, 8):
        return None
    if pdf_image.filters == ["/DCTDecode"] and bpc == 8:
        pixels = cv2.imdecode(np.frombuffer(image.read_raw_bytes(), np.uint8), cv2.IMREAD_UNCHANGED)
        if pixels is None or pixels.ndim == 2:
            return pixels
        rgb = cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
        return np.ascontiguousarray(rgb[..., 0]) if _is_gray(rgb) else rgb
    return _array(pdf_image.as_pil_image())


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
    return (
        int(np.abs(sample[..., 0] - sample[..., 1]).max(initial=0)) < 12
        and int(np.abs(sample[..., 1] - sample[..., 2]).max(initial=0)) < 12
    )
