"""Each way offices print a table, as the forge draws it, is found with the truth's grid (no OCR):
shaded header bands (grey and coloured), hairline rules on fax and worn scans (a small table 四
included), vertical text in tall merged cells with labels wrapped over three lines."""

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


@pytest.mark.parametrize(
    "variation,profile,seed",
    [
        ("grey-bands", "fax", 1),
        ("grey-bands", "worn", 2),
        ("colour-bands", "fax", 3),
        ("colour-bands", "worn", 4),
        ("hairline", "fax", 5),
        ("hairline", "worn", 6),
        ("vertical-text", "office", 7),
        ("vertical-text", "fax", 8),
    ],
)
def test_every_table_part_is_found_with_its_grid(variation, profile, seed):
    rng = random.Random(seed)
    spec = spec_for("x", variation, profile, rng)
    lay, _, _ = draw(spec, rng)
    p = PROFILES[profile]
    names = set()
    for i, page in enumerate(lay.pages):
        if not page.tables:
            continue
        img, _ = degrade(page.image, p, random.Random(seed * 100 + i))
        gray, *_ = upright(np.asarray(img.convert("L")), p.dpi, PipelineConfig())
        grids = [build_grid(r, p.dpi) for r in find_tables(gray, p.dpi)]
        assert [(g.n_rows, g.n_cols) for g in grids] == [visible_shape(t) for t in page.tables], (
            variation,
            profile,
            i + 1,
        )
        names |= {t["name"] for t in page.tables}
    assert names == {"two", "three", "four"}
