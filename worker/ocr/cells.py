"""OCR of table cells in batches: one Tesseract process reads all the cells of a page.

Starting Tesseract costs a process per call, so cells are cut out (rules and specks removed,
wrapped lines put side by side), scaled to OCR_DPI and stacked one under the other into a
mosaic with white gaps; one call (hOCR with glyph boxes) reads it and glyphs go back to their
cell by position. Number-shaped cells get a second, digits-only pass (eng + whitelist) whose
agreement with the first feeds the confidence. Tesseract runs with one OpenMP thread.

Interface: read_cells(image, boxes, hints) -> list[CellText].
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from report import values
from schemas.results import TextLine, Word

BBox = tuple[int, int, int, int]

DIGITS = "0123456789.,-"


class OcrTimeout(RuntimeError):
    """A Tesseract call ran longer than its time budget and was killed."""


class OcrError(RuntimeError):
    """Tesseract failed (not a timeout)."""


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


@dataclass
class CellInk:
    """A cell's ink, cut out for OCR."""

    img: np.ndarray  # gray crop, text on white, at the OCR scale
    digit_like: bool  # one line of narrow, upright glyphs of one height (a number, probably)
    lines: int  # text lines found (put side by side in img)
    glyphs: int | None = None  # separate glyphs of a number-shaped cell (None for other cells)


