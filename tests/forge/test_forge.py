"""The generator's truth is exact: every variation draws what its truth says."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tests.forge import VARIATIONS, DocSpec, Style
from tests.forge import content as C
from tests.forge.documents import draw, spec_for
from tests.forge.layout import TYPEFACES


def slots_covered_once(cells: list[dict]) -> bool:
    seen: dict = {}
    for c in cells:
        for r in range(c["row"], c["row"] + c["row_span"]):
            for k in range(c["col"], c["col"] + c["col_span"]):
                if (r, k) in seen:
                    return False
                seen[(r, k)] = c
    rows = max(r for r, _ in seen) + 1
    cols = max(k for _, k in seen) + 1
    return len(seen) == rows * cols


@pytest.mark.parametrize("variation", list(VARIATIONS))
def test_every_variation_draws_whole_grids_inside_the_page(variation):
    rng = random.Random(11)
    spec = spec_for("x", variation, "clean", rng)
    lay, figures, _ = draw(spec, rng)
    w, h = spec.style.page
    parts = [t for p in lay.pages for t in p.tables]
    assert parts
    for t in parts:
        assert slots_covered_once(t["cells"]), (variation, t["name"], t["part"])
        assert all(0 <= c["bbox"][0] < c["bbox"][2] <= w and 0 <= c["bbox"][1] < c["bbox"][3] <= h for c in t["cells"])
    if spec.kind == "annual_report":
        assert set(figures) == set(C.figure_keys(spec.format))


@pytest.mark.parametrize("fmt", C.FORMATS)
def test_random_reports_keep_every_mandated_sum_and_a_broken_one_breaks_exactly_one(fmt):
    rng = random.Random(5)
    v = C.random_figures(rng, fmt, "city")
    fixed = dict(v)
    C.fix_totals(fixed, fmt)
    assert fixed == v
    broken = dict(v)
    what = C.break_a_sum(broken, fmt, rng)
    assert what["rule"] and sum(broken[k] != v[k] for k in v) == 1


def ink_along(image, y: int, x0: int, x1: int) -> float:
    """Share of dark pixels on a horizontal line of the drawn page."""
    a = np.asarray(image.convert("L"))[y, x0:x1]
    return float((a < 128).mean())


def long_report(**style) -> DocSpec:
    return DocSpec(name="x", style=Style(table_pt=12, **style), split=True)


def test_an_open_break_leaves_the_frame_open_and_a_closed_one_rules_it():
    for open_break in (False, True):
        lay, _, _ = draw(long_report(open_break=open_break), random.Random(2))
        page = next(p for p in lay.pages if any(t["name"] == "three" and t["part"] == 0 for t in p.tables))
        part = next(t for t in page.tables if t["name"] == "three" and t["part"] == 0)
        x0 = min(c["bbox"][0] for c in part["cells"])
        x1 = max(c["bbox"][2] for c in part["cells"])
        bottom = max(c["bbox"][3] for c in part["cells"])
        assert (ink_along(page.image, bottom, x0 + 20, x1 - 20) < 0.2) == open_break


def test_a_repeated_header_starts_the_continuation_with_the_header_rows():
    lay, _, _ = draw(long_report(open_break=True, repeat_header=True), random.Random(2))
    parts = [t for p in lay.pages for t in p.tables if t["name"] == "three"]
    assert len(parts) == 2 and parts[1]["header_rows"] == 3
    head = {c["text"] for c in parts[1]["cells"] if c["row"] < 3}
    assert {"申请人情况", "自然人", "法人或其他组织"} <= head
    first_body = min(c["row"] for c in parts[1]["cells"] if c["kind"] == "value")
    assert first_body == 3


def test_the_typefaces_are_installed():
    missing = [name for name, (path, _, _) in TYPEFACES.items() if not Path(path).exists()]
    assert not missing, f"install the fonts of {missing} (scripts/install-deps.sh)"


def test_the_2019_format_has_one_other_row_and_its_own_table_two():
    v = C.random_figures(random.Random(1), "2019")
    three = C.table_three(v, "2019")
    assert max(c["row"] for c in three) == 3 + 22
    assert "requests.other.total" in v and "requests.other_1.total" not in v
    assert "政府集中采购" in {c["text"] for c in C.table_two(v, "2019")}
