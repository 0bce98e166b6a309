"""Three-line tables (三线表), as the forge draws them: rules above and below the head and under the
table only. The head's nested titles, a label spanning the rows beside it (三、本年度办理结果 printed
top to bottom), labels wrapped over several lines and labels centred beside their items must come out
as the grid the table was drawn with (no OCR)."""

import random

import numpy as np
import pytest

from tests.forge import PROFILES
from tests.forge.documents import draw, spec_for, visible_shape
from tests.forge.scan import degrade
from worker.config import PipelineConfig
from worker.grid import build_grid
from worker.page import upright
from worker.tables import find_tables


def _spans(cells) -> set[tuple[int, int, int, int]]:
    return {(c["row"], c["col"], c["row_span"], c["col_span"]) for c in cells}


@pytest.mark.parametrize("profile,seed", [("clean", 1), ("office", 2), ("clean", 3), ("fax", 5), ("fax", 7)])
def test_tables_three_and_four_come_out_as_drawn(profile, seed):
    rng = random.Random(seed)
    spec = spec_for("x", "three-line", profile, rng)
    lay, _, _ = draw(spec, rng)
    p = PROFILES[profile]
    seen = set()
    for i, page in enumerate(lay.pages):
        parts = [t for t in page.tables if t["name"] in ("three", "four") and t["first_row"] == 0]
        if not parts:
            continue
        img, _ = degrade(page.image, p, random.Random(seed * 100 + i))
        gray, *_ = upright(np.asarray(img.convert("L")), p.dpi, PipelineConfig())
        grids = {t["name"]: g for t, g in zip(page.tables, (build_grid(r, p.dpi) for r in find_tables(gray, p.dpi)))}
        for t in parts:
            g = grids[t["name"]]
            assert g is not None and (g.n_rows, g.n_cols) == visible_shape(t), (t["name"], profile, seed)
            seen.add(t["name"])
            if t["name"] == "three":
                # the head: 申请人情况 over seven columns, 法人或其他组织 over five, 自然人 and 总计 down two rows
                head = [c for c in t["cells"] if c["row"] < t["header_rows"]]
                got = {(c.row, c.col, c.row_span, c.col_span) for c in g.cells if c.row < t["header_rows"]}
                assert got == _spans(head)
                # 三、本年度办理结果 in a column of its own, left of the nested labels
                assert g.n_cols == 10
    assert seen == {"three", "four"}


@pytest.mark.parametrize("seed", [3, 7])
def test_a_worn_three_line_table_is_found_though_the_sheet_edge_shows(seed):
    """A worn copy: faint rules, and the scanned sheet's edge dark along the image's border. The edge is no
    rule of the table, and every table part on the page is found."""
    rng = random.Random(seed)
    spec = spec_for("x", "three-line", "worn", rng)
    lay, _, _ = draw(spec, rng)
    p = PROFILES["worn"]
    for i, page in enumerate(lay.pages):
        if not page.tables:
            continue
        img, _ = degrade(page.image, p, random.Random(seed * 100 + i))
        gray, *_ = upright(np.asarray(img.convert("L")), p.dpi, PipelineConfig())
        assert len(find_tables(gray, p.dpi)) == len(page.tables), (seed, i + 1)