def cell_crop(gray: np.ndarray, box: BBox, dpi: int, rule_px: int, scale: float) -> CellInk | None:
    """Cut the inside of a cell: rules and specks removed, text on white, tight with padding,
    scaled by `scale`. None when the cell holds no ink."""
    x0, y0, x1, y1 = box
    m = int(rule_px / 2 + max(2, dpi * 0.012))
    H, W = gray.shape
    x0, y0, x1, y1 = max(0, x0 + m), max(0, y0 + m), min(W, x1 - m), min(H, y1 - m)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    g = gray[y0:y1, x0:x1]
    block = max(15, int(dpi / 10) | 1)
    ink = cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 14)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return None
    min_area = max(4, int((dpi / 100.0) ** 2 * 2.5))
    hh, ww = g.shape
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, w, h, a = stats[i]
        if a < min_area:
            continue
        edge = x == 0 or y == 0 or x + w >= ww or y + h >= hh
        if edge and (w > 4 * h or h > 4 * w or a < 3 * min_area):
            continue  # rule remnant or speck at the border
        keep[i] = True
    if not keep.any():
        return None
    _drop_stray_specks(stats, keep)
    idx = np.nonzero(keep)[0]
    st = stats[idx]
    ys0, ys1 = st[:, 1].min(), (st[:, 1] + st[:, 3]).max()
    if st[:, 4].sum() < 2.5 * min_area or (ys1 - ys0) < dpi * 0.025:
        return None
    digit_like = _digit_like(st, dpi)
    mask = keep[labels].astype(np.uint8) * 255
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    lines = _text_lines(st)
    pad = max(2, int(dpi * 0.03))
    pieces = []
    for members in lines:
        ls = st[members]
        lx0, ly0 = max(0, ls[:, 0].min() - pad), max(0, ls[:, 1].min() - pad)
        lx1, ly1 = min(ww, (ls[:, 0] + ls[:, 2]).max() + pad), min(hh, (ls[:, 1] + ls[:, 3]).max() + pad)
        sel = np.isin(labels[ly0:ly1, lx0:lx1], idx[members])
        sel = cv2.dilate(sel.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        pieces.append(np.where(sel & (mask[ly0:ly1, lx0:lx1] > 0), g[ly0:ly1, lx0:lx1], 255).astype(np.uint8))
    crop = _stretch(_side_by_side(pieces, gap=max(2, int(dpi * 0.04))))
    glyphs = None
    if digit_like:
        crop = spread_glyphs(crop, int(st[:, 3].max()))
        glyphs = glyph_count(crop, int(st[:, 3].max()))
    if abs(scale - 1.0) > 0.02:
        crop = cv2.resize(
            crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        )
    return CellInk(crop, digit_like, len(lines), glyphs)


def _text_lines(st: np.ndarray) -> list[list[int]]:
    """Components (x, y, w, h, area rows) -> text lines, top to bottom, as lists of row indices.

    A component joins the line whose centre is within 0.65 em of its own (em = tallest glyph
    part), so the separate strokes of 三 or a lone comma stay with their line."""
    em = float(np.percentile(st[:, 3], 90)) if len(st) > 3 else float(st[:, 3].max())
    em = max(em, 1.0)
    order = np.argsort(st[:, 1] + st[:, 3] / 2)
    lines: list[list[int]] = []
    centres: list[float] = []
    weights: list[float] = []
    for k in order:
        cy = st[k, 1] + st[k, 3] / 2
        wgt = float(st[k, 3])
        if lines and abs(cy - centres[-1]) <= 0.65 * em:
            lines[-1].append(int(k))
            centres[-1] = (centres[-1] * weights[-1] + cy * wgt) / (weights[-1] + wgt)
            weights[-1] += wgt
        else:
            lines.append([int(k)])
            centres.append(cy)
            weights.append(wgt)
    return lines


def _side_by_side(pieces: list[np.ndarray], gap: int) -> np.ndarray:
    """Text line images -> one line, centred on a common middle (a wrapped cell read as the one
    line it was before wrapping: Tesseract drops short lines like 三、 in narrow blocks)."""
    if len(pieces) == 1:
        return pieces[0]
    h = max(p.shape[0] for p in pieces)
    w = sum(p.shape[1] for p in pieces) + gap * (len(pieces) - 1)
    out = np.full((h, w), 255, np.uint8)
    x = 0
    for p in pieces:
        y = (h - p.shape[0]) // 2
        out[y : y + p.shape[0], x : x + p.shape[1]] = p
        x += p.shape[1] + gap
    return out


def _ink_runs(line: np.ndarray, glyph_px: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ink column runs of a text line -> (starts, ends, one_glyph): one_glyph[k] when runs k and
    k+1 are no wider together than one digit and neither is a point or comma (a low, short mark):
    the pieces of a worn "0" broken at top and bottom."""
    dark = line < 128
    ink = dark.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ink.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    rows = [np.flatnonzero(dark[:, a:b].any(axis=1)) for a, b in zip(starts, ends)]
    base = max((r[-1] for r in rows), default=0)
    mark = np.array([r[-1] - r[0] + 1 < 0.35 * glyph_px and r[0] > base - 0.5 * glyph_px for r in rows], bool)
    one_glyph = (ends[1:] - starts[:-1] <= 0.65 * glyph_px) & ~mark[1:] & ~mark[:-1]
    return starts, ends, one_glyph


def spread_glyphs(line: np.ndarray, glyph_px: int) -> np.ndarray:
    """One line of glyphs (text on white, glyphs glyph_px tall) -> the same line with every gap
    between two glyphs at least 0.3 glyph heights wide. Tesseract's LSTM merges a repeated narrow
    glyph set close together ("11" read as "1")."""
    starts, ends, one_glyph = _ink_runs(line, glyph_px)
    gaps = starts[1:] - ends[:-1]
    narrow = (gaps < 0.3 * glyph_px) & ~one_glyph
    if not narrow.any():
        return line
    parts = [line[:, : starts[0]]]
    for k in range(len(starts)):
        parts.append(line[:, starts[k] : ends[k]])
        if k + 1 < len(starts):
            width = max(int(gaps[k]), int(0.3 * glyph_px)) if narrow[k] else int(gaps[k])
            parts.append(np.full((line.shape[0], width), 255, np.uint8))
    parts.append(line[:, ends[-1] :])
    return np.hstack(parts)


def glyph_count(line: np.ndarray, glyph_px: int) -> int:
    """Separate glyphs (digits, points, commas) in one line of print: what a reading of it must
    have as many characters as."""
    starts, _, one_glyph = _ink_runs(line, glyph_px)
    return int(len(starts) - one_glyph.sum()) if len(starts) else 0


def _drop_stray_specks(stats: np.ndarray, keep: np.ndarray) -> None:
    """Unmark small blobs lying apart from the text (noise, speckle clumps), in place."""
    idx = np.nonzero(keep)[0]
    if len(idx) < 2:
        return
    hmax = stats[idx, 3].max()
    amax = stats[idx, 4].max()
    big = [i for i in idx if stats[i, 4] >= 0.2 * amax or stats[i, 3] >= 0.4 * hmax]
    bx0 = np.array([stats[i, 0] for i in big])
    by0 = np.array([stats[i, 1] for i in big])
    bx1 = bx0 + np.array([stats[i, 2] for i in big])
    by1 = by0 + np.array([stats[i, 3] for i in big])
    for i in idx:
        x, y, w, h, _ = stats[i]
        if i in big or max(w, h) >= 0.35 * hmax:
            continue
        dx = np.maximum(0, np.maximum(bx0 - (x + w), x - bx1))
        dy = np.maximum(0, np.maximum(by0 - (y + h), y - by1))
        dist = np.min(np.hypot(dx, dy))
        if dist > 0.6 * hmax or (stats[i, 4] < 0.08 * amax and dist > 0.3 * hmax):
            keep[i] = False


def _digit_like(st: np.ndarray, dpi: int) -> bool:
    """Components (x, y, w, h, area rows) of a cell -> does it look like a number: one line of
    upright glyphs of one height, at most a decimal point or separator besides."""
    top, bot = st[:, 1].min(), (st[:, 1] + st[:, 3]).max()
    hmax = st[:, 3].max()
    big = st[st[:, 3] >= 0.55 * hmax]
    small = st[st[:, 3] < 0.55 * hmax]
    if (bot - top) > 1.25 * hmax or len(big) > 14 or hmax > dpi * 0.25:
        return False
    aspect = big[:, 3] / np.maximum(1, big[:, 2])
    ok = bool((aspect >= 1.15).all() and (big[:, 3] >= 0.8 * hmax).all())
    if ok and len(small):
        ok = bool(((small[:, 1] + small[:, 3]) >= bot - 0.35 * hmax).all() and len(small) <= 3)
    return ok


def _stretch(crop: np.ndarray) -> np.ndarray:
    """Map the darkest ink to black and white to white: faint toner reads like fresh print."""
    lo = float(np.percentile(crop[crop < 250], 5)) if (crop < 250).any() else 0.0
    if lo > 120:
        lo = 120.0
    out = (crop.astype(np.float32) - lo) * (255.0 / max(1.0, 255.0 - lo))
    return np.clip(out, 0, 255).astype(np.uint8)


@dataclass
class _Placed:
    index: int
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 in the mosaic


def compose(crops: list[tuple[int, np.ndarray]], gap: int) -> tuple[np.ndarray, list[_Placed]]:
    """Stack crops one under the other, left aligned, `gap` px of white between them -> (mosaic,
    placements). One crop per text block keeps words from joining across cells: packing crops
    side by side makes Tesseract's word spacing and LSTM glyph boxes unreliable."""
    width = max(c.shape[1] for _, c in crops) + 2 * gap
    height = gap + sum(c.shape[0] + gap for _, c in crops)
    out = np.full((height, width), 255, np.uint8)
    placed = []
    y = gap
    for i, c in crops:
        h, w = c.shape
        out[y : y + h, gap : gap + w] = c
        placed.append(_Placed(i, (gap, y, gap + w, y + h)))
        y += h + gap
    return out, placed


def _batches(crops: list[tuple[int, np.ndarray]], gap: int, max_height: int) -> list[list[tuple[int, np.ndarray]]]:
    """Split crops so that no mosaic exceeds max_height px (Tesseract refuses > 32767)."""
    out: list[list[tuple[int, np.ndarray]]] = []
    cur: list[tuple[int, np.ndarray]] = []
    h = gap
    for item in crops:
        ch = item[1].shape[0] + gap
        if cur and h + ch > max_height:
            out.append(cur)
            cur, h = [], gap
        cur.append(item)
        h += ch
    if cur:
        out.append(cur)
    return out


def read_mosaic(
    crops: list[tuple[int, np.ndarray]],
    lang: str,
    deadline: float | None,
    extra: tuple[str, ...] = (),
    gap: int = 16,
    debug: str | None = None,
) -> dict[int, list[Glyph]]:
    """OCR many crops (index, gray image at OCR_DPI) with one Tesseract process per 30000 px of
    mosaic -> index -> glyphs."""
    out: dict[int, list[Glyph]] = {}
    for k, batch in enumerate(_batches(crops, gap, 30000)):
        img, placed = compose(batch, gap)
        if debug:
            cv2.imwrite(f"{debug}-{k}.png", img)
        out.update(_assign(run_tesseract(img, lang, 6, OCR_DPI, deadline, (*NO_INVERT, *extra)), placed, gap / 2))
    return out


def _tesseract_env() -> dict:
    """The child's environment: the process's own, as it is now, with one OpenMP thread (Tesseract's
    default threads spin and cost ~3x on a busy 2-core worker)."""
    return dict(os.environ, OMP_THREAD_LIMIT="1")


_SPAN = re.compile(
    r"<span class='(ocr_line|ocr_caption|ocr_header|ocr_textfloat|ocrx_word|ocrx_cinfo)'"
    r"[^>]*?title=(?:'([^']*)'|\"([^\"]*)\")[^>]*>([^<]*)"
)
_BOX = re.compile(r"(?:bbox|x_bboxes) (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_CONF = re.compile(r"x_conf ([\d.]+)")


@dataclass
class Glyph:
    """One character Tesseract read, with its box in the mosaic."""

    ch: str
    box: tuple[int, int, int, int]
    conf: float  # 0..100
    line: int  # running line number in the call
    word: int  # running word number in the call


def parse_hocr(hocr: str) -> list[Glyph]:
    """Tesseract hOCR with hocr_char_boxes=1 -> glyphs in reading order."""
    out, line, word = [], 0, 0
    for m in _SPAN.finditer(hocr):
        kind, title, text = m.group(1), m.group(2) or m.group(3) or "", m.group(4)
        if kind == "ocrx_word":
            word += 1
        elif kind == "ocrx_cinfo":
            b = _BOX.search(title)
            c = _CONF.search(title)
            ch = html.unescape(text)
            if not b or not ch.strip():
                continue
            x0, y0, x1, y1 = (int(v) for v in b.groups())
            out.append(Glyph(ch, (x0, y0, x1, y1), float(c.group(1)) if c else 0.0, line, word))
        else:
            line += 1
    return out


def run_tesseract(
    img: np.ndarray, lang: str, psm: int, dpi: int, deadline: float | None, extra: tuple[str, ...] = ()
) -> list[Glyph]:
    """One Tesseract process over a gray image -> glyphs with boxes and confidences.
    Kills it and raises OcrTimeout past the deadline (time.monotonic())."""
    ok, buf = cv2.imencode(".pgm", img)
    if not ok:
        raise OcrError("could not encode image")
    cmd = [
        "tesseract",
        "stdin",
        "stdout",
        "-l",
        lang,
        "--psm",
        str(psm),
        "--dpi",
        str(dpi),
        "-c",
        "hocr_char_boxes=1",
        *extra,
        "hocr",
    ]
    timeout = None
    if deadline is not None:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise OcrTimeout("page OCR time budget used up before a Tesseract call")
    try:
        p = subprocess.run(
            cmd, input=buf.tobytes(), capture_output=True, timeout=timeout, env=_tesseract_env(), check=False
        )
    except subprocess.TimeoutExpired as e:
        raise OcrTimeout(f"Tesseract killed after {timeout:.1f} s") from e
    except FileNotFoundError as e:
        raise OcrError("tesseract executable not found") from e
    if p.returncode != 0:
        raise OcrError(f"tesseract exited {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}")
    return parse_hocr(p.stdout.decode("utf-8", errors="replace"))


def _assign(glyphs: list[Glyph], placed: list[_Placed], slack: float) -> dict[int, list[Glyph]]:
    """Glyphs -> crop index: the placement on the glyph's text row nearest to its centre (within
    `slack` px), with the glyph's box moved into that crop's pixels; glyphs out in the gaps are dropped."""
    out: dict[int, list[Glyph]] = {}
    for g in glyphs:
        x0, y0, x1, y1 = g.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        best, bd = None, slack
        for p in placed:
            a, b, c, d = p.rect
            if not (b - slack <= cy < d + slack):
                continue
            dx = max(a - cx, 0.0, cx - c)
            dy = max(b - cy, 0.0, cy - d)
            dist = dx + dy
            if dist <= bd:
                best, bd = p, dist
                if dist == 0:
                    break
        if best is not None:
            a, b = best.rect[:2]
            out.setdefault(best.index, []).append(replace(g, box=(x0 - a, y0 - b, x1 - a, y1 - b)))
    return out


def _join(glyphs: list[Glyph]) -> str:
    """Glyphs of one cell -> text: lines top to bottom ("\n"), words left to right (" ")."""
    lines: dict[int, list[Glyph]] = {}
    for g in glyphs:
        lines.setdefault(g.line, []).append(g)
    ordered = sorted(lines.values(), key=lambda gs: min(g.box[1] for g in gs))
    text = []
    for gs in ordered:
        gs.sort(key=lambda g: g.box[0])
        s, prev = "", None
        for g in gs:
            if prev is not None and g.word != prev:
                s += " "
            s += g.ch
            prev = g.word
        text.append(s)
    return "\n".join(text)


def looks_numeric(text: str) -> bool:
    """Text that is probably a number, maybe misread (report.values decides, for every reader of numbers)."""
    return values.looks_numeric(text)


OCR_DPI = 200  # crops are scaled to this resolution for Tesseract
# Mosaics are always dark text on white: Tesseract's second try of doubtful lines inverted only costs time
# (13% of a table page's pass one, same output).
NO_INVERT = ("-c", "tessedit_do_invert=0")


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
    scale = min(1.0, OCR_DPI / dpi)
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
        want = [i for i in inks if numeric[i] or looks_numeric(results[i].text)]
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


def text_lines(glyphs: np.ndarray, glyph_dpi: float, dpi: int, exclude: list[BBox]) -> list[BBox]:
    """Where the page has text outside the tables: the glyph mask (ink without rules, at glyph_dpi;
    worker.orient.glyph_mask) with the `exclude` boxes (page px at dpi) blanked -> boxes of text lines
    in page px, top to bottom. Blank areas, specks and shapes no line of print has are left out."""
    f = glyph_dpi / dpi
    mask = glyphs.copy()
    for x0, y0, x1, y1 in exclude:
        mask[max(0, int(y0 * f) - 2) : int(y1 * f) + 3, max(0, int(x0 * f) - 2) : int(x1 * f) + 3] = 0
    if not mask.any():
        return []
    gap = max(3, int(glyph_dpi * 0.12))  # about 1 em of 8 pt: joins the words of a line, not two columns
    bars = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(bars, connectivity=8)
    lo, hi = glyph_dpi * 0.04, glyph_dpi * 0.6  # about 3 to 43 pt
    pad = glyph_dpi * 0.03
    lines: list[BBox] = []
    marks: list[BBox] = []
    for x, y, w, h, _area in stats[1:]:
        if h > hi:
            continue
        x0, x1 = x + gap // 2, x + w - gap // 2  # the dilation widened the bar by half a gap each side
        box = (int(max(0, x0 - pad) / f), int(max(0, y - pad) / f), int((x1 + pad) / f), int((y + h + pad) / f))
        ink = int(np.count_nonzero(mask[y : y + h, x : x + w]))
        line = h >= lo and ink >= (glyph_dpi * 0.04) ** 2 * 2 and w >= 0.5 * h
        (lines if line else marks).append(box)
    return [b for row in rows(lines) for b in _joined(_with_marks(row, marks))]


def _with_marks(row: list[BBox], marks: list[BBox]) -> list[BBox]:
    """A row's boxes and the marks too small to be a line by themselves (一、, a lone comma) whose middle
    lies within the row's height, left to right."""
    top, bottom = min(b[1] for b in row), max(b[3] for b in row)
    return sorted(row + [m for m in marks if top <= (m[1] + m[3]) / 2 <= bottom])


def rows(boxes: list[BBox]) -> list[list[BBox]]:
    """Boxes -> rows, top to bottom, each left to right: a box joins the row it overlaps by half its
    height or more (the smaller height)."""
    out: list[list[BBox]] = []
    for b in sorted(boxes, key=lambda b: b[1]):
        for row in out:
            top, bottom = min(r[1] for r in row), max(r[3] for r in row)
            if min(bottom, b[3]) - max(top, b[1]) >= 0.5 * min(bottom - top, b[3] - b[1]):
                row.append(b)
                break
        else:
            out.append([b])
    return [sorted(row) for row in out]


def _joined(row: list[BBox], max_gap_em: float = 1.5) -> list[BBox]:
    """A row's boxes, left to right, with those less than max_gap_em line heights apart joined (a
    heading's number and its words, a clause after a wide full-width comma)."""
    out = [row[0]]
    for b in row[1:]:
        a = out[-1]
        if b[0] - a[2] <= max_gap_em * max(a[3] - a[1], b[3] - b[1]):
            out[-1] = (a[0], min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
        else:
            out.append(b)
    return out


def read_text_lines(
    image: np.ndarray, boxes: list[BBox], hints: OcrHints, exclude: Sequence[BBox] = ()
) -> list[TextLine]:
    """Gray upright page, text line boxes (text_lines) -> the lines read, with word boxes in page px.

    Every line is cut out (with what of the `exclude` boxes, the tables, it reaches blanked), scaled to
    OCR_DPI and stacked into one mosaic: one Tesseract process per page (per 30000 px of mosaic), as for
    cells. Raises OcrTimeout past hints.deadline."""
    scale = min(1.0, OCR_DPI / hints.dpi)
    H, W = image.shape
    crops = []
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        crop = image[y0:y1, x0:x1].copy()
        for a0, b0, a1, b1 in exclude:
            crop[max(0, b0 - 4 - y0) : max(0, b1 + 5 - y0), max(0, a0 - 4 - x0) : max(0, a1 + 5 - x0)] = 255
        crop = _stretch(crop)
        if scale < 0.98:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        crops.append((i, crop))
    if not crops:
        return []
    # the crops are lines of print already: Tesseract's rejection of rows as noise only loses bold headings
    got = read_mosaic(
        crops,
        hints.lang,
        hints.deadline,
        ("-c", "textord_noise_rejrows=0"),
        debug=f"{hints.debug_dir}/text" if hints.debug_dir else None,
    )
    lines = []
    for i, _ in crops:
        x0, y0 = max(0, boxes[i][0]), max(0, boxes[i][1])
        lines += _lines_of(
            got.get(i, []),
            lambda b, x0=x0, y0=y0: (
                x0 + int(b[0] / scale),
                y0 + int(b[1] / scale),
                x0 + int(np.ceil(b[2] / scale)),
                y0 + int(np.ceil(b[3] / scale)),
            ),
        )
    return lines


def _lines_of(glyphs: list[Glyph], to_page) -> list[TextLine]:
    """Glyphs of one crop -> its text lines, each with its words left to right and their page boxes.
    Tesseract may cut one row of print into several lines at a wide gap; the words of a row are one line."""
    by_word: dict[int, list[Glyph]] = {}
    for g in glyphs:
        by_word.setdefault(g.word, []).append(g)
    words: dict[BBox, list[str]] = {}
    for gs in by_word.values():
        gs.sort(key=lambda g: g.box[0])
        box = to_page(
            (min(g.box[0] for g in gs), min(g.box[1] for g in gs), max(g.box[2] for g in gs), max(g.box[3] for g in gs))
        )
        words.setdefault(box, []).append("".join(g.ch for g in gs))
    out = []
    for row in rows(list(words)):
        ws = [Word(text=t, bbox=b) for b in row for t in words[b]]
        out.append(
            TextLine(
                bbox=(min(b[0] for b in row), min(b[1] for b in row), max(b[2] for b in row), max(b[3] for b in row)),
                words=ws,
            )
        )
    return out
