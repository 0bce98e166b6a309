"""Small forged scans for tests, drawn with ../shared/scanforge: one page, known tables, exact truth."""
from __future__ import annotations

import json
import random
from pathlib import Path

from scanforge import template as T
from scanforge.render import Layout, Style
from scanforge.scan import PROFILES, degrade, to_pdf


def forge_table_page(path: Path, profile: str = "clean", seed: int = 1, tables=("two", "four")) -> Path:
    """Draw the named tables of a random consistent report on one A4 page, scan it, write PATH and
    PATH.truth.json (the scanforge truth format, so scanforge.score can read it)."""
    rng = random.Random(seed)
    figures = T.random_figures(rng, "district")
    style = Style()
    lay = Layout(style)
    lay.text("二、主动公开政府信息情况", bold=True, indent=False)
    draw = {"two": T.table_two, "three": T.table_three, "four": T.table_four}
    for name in tables:
        lay.table(name, draw[name](figures), T.WIDTHS[name])
    prof = PROFILES[profile]
    scans, pages = [], []
    for i, pg in enumerate(lay.pages):
        img, angle = degrade(pg.image, prof, rng)
        scans.append(img)
        pages.append({"number": i + 1, "skew_degrees": round(angle, 3), "tables": pg.tables})
    to_pdf(scans, str(path), prof.dpi)
    truth = {"name": path.stem, "draw_dpi": style.dpi, "scan_dpi": prof.dpi, "figures": None,
             "broken_rule": None, "pages": pages}
    path.with_name(path.stem + ".truth.json").write_text(json.dumps(truth, ensure_ascii=False))
    return path
