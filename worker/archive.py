"""The archive copy: a searchable PDF/A-2b of a document, made from tablescan's own reading.

Each page is the stored page image (upright and deskewed, as the cell boxes refer to it) with an
invisible text layer over it: the page text word by word at its boxes, and every table cell's text at
the cell's box (a reviewer's correction, where there is one). No OCR runs here. The text layer is drawn
by OCRmyPDF's renderer (`ocrmypdf.fpdf_renderer`, in its glyphless font, so Chinese extracts with
`pdftotext`), the image goes in untouched (the PNG's compressed rows as they are), and pikepdf's PDF/A
module declares PDF/A-2b, writes the file and validates what it wrote (`pikepdf.pdfa`, an allowlist
validator that reports veraPDF's rule ids).

    build_archive(pages, images, meta) -> bytes        raises ArchiveError
    document_archive(session, storage, doc) -> bytes   the same, from the record

It loads pikepdf and OCRmyPDF: the API imports it only inside the request that asks for a copy.
"""

from __future__ import annotations

import io
import logging
import struct
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import pikepdf
from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.models import FINAL_STATUSES, Document, Page
from schemas.results import CellResult, PageResult, TableResult, TextLine
from schemas.statuses import DocumentKind
from worker import persist, rasterise
from worker.pipeline import page_png
from worker.storage import Storage

log = logging.getLogger(__name__)

FLAVOUR = "2b"
KIND_TITLES: dict[str, str] = {
    DocumentKind.ANNUAL_REPORT: "政府信息公开工作年度报告",
    DocumentKind.BUDGET: "部门预算",
    DocumentKind.FINAL_ACCOUNT: "部门决算",
}


class ArchiveError(Exception):
    """The archive copy could not be made: a page has no readable image, or the file written did not
    pass PDF/A validation. The message says which."""


@dataclass(frozen=True)
class ArchiveMeta:
    """What the archive copy says about its document (XMP and the document information)."""

    sha256: str  # of the original as received
    filename: str  # the original's name as it came in
    issuing_body: str | None = None
    year: int | None = None
    kind: str | None = None

    @property
    def title(self) -> str:
        """The document's title in Chinese (东风区人民政府办公室2024年政府信息公开工作年度报告), from what the
        reading found; the file's name without its suffix when the issuing body or the year is unknown."""
        label = KIND_TITLES.get(self.kind or "")
        if self.issuing_body and self.year and label:
            return f"{self.issuing_body}{self.year}年{label}"
        return Path(self.filename).stem or self.filename


def build_archive(pages: list[PageResult], images: dict[int, Path], meta: ArchiveMeta) -> bytes:
    """The document's pages (as read, corrections in the cells' text) and each page's image (an 8-bit gray
    or RGB PNG in the pixels the boxes refer to, at the page's dpi) -> the bytes of a validated PDF/A-2b.

    A page without an image, or whose image cannot be read, raises ArchiveError naming the page."""
    if not pages:
        raise ArchiveError("the document has no pages")
    with tempfile.TemporaryDirectory(prefix="tablescan-archive-") as tmp:
        layer = Path(tmp) / "layer.pdf"
        _render_layer(pages, layer)
        with pikepdf.open(layer) as pdf:
            for page, pdf_page in zip(pages, pdf.pages):
                _put_image_under(pdf, pdf_page, page, images.get(page.number))
            _describe(pdf, meta)
            return _save_pdfa(pdf)


def document_archive(s: Session, storage: Storage, doc: Document) -> bytes:
    """The archive copy of a finished document as the record holds it now (corrections included); a
    duplicate gets its first copy's pages under its own name. Raises ArchiveError when it cannot be made,
    saying why."""
    source = s.get_one(Document, doc.duplicate_of_id) if doc.duplicate_of_id else doc
    if source.status not in FINAL_STATUSES:
        raise ArchiveError(f"document {doc.id} is {source.status}: the archive copy is made once it has finished")
    pages = persist.load_pages(s, source.id)
    stored = dict(s.execute(select(Page.number, Page.image_path).where(Page.document_id == source.id)).all())
    meta = ArchiveMeta(
        sha256=doc.sha256,
        filename=doc.filename,
        issuing_body=source.issuing_body,
        year=source.report_year,
        kind=source.kind,
    )
    with tempfile.TemporaryDirectory(prefix="tablescan-pages-") as tmp:
        pages, images = _page_images(storage, source, pages, stored, Path(tmp))
        return build_archive(pages, images, meta)


