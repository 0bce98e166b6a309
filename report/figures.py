"""Map the cells of recognised tables to the report's named figures.

Rows are found by their labels (fuzzy, in order, so OCR errors and a repeated header do not derail
them) and placed by position where a label could not be read. Columns are found by their header
labels, or by position when a row has exactly the expected number of value cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from report.grid import Grid, cell_text, is_label
from report.labels import place_rows, similarity
from report.model import FigureCell, Number, TableMatch
from report.recognise import report_format
from report.templates import (
    AMOUNT,
    APPLICANT_COLS,
    T2_ROWS,
    T3_ROWS,
    T4_COLS,
    T4_GROUPS,
    TABLE_NAMES_ZH,
    TABLES,
    figure_keys,
    figure_kind,
)
from report.values import LOOKALIKE_CONFIDENCE, NUMBER, UNREADABLE, read_value
from schemas.results import CellResult

ROW_SCORE = 55.0  # a row label must be at least this alike to be taken for an expected row
HEADER_SCORE = 60.0  # the same for a column header
_RESULTS = "三、本年度办理结果"


@dataclass
class TableFigures:
    """The cells of one table mapped to figure keys, and what did not fit."""

    fmt: str
    cells: dict[str, CellResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def value_like(cell: CellResult) -> bool:
    return read_value(cell_text(cell)).state != UNREADABLE


def _suffixes(parts: list[str]) -> list[str]:
    """['a', 'b', 'c'] -> ['abc', 'bc', 'c']: a header read with or without the levels above it."""
    return ["".join(parts[i:]) for i in range(len(parts))]


def header_paths(grid: Grid, rows: range) -> dict[int, list[str]]:
    """For each column, the header labels covering it, top to bottom."""
    out: dict[int, list[str]] = {}
    for k in range(grid.n_cols):
        seen: list[CellResult] = []
        for r in rows:
            c = grid.at(r, k)
            if c is not None and is_label(c) and all(c is not s for s in seen):
                seen.append(c)
        out[k] = [cell_text(c) for c in seen]
    return out


def header_keys(paths: dict[int, list[str]], expected: list[tuple[str, list[str]]]) -> dict[int, tuple[str, float]]:
    """The expected column each grid column's header names: {col: (key, score)}, where one is alike enough.
    expected: (key, header label variants), left to right."""
    out = {}
    for col, path in paths.items():
        found = _suffixes(path)
        if not found:
            continue
        score, key = max(
            ((max(similarity(f, e) for f in found for e in variants), key) for key, variants in expected),
            key=lambda x: x[0],
        )
        if score >= HEADER_SCORE:
            out[col] = (key, score)
    return out


def map_columns(
    values: list[CellResult], heads: dict[int, tuple[str, float]], keys: list[str]
) -> tuple[dict[str, CellResult], str | None]:
    """Give each value cell of a row its key (keys: the expected columns, left to right).

    By header labels when every value cell's header names a different expected column; else by
    position when the row has exactly as many value cells as expected; else whatever the headers
    tell, with a problem to report.
    """
    by_header: dict[str, tuple[CellResult, float]] = {}
    for cell in values:
        if cell.col in heads:
            key, score = heads[cell.col]
            if key not in by_header or by_header[key][1] < score:
                by_header[key] = (cell, score)
    if len(by_header) == len(values) == len(keys):
        return {k: c for k, (c, _) in by_header.items()}, None
    if len(values) == len(keys):
        return dict(zip(keys, values)), None
    return ({k: c for k, (c, _) in by_header.items()}, f"{len(values)} value cells where {len(keys)} are expected")


def row_values(grid: Grid, row: int, first_value_col: int) -> list[CellResult]:
    """The value cells starting in a row: from the right, while they read as values or lie in the
    value columns (an unreadable number is still a value cell)."""
    cells = sorted((c for c in grid.cells if c.row == row), key=lambda c: c.col)
    out: list[CellResult] = []
    for c in reversed(cells):
        if value_like(c) or c.col >= first_value_col:
            out.append(c)
        else:
            break
    return out[::-1]


def first_value_col(grid: Grid) -> int:
    """The leftmost column (not the first) in which value cells outnumber label cells."""
    for k in range(1, grid.n_cols):
        starting = [c for c in grid.cells if c.col == k]
        values = sum(1 for c in starting if value_like(c) and cell_text(c).strip())
        labels = sum(1 for c in starting if is_label(c))
        if values >= 2 and values > 2 * labels:
            return k
    return grid.n_cols


# ---- 三 ---------------------------------------------------------------------------------------


def map_three(grid: Grid, fmt: str) -> TableFigures:
    spec = T3_ROWS[fmt]
    v0 = first_value_col(grid)
    vals = {r: row_values(grid, r, v0) for r in range(grid.n_rows)}
    found = []
    for r in range(grid.n_rows):
        left = vals[r][0].col if vals[r] else grid.n_cols
        labels = [cell_text(c) for c in grid.row_cells(r) if is_label(c) and c.col < left]
        found.append([labels[-1], "".join(labels)] if labels else [])
    expected = []
    for s in spec:
        full = s.group + s.item
        under_results = s.group.startswith("（")  # （一）…（七） sit under 三、本年度办理结果
        expected.append([s.item or s.group, full, _RESULTS + full] if under_results else [full])
    candidates = [r for r in range(grid.n_rows) if sum(1 for c in vals[r] if value_like(c)) >= 3]
    matches = place_rows(found, expected, candidates, ROW_SCORE)
    out = TableFigures(fmt)
    first_data = min((r for r, _ in matches.values()), default=grid.n_rows)
    cols = [
        (key, _suffixes(["申请人情况", *([] if key in ("natural", "total") else ["法人或其他组织"]), label]))
        for key, label in APPLICANT_COLS
    ]
    heads = header_keys(header_paths(grid, range(0, first_data)), cols)
    missing = [s.group + s.item for j, s in enumerate(spec) if j not in matches]
    if missing:
        out.problems.append(f"table 三: {len(missing)} of {len(spec)} rows not found: " + "; ".join(missing))
    misfits: dict[str, list[str]] = {}
    for j, (r, _) in sorted(matches.items()):
        mapped, problem = map_columns(vals[r], heads, [k for k, _ in cols])
        if problem:
            misfits.setdefault(problem, []).append(spec[j].key)
        out.cells.update({f"requests.{spec[j].key}.{k}": c for k, c in mapped.items()})
    out.problems += [f"table 三: {problem} in rows {', '.join(rows)}" for problem, rows in misfits.items()]
    return out


# ---- 四 ---------------------------------------------------------------------------------------


def map_four(grid: Grid) -> TableFigures:
    out = TableFigures("2021")
    # the row of values: the most cells holding a number or a mark, then the most blank ones
    counts = {
        r: (
            sum(1 for c in grid.cells if c.row == r and value_like(c) and cell_text(c).strip()),
            sum(1 for c in grid.cells if c.row == r and value_like(c)),
        )
        for r in range(grid.n_rows)
    }
    if not counts or max(counts.values())[1] == 0:
        out.problems.append("table 四: no row of values found")
        return out
    row = max(counts, key=lambda r: (counts[r], -r))
    values = row_values(grid, row, 0)
    expected = []
    for g, glabel in T4_GROUPS:
        for c, clabel in T4_COLS:
            path = [glabel, clabel] if g == "review" else ["行政诉讼", glabel, clabel]
            expected.append((f"{g}.{c}", _suffixes(path)[:-1]))  # a bare 结果维持 names no group
    heads = header_keys(header_paths(grid, range(0, row)), expected)
    mapped, problem = map_columns(values, heads, [k for k, _ in expected])
    if problem:
        out.problems.append(f"table 四: {problem}")
    out.cells = mapped
    return out


# ---- 二 ---------------------------------------------------------------------------------------


def map_two(grid: Grid, fmt: str) -> TableFigures:
    spec = T2_ROWS[fmt]
    out = TableFigures(fmt)
    label_of, vals = {}, {}
    for r in range(grid.n_rows):
        first = grid.at(r, 0)
        if first is not None and is_label(first) and first.row == r:
            label_of[r] = first
        vals[r] = row_values(grid, r, 1)
    found = [[cell_text(label_of[r])] if r in label_of and vals[r] else [] for r in range(grid.n_rows)]
    candidates = [r for r in range(grid.n_rows) if any(value_like(c) for c in vals[r])]
    matches = place_rows(found, [[s.label] for s in spec], candidates, 50.0)
    missing = [s.label for j, s in enumerate(spec) if j not in matches]
    if missing:
        out.problems.append(f"table 二: rows not found: {', '.join(missing)}")
    for j, (r, _) in sorted(matches.items()):
        head = _header_row_above(grid, r, vals)
        expected = [(c.key, [c.header]) for c in spec[j].cols]
        heads = header_keys(header_paths(grid, range(head, head + 1)), expected) if head is not None else {}
        mapped, problem = map_columns(vals[r], heads, [k for k, _ in expected])
        if problem:
            out.problems.append(f"table 二 row {spec[j].label}: {problem}")
        out.cells.update(mapped)
    return out


def _header_row_above(grid: Grid, row: int, vals: dict[int, list[CellResult]]) -> int | None:
    """The nearest row above with column heads: labels right of the first column, no values."""
    for r in range(row - 1, -1, -1):
        cells = [c for c in grid.cells if c.row == r and c.col > 0]
        if cells and all(is_label(c) for c in cells) and not any(value_like(c) for c in vals[r]):
            return r
    return None


# ---- the whole report -------------------------------------------------------------------------


@dataclass
class ReportFigures:
    fmt: str
    figures: dict[str, Number | None]
    sources: dict[str, FigureCell]
    problems: dict[str, list[str]]  # template -> structure problems (missing table, rows, columns)


def map_report(grids: list[Grid], matches: list[TableMatch], year: int | None = None) -> ReportFigures:
    """Every figure of the report's format, with its cell; None where it is not there or not a number.

    The format (recognise.report_format) weighs table 二's heads, table 三's rows and the year."""
    by = {m.template: m for m in matches if m.template}
    fmt = report_format(grids, matches, year)
    problems: dict[str, list[str]] = {t: [] for t in TABLES}
    cells: dict[str, tuple[int, CellResult]] = {}
    for t, m in by.items():
        g = grids[m.index]
        tf = map_three(g, fmt) if t == "three" else map_two(g, fmt) if t == "two" else map_four(g)
        m.format, m.problems = fmt, tf.problems
        problems[t] = tf.problems
        cells.update({k: (m.index, c) for k, c in tf.cells.items()})
    for t in TABLES:
        if t not in by:
            problems[t].append(f"table {TABLE_NAMES_ZH[t]} not found")
    figures: dict[str, Number | None] = {}
    sources: dict[str, FigureCell] = {}
    for key in figure_keys(fmt):
        if key not in cells:
            figures[key] = None
            continue
        index, c = cells[key]
        reading = read_value(cell_text(c))
        value = reading.value
        if value is not None and figure_kind(fmt, key) == AMOUNT:
            value = float(value)
        figures[key] = value if reading.state == NUMBER else None
        confidence = float(c.confidence)
        if reading.corrected:  # look-alikes read as digits: used, never confident
            confidence = min(confidence, LOOKALIKE_CONFIDENCE)
        sources[key] = FigureCell(
            table=index, row=c.row, col=c.col, text=cell_text(c), confidence=confidence, state=reading.state
        )
    return ReportFigures(fmt, figures, sources, problems)
