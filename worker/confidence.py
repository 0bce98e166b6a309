"""Cell confidence in [0, 1] and cell kinds, from OCR evidence. Pure functions.

Numbers: the two passes (language model, digits-only) must agree, with as many characters as the
ink has glyphs, for high confidence; a number read by one pass only, or two different numbers,
stays below the usual review threshold. Text:
Tesseract glyph confidence, lowered for signs of a misread (Latin letters or stray symbols
inside Chinese text, no text read from visible ink).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from report.values import CJK_CHAR, LOOKALIKE_CONFIDENCE, NUMBER, NumberReading, read_value
from schemas.statuses import CellKind

from .normalise import normalise_text
from .ocr import CellText

_LATIN = re.compile(r"[A-Za-z]")
_ODD = re.compile(r"[=<>~|\\^_{}\[\]@#$%&*+]")


@dataclass
class CellReading:
    raw_text: str
    text: str
    confidence: float
    number: str | None  # canonical number text when the cell reads as a number (report.values)


def _number(text: str | None) -> NumberReading | None:
    r = read_value(text or "")
    return r if r.state == NUMBER else None


def _agree(a: NumberReading, b: NumberReading) -> bool:
    """The two passes read the same number (the digits pass sees no brackets, percent or mark)."""
    return a.number == b.number or (a.brackets and a.number == "-" + b.number)


def _same_but_separators(first: str, digits: str) -> bool:
    """The two passes read the same digits with a separator at the same places, whether point or comma."""
    a, b = "".join(first.split()), "".join(digits.split())
    return len(a) == len(b) and all(x == y or (x in ".," and y in ".,") for x, y in zip(a, b))


GLYPHS_DISAGREE = 0.5  # a reading with more or fewer characters than the ink has glyphs
INFERRED_STRUCTURE = 0.85  # a cell bounded by a separator found without a rule (text gaps, an open edge)
TEXT_STRUCTURE = 0.7  # a cell of a table ruled only in part: its grid is the text's alignment, a guess
FORMAT_DOUBT = 0.5  # a number printed otherwise than the rest of its column
DISPUTED = 0.6  # text the Chinese and the Latin model read differently


def structure_cap(
    bbox: tuple[int, int, int, int], inferred_xs: list[int], inferred_ys: list[int], from_text: bool = False
) -> float:
    """How far a cell's reading can be trusted given how its walls were found: TEXT_STRUCTURE in a grid
    found from the text's alignment (below the usual review threshold: such cells go to a person),
    INFERRED_STRUCTURE when one wall was inferred rather than seen as a rule, else 1."""
    if from_text:
        return TEXT_STRUCTURE
    x0, y0, x1, y1 = bbox
    if any(abs(x - x0) <= 2 or abs(x - x1) <= 2 for x in inferred_xs) or any(
        abs(y - y0) <= 2 or abs(y - y1) <= 2 for y in inferred_ys
    ):
        return INFERRED_STRUCTURE
    return 1.0


def read_number(ct: CellText) -> CellReading:
    """A cell read by both passes -> the number and how far to trust it. A reading that needed look-alikes
    corrected (report.values) is never more confident than LOOKALIKE_CONFIDENCE."""
    a = _number(ct.text)
    b = _number(ct.digits)
    if (a is None) != (b is None) and _same_but_separators(ct.text, ct.digits or ""):
        a = b = a or b  # 1.234.567.89 is no number, 1,234,567.89 in the same places is: small commas look like points
    raw = ct.text if ct.digits is None else f"{ct.text}|{ct.digits}"
    q1 = min(1.0, max(0.0, ct.min_conf / 100.0))
    q2 = min(1.0, max(0.0, ct.digits_conf / 100.0))
    if a is not None and b is not None and _agree(a, b) and not a.corrected:
        read = len(re.sub(r"\s", "", ct.digits or ""))
        if ct.glyphs is not None and read != ct.glyphs:  # both passes dropped or added the same glyph
            return CellReading(raw, a.text, GLYPHS_DISAGREE, a.number)
        return CellReading(raw, a.text, round(0.9 + 0.09 * min(q1, q2), 4), a.number)
    if b is not None and (a is None or (_agree(a, b) and a.corrected)):
        # pass one saw something else (a glyph, nothing, or a letter for a digit): plausible but unconfirmed
        pick = a if a is not None else b
        return CellReading(raw, pick.text, _capped(0.45 + 0.3 * q2, a, b), pick.number)
    if a is not None and b is None:
        return CellReading(raw, a.text, _capped(0.35 + 0.3 * q1, a), a.number)
    if a is not None and b is not None:
        pick = b if q2 >= q1 else a
        return CellReading(raw, pick.text, 0.3, pick.number)
    return CellReading(raw, normalise_text(ct.text), 0.15, None)


def _capped(confidence: float, *readings: NumberReading | None) -> float:
    if any(r is not None and r.corrected for r in readings):
        confidence = min(confidence, LOOKALIKE_CONFIDENCE)
    return round(confidence, 4)


def odd_decimals(columns: list[int], numbers: list[str | None], min_numbers: int = 4, share: float = 0.75) -> set[int]:
    """Indexes of the numbers with no decimal point in a column that prints share or more of its numbers
    (min_numbers or more) with the same count of decimals: amounts to the cent, where "673.13" read as
    "67313" lost its point and is a hundred times too large."""
    by_col: dict[int, list[tuple[int, str]]] = {}
    for k, (col, n) in enumerate(zip(columns, numbers)):
        if n is not None:
            by_col.setdefault(col, []).append((k, n))
    odd: set[int] = set()
    for found in by_col.values():
        ks = [k for k, _ in found]
        places = [len(n.partition(".")[2]) for _, n in found]
        common = max(set(places), key=places.count)
        if len(ks) >= min_numbers and common > 0 and places.count(common) >= share * len(ks):
            odd |= {k for k, p in zip(ks, places) if p == 0}
    return odd


def read_text(ct: CellText) -> CellReading:
    """A text (header / label) cell -> normalised text and confidence."""
    text = normalise_text(ct.text)
    if ct.empty:
        return CellReading("", "", 0.98, None)
    if not text:
        return CellReading(ct.text, "", 0.1, None)  # ink but nothing read
    mean = min(1.0, max(0.0, ct.conf / 100.0))
    low = min(1.0, max(0.0, ct.min_conf / 100.0))
    c = 0.55 + 0.3 * mean + 0.15 * low
    n_cjk = len(CJK_CHAR.findall(text))
    if n_cjk and _LATIN.search(text):
        c *= 0.75  # Latin letters inside Chinese labels: eng model took over a Chinese word
    if _ODD.search(text):
        c *= 0.8
    if ct.disputed:
        c = min(c, DISPUTED)
    number = _number(ct.text) if not n_cjk else None
    if number is not None and number.corrected:
        c = min(c, LOOKALIKE_CONFIDENCE)
    return CellReading(ct.text, text, round(min(1.0, c), 4), number.number if number else None)


def looks_like_value(ct: CellText) -> bool:
    """Was this cell read (by either pass) as a number?"""
    return _number(ct.text) is not None or _number(ct.digits) is not None


def table_kinds(cells: list[tuple[int, int, int, int]], is_num: list[bool], empty: list[bool]) -> list[CellKind]:
    """Cells (row, col, row_span, col_span) with 'reads as a number' and 'is empty' flags -> kind
    per cell: header | label | value.

    Value columns hold numbers in most rows that have any. Header rows have no number but cross
    a value column (column heads, section titles), or lie above the first row with a number.
    Header cells lie in header rows only; value cells are in value columns and non-header rows;
    the rest are labels."""
    if not cells:
        return []
    n_rows = max(r + rs for r, _, rs, _ in cells)
    n_cols = max(c + cs for _, c, _, cs in cells)
    row_has_num = [False] * n_rows
    for (r, _c, rs, _cs), num in zip(cells, is_num):
        if num:
            for rr in range(r, r + rs):
                row_has_num[rr] = True
    first_num = next((r for r in range(n_rows) if row_has_num[r]), n_rows)
    col_num = [0] * n_cols
    col_text = [0] * n_cols
    for (r, c, _rs, cs), num, emp in zip(cells, is_num, empty):
        if r < first_num:
            continue
        for cc in range(c, c + cs):
            if num:
                col_num[cc] += 1
            elif not emp:
                col_text[cc] += 1
    value_col = [col_num[k] > 0 and col_num[k] >= col_text[k] for k in range(n_cols)]
    header_row = [False] * n_rows
    for r in range(n_rows):
        if r < first_num:
            header_row[r] = True
    for (r, c, rs, cs), _num in zip(cells, is_num):
        if rs == 1 and not row_has_num[r] and any(value_col[k] for k in range(c, c + cs)):
            header_row[r] = True
    kinds = []
    for r, c, rs, cs in cells:
        rows = range(r, r + rs)
        if all(header_row[rr] for rr in rows):
            kinds.append(CellKind.HEADER)
        elif all(value_col[k] for k in range(c, c + cs)):
            kinds.append(CellKind.VALUE)
        else:
            kinds.append(CellKind.LABEL)
    return kinds