def _page_images(
    storage: Storage, doc: Document, pages: list[PageResult], stored: dict[int, str | None], tmp: Path
) -> tuple[list[PageResult], dict[int, Path]]:
    """Each page's image: the stored upright page, or for a page that could not be recognised, the original
    page as scanned (its rotation recorded as 0), rendered into `tmp`; such a page keeps no text."""
    images = {}
    out = []
    for p in pages:
        rel = stored.get(p.number)
        if rel and storage.path(rel).is_file():
            images[p.number] = storage.path(rel)
            out.append(p)
            continue
        try:
            image, dpi = rasterise.load_page(storage.path(doc.stored_path), p.number, p.dpi or 300)
        except (rasterise.UnreadableDocument, OSError) as e:
            raise ArchiveError(f"page {p.number} has no page image and the original cannot be read: {e}") from None
        images[p.number] = tmp / f"{p.number:04d}.png"
        images[p.number].write_bytes(page_png(image))
        out.append(replace(p, rotation=0, dpi=dpi, width=image.shape[1], height=image.shape[0], lines=[], tables=[]))
    return out, images


def preload() -> None:
    """Import the renderer and the PDF/A module and load the bundled fonts now (about 1.3 s): an RQ worker
    does this once, so that the work horses it forks for each document do not."""
    import ocrmypdf.fpdf_renderer  # noqa: F401
    import pikepdf.pdfa  # noqa: F401

    _builtin_fonts()
    _occulta()


# -- the text layer ------------------------------------------------------------------------------------


def _render_layer(pages: list[PageResult], out: Path) -> None:
    """One page of invisible text per page, each the size of its image at its dpi."""
    from ocrmypdf.font import FontManager
    from ocrmypdf.fpdf_renderer import Fpdf2MultiPageRenderer

    trees = [(p.number, page_tree(p), float(p.dpi or 300)) for p in pages]
    chars = {ch for _, tree, _ in trees for word in tree.words for ch in word.text}
    font = out.with_name("Occulta.ttf")
    font.write_bytes(_glyphless_font(frozenset(chars)))
    Fpdf2MultiPageRenderer(trees, _Glyphless(FontManager(font)), invisible_text=True).render(out)


def _glyphless_font(chars: frozenset[str]) -> bytes:
    """OCRmyPDF's glyphless font, Occulta, cut down to `chars`: it maps every BMP character to a blank glyph
    one em (Chinese) or half an em wide. The text is invisible, so it needs no drawn glyphs, only its
    characters (ToUnicode); one font keeps a line's words together for text extraction, and cut down it
    loads in milliseconds (the whole of it, 65536 characters, costs fpdf2 a quarter of a second, and Noto
    Sans CJK about half a second a document to subset)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(_occulta()))
    cutter = subset.Subsetter(subset.Options(notdef_outline=True, name_IDs=["*"], recalc_bounds=False))
    cutter.populate(unicodes={ord(c) for c in chars if ord(c) <= 0xFFFF} | {0x20})
    cutter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


@lru_cache(maxsize=1)
def _occulta() -> bytes:
    from importlib.resources import files

    return files("ocrmypdf.data").joinpath("Occulta.ttf").read_bytes()


@lru_cache(maxsize=1)
def _builtin_fonts():
    """OCRmyPDF's bundled fonts, loaded once per process: the renderer reads Noto Sans's metrics for the
    baseline of lines that have none."""
    from ocrmypdf.font import BuiltinFontProvider

    return BuiltinFontProvider()


def _Glyphless(font):
    """OCRmyPDF's font chooser, choosing `font` for every word."""
    from ocrmypdf.font import MultiFontManager

    class Glyphless(MultiFontManager):
        def select_font_for_word(self, word_text: str, line_language: str | None):
            return font

    return Glyphless(font_provider=_builtin_fonts())


