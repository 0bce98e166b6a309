"""Grids for the report tests: the forge's mandated tables (tests/forge/content.py) as CellResults, the
figures and body text of the five seed reports, damage."""

from __future__ import annotations

import random
import re
from pathlib import Path

from schemas.results import CellResult
from tests.forge import content as C

SEEDS = sorted((Path(__file__).resolve().parent / "seeds").glob("*.txt"))
T3_KEYS = [k for k, _, _ in C.t3_rows("2021")]  # the rows of table 三, top to bottom (2021 format)


def seed_path(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


def cells(table: list[dict], confidence: float = 0.95) -> list[CellResult]:
    return [
        CellResult(
            row=c["row"],
            col=c["col"],
            row_span=c["row_span"],
            col_span=c["col_span"],
            bbox=(0, 0, 0, 0),
            kind=c["kind"],
            text=c["text"],
            raw_text=c["text"],
            confidence=confidence,
        )
        for c in table
    ]


def report_tables(v: dict, fmt: str = "2021") -> list[list[CellResult]]:
    """Tables 二, 三, 四 as the forge draws them, from flat figures v."""
    return [cells(C.table_two(v, fmt)), cells(C.table_three(v, fmt)), cells(C.table_four(v))]


def find(table: list[CellResult], text: str, row: int | None = None) -> CellResult:
    return next(c for c in table if c.text == text and (row is None or c.row == row))


def value_cell(table: list[CellResult], row: int, col: int) -> CellResult:
    return next(c for c in table if c.row == row and c.col == col)


def t3_row(key: str, fmt: str = "2021") -> int:
    """Row of a table 三 key in the forge's grid (3 header rows)."""
    return 3 + [k for k, _, _ in C.t3_rows(fmt)].index(key)


def t3_col(col: str) -> int:
    return 3 + C.COLS.index(col)


def drop_column(table: list[CellResult], col: int) -> list[CellResult]:
    """The table as if a column had not been drawn: cells in it gone, cells right of it moved left."""
    out = []
    for c in table:
        if c.col <= col < c.col + c.col_span:
            if c.col_span == 1:
                continue
            c = CellResult(**{**c.__dict__, "col_span": c.col_span - 1})
        elif c.col > col:
            c = CellResult(**{**c.__dict__, "col": c.col - 1})
        out.append(c)
    return out


def typo(text: str, rng: random.Random, rate: float = 0.2) -> str:
    """Replace about rate of the characters with look-alike garbage, the way OCR misreads a label."""
    junk = "口曰日目囗人入八丿丶一二土士于干"
    return "".join(rng.choice(junk) if ch.strip() and rng.random() < rate else ch for ch in text)


# ---- the five seed reports ------------------------------------------------------------------------


def seed_figures(name: str) -> dict:
    """The figures printed in the seed report name (a prefix such as "001"), zeros where it shows none."""
    v = C.zero_figures("2021")
    if name.startswith("001"):
        v["active.normative.valid"] = 3
        v["requests.new.natural"] = 9
        v["requests.open.natural"] = 1
        v["requests.partial.natural"] = 1
        v["requests.unable_1.natural"] = 7
        v.update(zip((f"review.{c}" for c in C.T4_COLS), [0, 2, 0, 1, 3]))
        v.update(zip((f"litigation_direct.{c}" for c in C.T4_COLS), [1, 0, 0, 0, 1]))
    elif name.startswith("003"):
        v["requests.new.natural"] = 1
        v["requests.unable_1.natural"] = 1
    C.fix_totals(v, "2021")
    return v


def body_paragraphs(seed_text: str) -> tuple[list[str], list[str], str]:
    """Split a seed report into (paragraphs before the tables, after the tables, title)."""
    lines = [ln.strip().lstrip("#").strip() for ln in seed_text.splitlines()]
    lines = [re.sub(r"\[bookmark:[^\]]*\]", "", ln) for ln in lines if ln.strip()]
    title_parts = []
    i = 0
    while i < len(lines) and not lines[i].startswith("一、"):
        title_parts.append(lines[i])
        i += 1
    title = "".join(title_parts).replace(" ", "")
    start = next(j for j in range(i, len(lines)) if lines[j].startswith("二、主动公开"))
    end = next(j for j in range(start, len(lines)) if lines[j].startswith("五、"))
    before = lines[i:start]
    after = [ln for ln in lines[end:] if not re.fullmatch(r"\d+", ln)]
    return before, after, title


# ---- the seeds' own extracted tables -------------------------------------------------------------

SECTIONS = {
    "two": "二、主动公开政府信息情况",
    "three": "三、收到和处理政府信息公开申请情况",
    "four": "四、政府信息公开行政复议、行政诉讼情况",
}


def seed_text(prefix: str) -> str:
    """The body text of a seed as the forge lays it out (title, paragraphs), without the tables."""
    before, after, title = body_paragraphs(seed_path(prefix).read_text())
    return "\n".join([title, *before, *after])


def seed_table(prefix: str, section: str) -> list[CellResult]:
    """A table of a seed as its extracted text has it: one row per line (fields split by tabs), or, in
    the docx style, one cell per tab-led line and rows split by blank lines. A cell per non-empty field,
    at the field's position."""
    lines = seed_path(prefix).read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.lstrip("# ").startswith(SECTIONS[section]))
    heads = [h for h in SECTIONS.values() if h != SECTIONS[section]] + ["五、存在的主要问题"]
    end = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip("# ").startswith(tuple(heads)))
    body = lines[start + 1 : end]
    rows: list[list[str]] = []
    if sum(ln.startswith("\t") and "\t" not in ln[1:] for ln in body) > len(body) / 3:  # docx style
        row: list[str] | None = None
        for ln in body:
            if ln == "":
                if row:
                    rows.append(row)
                row = None
            elif ln.startswith("\t"):
                row = (row or []) + [ln[1:]]
            elif row:
                row[-1] += ln
        if row:
            rows.append(row)
    else:
        rows = [ln.split("\t") for ln in body if ln.strip()]
    return [
        CellResult(
            row=r, col=c, row_span=1, col_span=1, bbox=(0, 0, 0, 0), text=field.strip(), raw_text=field, confidence=0.95
        )
        for r, fields in enumerate(rows)
        for c, field in enumerate(fields)
        if field.strip()
    ]
