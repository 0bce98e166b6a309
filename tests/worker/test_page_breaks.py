"""Tables that run onto the next page with the frame left open at the break (as Word and WPS print
them), drawn by the project's forge in several rule weights and scan profiles (no OCR)."""

import random

import numpy as np
import pytest

from tests.forge import PROFILES, DocSpec, Style
from tests.forge.documents import draw, visible_shape
from tests.forge.scan import degrade
from worker.config import PipelineConfig
from worker.grid import build_grid
from worker.page import upright
from worker.tables import find_tables


def found(page, profile: str, seed: int) -> list[tuple[tuple[str, ...], int, int]]:
    p = PROFILES[profile]
    img, _ = degrade(page.image, p, random.Random(seed))
    gray, *_ = upright(np.asarray(img.convert("L")), p.dpi, PipelineConfig())
    out = []
    for region in find_tables(gray, p.dpi):
        grid = build_grid(region, p.dpi)
        out.append((region.open_edges, grid.n_rows if grid else 0, grid.n_cols if grid else 0))
    return out


@pytest.mark.parametrize("rule_pt,profile", [(0.25, "clean"), (0.75, "fax"), (2.0, "worn"), (0.5, "office")])
def test_every_part_of_a_table_open_at_page_breaks_is_found_whole(rule_pt, profile):
    lay, _, _ = draw(DocSpec(name="x", style=Style(rule_pt=rule_pt, open_break=True), split=True), random.Random(4))
    opened = 0
    for i, page in enumerate(lay.pages):
        if not page.tables:
            continue
        got = found(page, profile, i)
        want = [visible_shape(t) for t in page.tables]
        assert [(r, c) for _, r, c in got] == want, (i, got, want)
        opened += sum(1 for edges, _, _ in got if edges)
    assert opened >= 2


def test_a_continuation_with_its_header_repeated_is_found_closed_at_its_top():
    lay, _, _ = draw(DocSpec(name="x", style=Style(open_break=True, repeat_header=True), split=True), random.Random(4))
    page = next(p for p in lay.pages if any(t["name"] == "three" and t["part"] == 1 for t in p.tables))
    part = next(t for t in page.tables if t["name"] == "three")
    edges, rows, cols = found(page, "office", 1)[0]
    assert (rows, cols) == visible_shape(part) and "top" not in edges
