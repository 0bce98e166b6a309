"""Which recognised table is which mandated table (二 / 三 / 四), whatever its order or page."""

from __future__ import annotations

from report.grid import Grid, cell_text, is_label
from report.labels import best_match, norm_label, similarity
from report.model import TableMatch
from report.templates import ANCHORS, T2_2019_MARKERS, T2_2021_MARKERS, T3_ROWS, TABLES

MIN_TABLE_SCORE = 55.0  # below this a table is not taken for a template
MIN_SHAPE_LABEL_SCORE = 30.0  # a table of the right shape needs at least this
MARKER_SCORE = 80.0  # a label counts as present from this similarity on


def template_score(grid: Grid, template: str) -> tuple[float, str]:
    """Mean over the template's anchor labels of the best similarity to a label of the table,
    and the table text that matched an anchor best."""
    labels = [cell_text(c) for c in grid.cells if is_label(c) and norm_label(cell_text(c))]
    if not labels:
        return 0.0, ""
    total, top, top_text = 0.0, -1.0, ""
    for anchor in ANCHORS[template]:
        i, s = best_match(anchor, labels)
        total += s
        if s > top:
            top, top_text = s, labels[i]
    return total / len(ANCHORS[template]), top_text


def recognise(grids: list[Grid]) -> list[TableMatch]:
    """One TableMatch per grid. Each template goes to the table that matches it best."""
    scored = []
    for i, g in enumerate(grids):
        for t in TABLES:
            s, label = template_score(g, t)
            scored.append((s, i, t, label))
    out = [
        TableMatch(index=i, template=None, format=None, label="", score=0.0, n_rows=g.n_rows, n_cols=g.n_cols)
        for i, g in enumerate(grids)
    ]
    taken: set[str] = set()
    for s, i, t, label in sorted(scored, key=lambda x: -x[0]):
        if s < MIN_TABLE_SCORE or t in taken or out[i].template is not None:
            continue
        taken.add(t)
        out[i].template, out[i].label, out[i].score = t, label, round(s, 1)
    # Labels read too badly: a table still left may be taken by its shape, if its labels half agree.
    for s, i, t, label in sorted(scored, key=lambda x: -x[0]):
        if s >= MIN_SHAPE_LABEL_SCORE and t not in taken and out[i].template is None and has_shape(grids[i], t):
            taken.add(t)
            out[i].template, out[i].label, out[i].score = t, label, round(s, 1)
    for m, g in zip(out, grids):
        if m.template is None:
            m.grid = g.as_rows()
    return out


def has_shape(grid: Grid, template: str) -> bool:
    """The template's grid shape: 四 one row of 15 values; 三 20+ rows of 6+ values; 二 four columns,
    a handful of rows of 1 to 3 values."""
    per_row: dict[int, int] = {}
    for c in grid.cells:
        if not is_label(c):
            per_row[c.row] = per_row.get(c.row, 0) + 1
    if template == "four":
        return grid.n_cols == 15 and 15 in per_row.values()
    if template == "three":
        return sum(1 for n in per_row.values() if n >= 6) >= 20
    return grid.n_cols == 4 and 5 <= len(per_row) <= 10 and max(per_row.values(), default=0) <= 3


def two_format(grid: Grid) -> str | None:
    """What table 二's own column heads say: "2019" (本年新制作数量, 政府集中采购, ...), "2021"
    (本年制发件数, 现行有效件数), or None when neither is legible."""
    labels = [cell_text(c) for c in grid.cells if is_label(c)]
    if sum(1 for m in T2_2019_MARKERS if best_match(m, labels)[1] >= MARKER_SCORE) >= 2:
        return "2019"
    if sum(1 for m in T2_2021_MARKERS if best_match(m, labels)[1] >= MARKER_SCORE) >= 2:
        return "2021"
    return None


def three_format(grid: Grid) -> str | None:
    """What table 三's rows say: "2021" when the items 1. and 2. of （六）其他处理 are there (long labels,
    still recognisable when badly read); "2019" when （六）其他处理 is one row with （七）总计 right below
    it; None when the table does not show (a part without those rows, labels unreadable)."""
    labels = [c for c in grid.cells if is_label(c)]
    texts = [cell_text(c) for c in labels]
    items = [r.item for r in T3_ROWS["2021"] if r.key in ("other_1", "other_2")]
    if any(best_match(item, texts)[1] >= 60 for item in items):
        return "2021"
    other = [c for c in labels if similarity("（六）其他处理", cell_text(c)) >= MARKER_SCORE]
    total = [c for c in labels if similarity("（七）总计", cell_text(c)) >= MARKER_SCORE]
    if other and total and any(o.row + max(1, o.row_span) == t.row for o in other for t in total):
        return "2019"
    return None


def report_format(grids: list[Grid], matches: list[TableMatch], year: int | None = None) -> str:
    """The national format of a report, from every piece of evidence: table 二's column heads and table
    三's rows count twice, the title's year once (reports for 2021 on use the 2021 format); 2021 when
    nothing says otherwise. One missing rule, or a table 三 cut short by a page, does not flip it."""
    by = {m.template: grids[m.index] for m in matches if m.template}
    votes = {"2019": 0, "2021": 0}
    for says in (two_format(by["two"]) if "two" in by else None, three_format(by["three"]) if "three" in by else None):
        if says:
            votes[says] += 2
    if year:
        votes["2021" if year >= 2021 else "2019"] += 1
    return "2019" if votes["2019"] > votes["2021"] else "2021"