def page_tree(page: PageResult):
    """A page's reading as an OCRmyPDF OcrElement tree (the renderer's input): lines of words with their
    boxes, the page text's lines and the tables' cells in the order they stand on the page."""
    from ocrmypdf.hocrtransform import BoundingBox, OcrClass, OcrElement

    def line(bbox, words) -> OcrElement:
        return OcrElement(
            ocr_class=OcrClass.LINE,
            bbox=BoundingBox(*bbox),
            language="chi_sim",
            children=[OcrElement(ocr_class=OcrClass.WORD, bbox=BoundingBox(*b), text=t) for b, t in words],
        )

    blocks: list[tuple[int, list]] = [(ln.bbox[1], [line(ln.bbox, _side_by_side(ln))]) for ln in page.lines if ln.words]
    for t in page.tables:
        blocks.append((t.bbox[1], [line(b, words) for c in _reading_order(t) for b, words in cell_lines(c)]))
    blocks.sort(key=lambda b: b[0])
    w, h = max(1, page.width), max(1, page.height)
    return OcrElement(
        ocr_class=OcrClass.PAGE,
        bbox=BoundingBox(0, 0, w, h),
        dpi=float(page.dpi or 300),
        children=[el for _, els in blocks for el in els],
    )


def _side_by_side(ln: TextLine) -> list[tuple[tuple[int, int, int, int], str]]:
    """A line's words with their boxes cut back so that none reaches into the next (Tesseract's glyph
    boxes overlap a little, and a word drawn past the start of the next one reads as a new line to
    pdftotext). The renderer puts a space after every word but between two all-Chinese ones, and Chinese
    takes no space next to anything (GB/T 15834): a run of words that touch at a Chinese character and
    hold a number or Latin word (局 2024 年) becomes one word (局2024年)."""
    words = []
    for w, nxt in zip(ln.words, [*ln.words[1:], None]):
        x0, y0, x1, y1 = w.bbox
        if nxt is not None and nxt.bbox[0] < x1:
            x1 = max(x0 + 1, nxt.bbox[0])
        words.append(((x0, y0, x1, y1), w.text))
    runs = [[words[0]]]
    for word in words[1:]:
        if _wide(runs[-1][-1][1][-1]) or _wide(word[1][0]):
            runs[-1].append(word)
        else:
            runs.append([word])
    out = []
    for run in runs:
        if all(_wide(ch) for _, t in run for ch in t):
            out += run
        else:
            boxes = [b for b, _ in run]
            out.append(
                (
                    (boxes[0][0], min(b[1] for b in boxes), boxes[-1][2], max(b[3] for b in boxes)),
                    "".join(t for _, t in run),
                )
            )
    return out


def _wide(ch: str) -> bool:
    """A Chinese character or full-width punctuation (written without spaces around it)."""
    return unicodedata.east_asian_width(ch) in "WF"


def _reading_order(t: TableResult) -> list[CellResult]:
    return sorted(t.cells, key=lambda c: (c.row, c.col))


def cell_lines(c: CellResult) -> list[tuple[tuple[float, float, float, float], list]]:
    """A cell's text as lines inside the cell's box: (line box, [(word box, word)]). The text's lines
    share the cell's height, each at most 0.6 of its slot tall and centred in it; a line's words share
    its width in proportion to their length. Boxes are in page px."""
    texts = [ln.split() for ln in c.text.splitlines() if ln.strip()]
    if not texts:
        return []
    m = max(1.0, min(c.bbox[2] - c.bbox[0], c.bbox[3] - c.bbox[1]) * 0.08)  # keep off the rules
    x0, y0, x1, y1 = c.bbox[0] + m, c.bbox[1] + m, c.bbox[2] - m, c.bbox[3] - m
    if x1 <= x0 or y1 <= y0:
        return []
    slot = (y1 - y0) / len(texts)
    out: list[tuple[tuple[float, float, float, float], list]] = []
    for k, words in enumerate(texts):
        top = y0 + k * slot + slot * 0.2
        bottom = top + slot * 0.6
        total = sum(len(w) for w in words) + (len(words) - 1)
        x, unit, placed = x0, (x1 - x0) / total, []
        for word in words:
            right = x + unit * len(word)
            placed.append(((x, top, right, bottom), word))
            x = right + unit
        out.append(((x0, top, x1, bottom), placed))
    return out


# -- the page images -----------------------------------------------------------------------------------


