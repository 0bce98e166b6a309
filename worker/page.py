"""Recognise one page: orient -> deskew -> find tables -> grid -> OCR cells -> normalise ->
confidence -> page text. The one place that orchestrates the pure steps of this package."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import numpy as np

from report.values import CJK_CHAR, looks_numeric
from schemas.results import CellResult, PageResult, TableResult, TextLine, Word
from schemas.statuses import CellKind

from .confidence import FORMAT_DOUBT, looks_like_value, odd_decimals, read_number, read_text, structure_cap, table_kinds
from .config import PipelineConfig
from .deskew import estimate_skew, rotate, to_gray
from .grid import Grid, build_grid
from .normalise import normalise_text
from .ocr import CellText, FlipProbe, OcrHints, read_cells, read_cells_probed, read_text_lines, rows, text_lines
from .orient import glyph_mask, text_axis_turn, turn, up_down
from .scale import page_dpi
from .tables import find_tables, rule_masks


class _Clock:
    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.t = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(self.timings.get(step, 0.0) + now - self.t, 4)
        self.t = now


def upright(
    gray: np.ndarray, dpi: int, config: PipelineConfig, clock: _Clock | None = None
) -> tuple[np.ndarray, int, float, bool, tuple[np.ndarray, float] | None]:
    """Gray page as scanned -> (upright level page, clockwise rotation applied, skew found, sure, glyphs):
    sure when the page's punctuation leaves no doubt which way is up; glyphs the upright page's glyph mask
    the up/down check made (worker.orient.glyph_mask; None without orientation detection)."""
    rotation = 0
    if config.detect_orientation:
        quarter, strength = text_axis_turn(gray, dpi)
        if quarter and strength >= 0.2:
            gray = turn(gray, quarter)
            rotation = quarter
    if clock:
        clock.lap("orient")
    skew = estimate_skew(gray, dpi, config.max_skew_degrees)
    gray = rotate(gray, -skew)
    if clock:
        clock.lap("deskew")
    sure, glyphs = not config.detect_orientation, None
    if config.detect_orientation:
        glyphs = glyph_mask(gray, dpi)
        flipped, sure = up_down(gray, dpi, glyphs=glyphs)
        if flipped:
            gray = turn(gray, 180)
            glyphs = (turn(glyphs[0], 180), glyphs[1])
            rotation = (rotation + 180) % 360
            sure = False
    if clock:
        clock.lap("orient")
    return gray, rotation, skew, sure, glyphs


def _cells(grid: Grid, texts: list[CellText]) -> tuple[list[CellResult], float]:
    """Grid cells + their OCR -> CellResults (kind, text, confidence) and the table confidence."""
    readings = []
    for ct in texts:
        if ct.empty:
            readings.append(read_text(ct))
        elif ct.digits is not None or looks_like_value(ct):
            readings.append(read_number(ct) if ct.digits is not None else read_text(ct))
        else:
            readings.append(read_text(ct))
    spans = [(c.row, c.col, c.row_span, c.col_span) for c in grid.cells]
    is_num = [r.number is not None for r in readings]
    empty = [ct.empty for ct in texts]
    kinds = table_kinds(spans, is_num, empty)
    out = []
    for c, ct, rd, kind in zip(grid.cells, texts, readings, kinds):
        conf = min(rd.confidence, structure_cap(c.bbox, grid.inferred_xs, grid.inferred_ys, grid.from_text))
        text = rd.text
        if kind == CellKind.VALUE and not ct.empty and rd.number is None and not ct.dash:
            conf = min(conf, 0.3)  # a value cell that is not a number (a dash is nil, and sure)
        if kind == CellKind.VALUE and ct.apart:
            conf = min(conf, FORMAT_DOUBT)  # two entries a missing rule put in one cell read as one number
        out.append(
            CellResult(
                row=c.row,
                col=c.col,
                row_span=c.row_span,
                col_span=c.col_span,
                bbox=c.bbox,
                kind=kind,
                raw_text=rd.raw_text,
                text=text,
                confidence=conf,
            )
        )
    numbers = [rd.number if c.kind == CellKind.VALUE else None for c, rd in zip(out, readings)]
    for k in odd_decimals([c.col for c in out], numbers):
        out[k].confidence = min(out[k].confidence, FORMAT_DOUBT)
    filled = [c.confidence for c in out if c.text]
    conf = float(np.mean(filled)) if filled else 1.0
    return out, round(conf, 4)


def _tables_and_cells(
    gray: np.ndarray, dpi: int, config: PipelineConfig, deadline: float, clock: _Clock, probe: int
) -> tuple[list[Grid], list[CellText], FlipProbe | None]:
    """Level page -> table grids and the OCR of all their cells (one batch for the page)."""
    masks = rule_masks(gray, dpi)
    regions = find_tables(gray, dpi, masks)
    clock.lap("find_tables")
    grids = [g for g in (build_grid(r, dpi) for r in regions) if g is not None]
    clock.lap("grid")
    boxes = [c.bbox for g in grids for c in g.cells]
    rule_px = int(np.median([g.rule_px for g in grids])) if grids else 3
    hints = OcrHints(dpi=dpi, lang=config.cell_lang or config.lang, deadline=deadline, rule_px=rule_px)
    texts, evidence = read_cells_probed(gray, boxes, hints, probe) if boxes else ([], None)
    texts = _latin_read_again(gray, grids, texts, hints)
    clock.lap("ocr_cells")
    return grids, texts, evidence


_LATIN = re.compile(r"[A-Za-z]{2,}")


def _latin_read_again(
    gray: np.ndarray, grids: list[Grid], texts: list[CellText], hints: OcrHints, min_latin_share: float = 0.3
) -> list[CellText]:
    """The Chinese model reads English words and decimal points worse, so text with no Chinese character is
    read again with the Latin model alone (eng), in one batch for the page:

    - a table whose first reading holds no Chinese character and words of Latin letters in min_latin_share
      of its cells or more is read again whole, and that reading kept;
    - in any other table, a cell of such text that is not a number (E-mail, a date range, a code) gets the
      Latin model's reading as a second opinion. Where the two differ the cell is `disputed` (its confidence
      says so): the Latin reading is kept when it holds Latin words, the first otherwise."""
    if hints.lang == "eng":
        return texts
    whole: list[int] = []
    single: list[int] = []
    k = 0
    for g in grids:
        part = range(k, k + len(g.cells))
        k += len(g.cells)
        filled = [i for i in part if not texts[i].empty and texts[i].text.strip()]
        chinese = {i for i in filled if CJK_CHAR.search(texts[i].text)}
        if (
            filled
            and not chinese
            and sum(bool(_LATIN.search(texts[i].text)) for i in filled) >= min_latin_share * len(filled)
        ):
            whole += part
        else:
            single += [i for i in filled if i not in chinese and _not_a_number(texts[i].text)]
    if not whole and not single:
        return texts
    boxes = [c.bbox for g in grids for c in g.cells]
    again, whole_set = whole + single, set(whole)
    out = list(texts)
    for i, ct in zip(again, read_cells(gray, [boxes[i] for i in again], replace(hints, lang="eng"))):
        if i in whole_set:
            out[i] = ct
        elif normalise_text(ct.text) != normalise_text(texts[i].text):
            out[i] = replace(ct if _LATIN.search(ct.text) else texts[i], disputed=True)
    return out


def _not_a_number(text: str, min_chars: int = 2) -> bool:
    """Text of min_chars letters or digits or more that does not read as a number (numbers have their own
    second reading, the digits pass)."""
    return sum(ch.isalnum() for ch in text) >= min_chars and not looks_numeric(text)


def process_page(image: np.ndarray, number: int, dpi: int, config: PipelineConfig) -> tuple[PageResult, np.ndarray]:
    """image: the page as rasterised (uint8, gray HxW or RGB HxWx3), at `dpi` (as its file states). Returns
    the PageResult (its dpi the one the ink shows, where the file's disagrees) and the upright, deskewed
    page image (gray; what bboxes refer to).

    Raises worker.ocr.OcrTimeout when Tesseract runs past config.page_timeout_seconds (counted
    from the start of the page)."""
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    deadline = time.monotonic() + config.page_timeout_seconds
    gray = to_gray(image)
    dpi = page_dpi(gray, dpi)  # a screen image, or a file with no DPI or a wrong one: the ink's own scale
    clock.lap("gray")
    gray, rotation, skew, sure, glyphs = upright(gray, dpi, config, clock)
    h, w = gray.shape
    page = PageResult(
        number=number, rotation=rotation, skew_degrees=round(skew, 3), dpi=dpi, width=w, height=h, timings=timings
    )

    probe_cells = 0 if sure else 6  # label cells also read turned, to settle which way is up
    grids, texts, probe = _tables_and_cells(gray, dpi, config, deadline, clock, probe_cells)
    if probe is not None and probe.upside_down:
        gray = turn(gray, 180)
        glyphs = (turn(glyphs[0], 180), glyphs[1]) if glyphs else None
        page.rotation = (page.rotation + 180) % 360
        grids, texts, _ = _tables_and_cells(gray, dpi, config, deadline, clock, probe=0)

    k = 0
    for i, g in enumerate(grids):
        part = texts[k : k + len(g.cells)]
        k += len(g.cells)
        cells, conf = _cells(g, part)
        for c in cells:
            c.needs_review = c.confidence < config.review_threshold
        page.tables.append(
            TableResult(
                index=i,
                bbox=g.bbox,
                n_rows=g.n_rows,
                n_cols=g.n_cols,
                cells=cells,
                confidence=conf,
                inferred_xs=list(g.inferred_xs),
            )
        )
    clock.lap("cells")

    if not config.tables_only:
        page.lines = page_text(
            gray, dpi, glyphs, [g.bbox for g in grids], OcrHints(dpi=dpi, lang=config.lang, deadline=deadline)
        )
        page.text = "\n".join(normalise_text(ln.text) for ln in page.lines)
        clock.lap("page_text")
    return page, gray


def page_text(
    gray: np.ndarray, dpi: int, glyphs: tuple[np.ndarray, float] | None, tables: list[tuple], hints: OcrHints
) -> list[TextLine]:
    """Upright page -> its text outside the `tables` boxes, line by line with word boxes: only the lines
    the glyph mask shows are read, all in one batch with the first of hints.lang's languages; lines that
    read as Latin words without a Chinese character are read again with all of them (as tables are:
    chi_sim+eng costs about twice chi_sim on Chinese print). Words are normalised; empty lines dropped."""
    mask, glyph_dpi = glyphs or glyph_mask(gray, dpi)
    boxes = text_lines(mask, glyph_dpi, dpi, tables)
    first = hints.lang.split("+")[0]
    lines = read_text_lines(gray, boxes, replace(hints, lang=first), tables)
    latin = [ln for ln in lines if not CJK_CHAR.search(ln.text) and _LATIN.search(ln.text)]
    if latin and first != hints.lang:
        pad = int(dpi * 0.03)
        again = read_text_lines(
            gray,
            [(x0 - pad, y0 - pad, x1 + pad, y1 + pad) for x0, y0, x1, y1 in (ln.bbox for ln in latin)],
            hints,
            tables,
        )
        kept = {ln.bbox: ln for ln in lines if ln not in latin} | {ln.bbox: ln for ln in again}
        lines = [kept[b] for row in rows(list(kept)) for b in row]
    out = []
    for ln in lines:
        words = [Word(t, w.bbox) for w in ln.words if (t := normalise_text(w.text))]
        if words:
            out.append(TextLine(bbox=ln.bbox, words=words))
    return out
