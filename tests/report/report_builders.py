"""Grids for the report tests: scanforge's drawn tables as CellResults, the 2019 format, damage, seeds."""
from __future__ import annotations

import random
from pathlib import Path

from scanforge import template as T
from scanforge.render import body_paragraphs

from worker.results import CellResult

SEEDS = sorted((Path(T.__file__).parent / "seeds").glob("*.txt"))


def seed_path(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


def cells(table: list[dict], confidence: float = 0.95) -> list[CellResult]:
    return [CellResult(row=c["row"], col=c["col"], row_span=c["row_span"], col_span=c["col_span"], bbox=(0, 0, 0, 0),
                       kind=c["kind"], text=c["text"], raw_text=c["text"], confidence=confidence) for c in table]


def report_tables(f: T.Figures) -> list[list[CellResult]]:
    """Tables 二, 三, 四 as scanforge draws them."""
    return [cells(T.table_two(f)), cells(T.table_three(f)), cells(T.table_four(f))]


def find(table: list[CellResult], text: str, row: int | None = None) -> CellResult:
    return next(c for c in table if c.text == text and (row is None or c.row == row))


def value_cell(table: list[CellResult], row: int, col: int) -> CellResult:
    return next(c for c in table if c.row == row and c.col == col)


def t3_row(key: str) -> int:
    """Row of a table 三 key in scanforge's grid (3 header rows)."""
    return 3 + T.T3_KEYS.index(key)


def t3_col(col: str) -> int:
    return 3 + T.T3_COLS.index(col)


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


# ---- the 2019 trial format (scanforge draws only 2021) ------------------------------------------

def table_two_2019(v: dict[str, object]) -> list[dict]:
    """Section 二 of 国办公开办函〔2019〕60号, values by the package's 2019 figure keys."""
    cells, r = [], 0

    def add(row, col, text, kind="label", cs=1):
        cells.append({"row": row, "col": col, "row_span": 1, "col_span": cs, "text": str(text), "kind": kind})

    blocks = [
        ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
         [("规章", "active.rules", ["created", "published", "published_total"]),
          ("规范性文件", "active.normative", ["created", "published", "published_total"])]),
        ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("行政许可", "active.licensing", ["previous", "change", ""]),
          ("其他对外管理服务事项", "active.other_services", ["previous", "change", ""])]),
        ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("行政处罚", "active.penalty", ["previous", "change", ""]),
          ("行政强制", "active.coercion", ["previous", "change", ""])]),
        ("第二十条第（八）项", ["上一年项目数量", "本年增/减"],
         [("行政事业性收费", "active.fee_items", ["previous", "change"])]),
        ("第二十条第（九）项", ["采购项目数量", "采购总金额"],
         [("政府集中采购", "active.procurement", ["items", "amount"])]),
    ]
    for title, heads, rows in blocks:
        add(r, 0, title, "header", cs=4)
        r += 1
        add(r, 0, "信息内容", "header")
        for i, h in enumerate(heads):
            add(r, 1 + i, h, "header")
        r += 1
        for label, prefix, keys in rows:
            add(r, 0, label)
            for i, k in enumerate(keys):
                add(r, 1 + i, v[f"{prefix}.{k}" if k else prefix], "value")
            r += 1
    return cells


def table_three_2019(f: T.Figures) -> list[dict]:
    """Section 三 of the 2019 format: （六）其他处理 is one row (here the sum of the 2021 items)."""
    out, shift = [], 0
    other = [sum(f.t3[f"other_{i}"][c] for i in (1, 2, 3)) for c in range(7)]
    first_other = t3_row("other_1")
    for c in T.table_three(f):
        c = dict(c)
        if c["row"] in (first_other + 1, first_other + 2):
            continue
        if c["row"] == first_other:
            if c["kind"] == "value":
                c["text"] = str(other[c["col"] - 3])
            elif c["col"] == 1:
                c["row_span"], c["col_span"] = 1, 2
            else:
                continue
        elif c["row"] > first_other + 2:
            c["row"] -= 2
        elif c["text"] == "三、本年度办理结果":  # spans two rows fewer
            c["row_span"] -= 2
        out.append(c)
    return out


# ---- the seeds' own extracted tables -------------------------------------------------------------

SECTIONS = {"two": "二、主动公开政府信息情况", "three": "三、收到和处理政府信息公开申请情况",
            "four": "四、政府信息公开行政复议、行政诉讼情况"}


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
    body = lines[start + 1:end]
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
    return [CellResult(row=r, col=c, row_span=1, col_span=1, bbox=(0, 0, 0, 0), text=field.strip(),
                       raw_text=field, confidence=0.95)
            for r, fields in enumerate(rows) for c, field in enumerate(fields) if field.strip()]