def _put_image_under(pdf: pikepdf.Pdf, pdf_page: pikepdf.Page, page: PageResult, image: Path | None) -> None:
    """Draw the page's image over the whole page, under its (invisible) text."""
    if image is None:
        raise ArchiveError(f"page {page.number} has no page image")
    try:
        scan = png_image(pdf, image.read_bytes())
    except (OSError, ValueError, struct.error) as e:
        raise ArchiveError(f"page {page.number}: its image cannot be read ({e})") from None
    name = pdf_page.add_resource(scan, pikepdf.Name.XObject, prefix="Scan")
    box = pdf_page.mediabox
    width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    pdf_page.contents_add(pdf.make_stream(f"q {width:.4f} 0 0 {height:.4f} 0 0 cm {name} Do Q".encode()), prepend=True)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_image(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    """An 8-bit gray or RGB PNG (as the storage writes page images) -> a PDF image whose data are the PNG's
    own compressed rows: PDF's Flate filter with the PNG predictors reads them as they are, so nothing is
    decoded or compressed again (what img2pdf does for a PNG, without its full decode for EXIF)."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos, header, rows = len(PNG_SIGNATURE), None, []
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            rows.append(body)
        elif kind == b"IEND":
            break
    if header is None or not rows:
        raise ValueError("a PNG without its header or its image data")
    width, height, bits, colour, _, _, interlaced = header
    if bits != 8 or colour not in (0, 2) or interlaced:
        raise ValueError(
            f"PNG of {bits}-bit colour type {colour}{', interlaced' if interlaced else ''}: "
            "page images are 8-bit gray or RGB"
        )
    colours = 1 if colour == 0 else 3
    image = pdf.make_stream(b"")
    image.write(
        b"".join(rows),
        filter=pikepdf.Name.FlateDecode,
        decode_parms=pikepdf.Dictionary(Predictor=15, Colors=colours, BitsPerComponent=8, Columns=width),
    )
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = width, height, 8
    image.ColorSpace = pikepdf.Name.DeviceGray if colours == 1 else pikepdf.Name.DeviceRGB
    return image


# -- metadata and PDF/A ----------------------------------------------------------------------------------


def _describe(pdf: pikepdf.Pdf, meta: ArchiveMeta) -> None:
    """Title, issuing body (as the author), year, the original's name and SHA-256, in XMP (Dublin Core)
    and the document information, which PDF/A keeps in agreement."""
    subject = "；".join(
        s
        for s in (
            KIND_TITLES.get(meta.kind or ""),
            f"{meta.year}年" if meta.year else None,
            f"原件 {meta.filename}",
            f"原件 SHA-256 {meta.sha256}",
        )
        if s
    )
    keywords = ", ".join(
        k for k in (meta.issuing_body, str(meta.year) if meta.year else None, f"sha256:{meta.sha256}") if k
    )
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = meta.title
        if meta.issuing_body:
            xmp["dc:creator"] = [meta.issuing_body]
        xmp["dc:description"] = subject
        xmp["dc:identifier"] = f"sha256:{meta.sha256}"
        xmp["dc:source"] = meta.filename
        if meta.year:
            xmp["dc:coverage"] = str(meta.year)
        xmp["dc:language"] = ["zh-CN"]
        xmp["pdf:Keywords"] = keywords
        xmp["pdf:Producer"] = f"tablescan {version('tablescan')} (OCRmyPDF text renderer, pikepdf)"
        xmp["xmp:CreatorTool"] = f"tablescan {version('tablescan')}"
        xmp["xmp:CreateDate"] = now
        xmp["xmp:ModifyDate"] = now
    pdf.Root.Lang = pikepdf.String("zh-CN")
    if "/OpenAction" in pdf.Root:  # fpdf2's zoom setting: an action, which the validator does not approve
        del pdf.Root.OpenAction


def _save_pdfa(pdf: pikepdf.Pdf) -> bytes:
    """Declare PDF/A-2b (sRGB output intent), write, and validate what was written."""
    from pikepdf.pdfa import PdfaError, save

    buf = io.BytesIO()
    try:
        save(pdf, buf, FLAVOUR, output_intent="sRGB")
    except PdfaError as e:
        raise ArchiveError(f"the archive copy is not valid PDF/A-{FLAVOUR}: {e.report.summary(5)}") from None
    return buf.getvalue()


def validate(data: bytes) -> list[str]:
    """PDF/A-2b validation of a file's bytes (pikepdf.pdfa): the findings, none when it passes."""
    from pikepdf.pdfa import validate_written

    report = validate_written(io.BytesIO(data), FLAVOUR)
    return [str(f) for f in report.findings]
