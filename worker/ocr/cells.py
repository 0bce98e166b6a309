"""OCR of table cells in batches: one Tesseract process reads all the cells of a page.

Starting Tesseract costs a process per call, so cells are cut out (rules and specks removed,
wrapped lines put side by side), scaled to OCR_DPI and stacked one under the other into a
mosaic with white gaps; one call (hOCR with glyph boxes) reads it and glyphs go back to their
cell by position. Number-shaped cells get a second, digits-only pass (eng + whitelist) whose
agreement with the first feeds the confidence. Tesseract runs with one OpenMP thread.

Interface: read_cells(image, boxes, hints) -> list[CellText]. This module orchestrates the steps of
the package: worker.ocr.ink cuts each cell's ink out, worker.ocr.mosaic stacks the crops and assigns
the glyphs back, worker.ocr.tesseract runs the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from report import values

from .ink import BBox, CellInk, cell_crop
from .mosaic import ocr_scale, read_mosaic
from .tesseract import Glyph

DIGITS = "0123456789.,-"
DASH_CONF = 95.0  # a cell whose only ink is one short level bar


@dataclass
class OcrHints:
    """What read_cells needs to know besides pixels."""

    dpi: int = 300
    lang: str = "chi_sim+eng"
    deadline: float | None = None  # time.monotonic() by which all calls must be done
    rule_px: int = 3  # rule thickness, to trim cell borders
    digit_pass: bool = True  # second digits-only pass for numeric-looking cells
    numeric: list[bool] | None = None  # per box: expected numeric (None: decide from ink shape)
    debug_dir: str | None = None  # write the mosaics there


@dataclass
class CellText:
    text: str = ""  # pass-one text, lines joined with "\n", words with " "
    conf: float = 0.0  # mean pass-one glyph confidence, 0..100 (100 for empty)
    min_conf: float = 0.0  # lowest glyph confidence
    empty: bool = True  # no ink in the cell
    digits: str | None = None  # digits-pass text (None: no digits pass)
    digits_conf: float = 0.0  # lowest glyph confidence of the digits pass
    ink_height: int = 0  # px at the working scale of the mosaic
    glyph_confs: list[float] = field(default_factory=list)
    glyphs: int | None = None  # separate glyphs seen in a number-shaped cell's ink
    dash: bool = False  # the ink is one short level bar: "-", nil, read from its shape alone
    apart: bool = False  # one line of ink in runs wider apart than a glyph is tall: two entries in one cell?
    disputed: bool = False  # text with no Chinese character that the Latin model (eng) read otherwise


def _join(glyphs: list[Glyph]) -> str:
    """Glyphs of one cell -> text: lines top to bottom ("\n"), words left to right (" ")."""
    lines: dict[int, list[Glyph]] = {}
    for g in glyphs:
        lines.setdefault(g.line, []).append(g)
    ordered = sorted(lines.values(), key=lambda gs: min(g.box[1] for g in gs))
    text = []
    for gs in ordered:  # in Tesseract's reading order: its LSTM glyph boxes overlap, and by x they swap letters
        s, prev = "", None
        for g in gs:
            if prev is not None and g.word != prev:
                s += " "
            s += g.ch
            prev = g.word
        text.append(s)
    return "\n".join(text)


@dataclass
class FlipProbe:
    """Glyphs read with high confidence (>= 95) from a few text cells as they stand and turned by
    180 degrees. Upside-down Chinese reads as garbage of low confidence (or Latin with +eng)."""

    upright: int
    turned: int

    @property
    def upside_down(self) -> bool:
        return self.turned >= 8 and self.turned > 2 * self.upright


def read_cells(image: np.ndarray, boxes: list[BBox], hints: OcrHints) -> list[CellText]:
    """Gray upright page, cell boxes (page px, on the rule centres) -> one CellText per box.

    Two Tesseract processes per page whatever the number of cells: pass one (hints.lang, psm 6)
    reads every non-empty cell; pass two (eng, digit whitelist) reads number-shaped cells and
    any cell pass one read as a number. Raises OcrTimeout when hints.deadline passes."""
    return read_cells_probed(image, boxes, hints)[0]


def read_cells_probed(
    image: np.ndarray, boxes: list[BBox], hints: OcrHints, probe: int = 0
) -> tuple[list[CellText], FlipProbe | None]:
    """read_cells, plus an orientation check at no extra process: `probe` short text cells
    also go into pass one turned by 180 degrees; confident reading mostly from the turned copies
    means the page is upside down (see FlipProbe)."""
    dpi = hints.dpi
    scale = ocr_scale(dpi)
    results = [CellText() for _ in boxes]
    inks: dict[int, CellInk] = {}
    for i, b in enumerate(boxes):
        ink = cell_crop(image, b, dpi, hints.rule_px, scale)
        if ink is None:
            results[i].conf = results[i].min_conf = 100.0
            continue
        results[i].empty = False
        results[i].ink_height = ink.img.shape[0]
        results[i].glyphs = ink.glyphs
        results[i].apart = ink.apart
        if ink.dash:  # its shape says it all; Tesseract reads a lone dash as nothing as often as not
            results[i].text, results[i].conf, results[i].min_conf = "-", DASH_CONF, DASH_CONF
            results[i].dash = True
            continue
        inks[i] = ink
    if not inks:
        return results, None
    dbg = hints.debug_dir
    crops = [(i, ink.img) for i, ink in inks.items()]
    probes = []
    if probe:
        # short labels (two to six characters): enough glyphs to tell, a fraction of the long ones' cost
        text_cells = [i for i, ink in inks.items() if not ink.digit_like]
        short = [i for i in text_cells if 2 <= inks[i].img.shape[1] / inks[i].img.shape[0] <= 6]
        probes = (short or sorted(text_cells, key=lambda i: inks[i].img.shape[1]))[:probe]
        base = len(boxes)
        crops += [(base + k, cv2.rotate(inks[i].img, cv2.ROTATE_180)) for k, i in enumerate(probes)]
    got = read_mosaic(crops, hints.lang, hints.deadline, debug=f"{dbg}/pass1" if dbg else None)
    evidence = None
    if probes:
        up = sum(g.conf >= 95 for i in probes for g in got.get(i, []))
        turned = sum(g.conf >= 95 for k in range(len(probes)) for g in got.get(len(boxes) + k, []))
        evidence = FlipProbe(up, turned)
    for i in inks:
        gl = got.get(i, [])
        r = results[i]
        r.text = _join(gl)
        r.glyph_confs = [g.conf for g in gl]
        r.conf = float(np.mean(r.glyph_confs)) if gl else 0.0
        r.min_conf = float(min(r.glyph_confs)) if gl else 0.0
    if evidence is not None and evidence.upside_down:
        return results, evidence  # the caller turns the page and reads it again
    if hints.digit_pass:
        numeric = {i: (hints.numeric[i] if hints.numeric is not None else ink.digit_like) for i, ink in inks.items()}
        want = [
            i for i in inks if (numeric[i] or values.looks_numeric(results[i].text)) and not _read_as_words(results[i])
        ]
        if want:
            dgot = read_mosaic(
                [(i, inks[i].img) for i in want],
                "eng",
                hints.deadline,
                ("-c", f"tessedit_char_whitelist={DIGITS}"),
                debug=f"{dbg}/pass2" if dbg else None,
            )
            for i in want:
                gl = dgot.get(i, [])
                r = results[i]
                r.digits = _join(gl)
                r.digits_conf = float(min(g.conf for g in gl)) if gl else 0.0
    return results, evidence


def _read_as_words(ct: CellText, min_chinese: int = 2, min_conf: float = 90.0) -> bool:
    """Did pass one read the cell confidently as Chinese words (min_chinese characters or more, at least
    half of them all, every glyph at min_conf or more)? Such a cell gets no digits pass, which can only
    answer in digits: small type at screen resolution can look number-shaped (姓名 was read 8)."""
    chars = "".join(ct.text.split())
    n_cjk = len(values.CJK_CHAR.findall(chars))
    return n_cjk >= min_chinese and 2 * n_cjk >= len(chars) and ct.min_conf >= min_conf
