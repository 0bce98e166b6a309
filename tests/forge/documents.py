"""Whole documents: an annual report (2021 or 2019 format) or another table document (a budget, a
final account), laid out in a Style, scanned with a Profile, written as NAME.pdf + NAME.truth.json.

Truth format (what `tablescan evaluate` reads):
    {"name", "kind": "annual_report" | "budget" | "final_account", "format": "2021" | "2019" | null,
     "variation", "style", "profile", "draw_dpi", "scan_dpi",
     "figures": {figure key: number} | null, "broken_rule": {...} | null,
     "pages": [{"number", "skew_degrees", "upside_down", "text": [lines],
                "tables": [{"name", "part", "first_row", "header_rows",
                            "cells": [{"row", "col", "row_span", "col_span", "text", "kind",
                                       "bbox": [x0, y0, x1, y1] in 300-dpi drawing pixels}]}]}]}
A table too long for its page continues on the next as part 1, its rows numbered from 0.
"""

from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from . import content as C
from .layout import Layout, Style
from .scan import PROFILES, Profile, degrade, to_pdf

# A variation is a named change of Style (and of what is drawn); adding one is adding a line here.
VARIATIONS: dict[str, dict] = {
    "plain": {},
    "hairline": {"rule_pt": 0.25},
    "heavy-rules": {"rule_pt": 2.0},
    "grey-bands": {"shade": "grey"},
    "colour-bands": {"shade": "colour"},
    "open-break": {"open_break": True, "split": True},
    "repeat-header": {"open_break": True, "repeat_header": True, "split": True},
    "vertical-text": {"vertical_text": True, "label_widths": (0.05, 0.09, 0.2)},
    "left-labels": {"label_align": "left"},
    "stray-marks": {"stray_marks": True},
    "faint-rule": {"faint_rule": True},
    "rows-ruled": {"ruling": "rows"},
    "three-line": {"ruling": "three-line"},
    "no-frame": {"ruling": "no-frame"},
    "boxed-rows": {"ruling": "boxed-rows"},
    "kai": {"body_font": "kai", "table_font": "kai"},
    "fangsong": {"body_font": "fangsong", "table_font": "fangsong"},
    "hei": {"body_font": "hei", "table_font": "zenhei"},
    "ming": {"body_font": "ming", "table_font": "ming"},
    "format-2019": {"format": "2019"},
    "budget": {"kind": "budget"},
    "final-account": {"kind": "final_account"},
}


@dataclass
class DocSpec:
    """One document to forge."""

    name: str
    kind: str = "annual_report"  # or "budget", "final_account"
    format: str = "2021"
    style: Style = field(default_factory=Style)
    profile: Profile = PROFILES["clean"]
    figures: dict | None = None  # None: random figures for a report
    broken: bool = False  # break one mandated sum on purpose
    split: bool = False  # let a long table run onto the next page
    tables: tuple[str, ...] = ("two", "three", "four")
    body_text: bool = True
    year: int = 2025
    issuing_body: str = "东风区人民政府办公室"
    variation: str = "plain"


def visible_shape(part: dict) -> tuple[int, int]:
    """A drawn table part's rows, and the columns its own rules show (a part of merged cells hides some)."""
    edges = {c["col"] for c in part["cells"]} | {c["col"] + c["col_span"] for c in part["cells"]}
    return max(c["row"] + c["row_span"] for c in part["cells"]), len(edges) - 1


def spec_for(name: str, variation: str, profile: str, rng: random.Random, **overrides) -> DocSpec:
    """A document of one variation with random figures, typeface sizes and body."""
    v = dict(VARIATIONS[variation])
    kind, fmt, split = v.pop("kind", "annual_report"), v.pop("format", "2021"), v.pop("split", False)
    style = Style(**{"table_pt": rng.choice([9, 10.5, 12]), "rule_pt": rng.choice([0.5, 0.75, 1.0]), **v})
    return DocSpec(
        name=name,
        kind=kind,
        format=fmt,
        style=style,
        profile=PROFILES[profile],
        split=split,
        broken=False,
        year=rng.randint(2019 if fmt == "2019" else 2021, 2025),
        issuing_body=rng.choice(C.BODIES),
        variation=variation,
        **overrides,
    )


def draw_content(spec: DocSpec, rng: random.Random) -> tuple[list[tuple], dict | None, dict | None, list[tuple]]:
    """What the document says, renderer aside: blocks ("title" | "heading" | "para", text) and
    ("table", name, cells, widths, header_rows), its figures, the sum broken (if any), and its tables
    as (name, cells, header_rows)."""
    blocks: list[tuple] = []
    if spec.kind != "annual_report":
        title, table_title, unit = C.OTHER_TITLES[spec.kind]
        cells = C.budget_table(rng, rng.randint(8, 16)) if spec.kind == "budget" else C.final_account_table(rng)
        head = 2 if spec.kind == "budget" else 1
        blocks += [
            ("title", title.format(body=spec.issuing_body, year=spec.year)),
            ("heading", table_title),
            ("para", unit),
            ("table", spec.kind, cells, C.OTHER_WIDTHS[spec.kind], head),
            ("para", "注：本表金额单位为万元，合计数与分项数之和的尾差系四舍五入所致。"),
        ]
        return blocks, None, None, [(spec.kind, cells, head)]
    figures = (
        dict(spec.figures)
        if spec.figures
        else C.random_figures(rng, spec.format, rng.choice(["street", "district", "city"]))
    )
    broken = C.break_a_sum(figures, spec.format, rng) if spec.broken else None
    before, after = C.narrative(figures, spec.year, spec.issuing_body, rng)
    heading = ("一、", "五、", "六、")
    if spec.body_text:
        blocks.append(("title", C.report_title(spec.year, spec.issuing_body)))
        blocks += [("heading" if p.startswith(heading) else "para", p) for p in before]
    drawn = {
        "two": (C.table_two(figures, spec.format), 0),
        "three": (C.table_three(figures, spec.format), 3),
        "four": (C.table_four(figures), 3),
    }
    heads = {
        "two": "二、主动公开政府信息情况",
        "three": "三、收到和处理政府信息公开申请情况",
        "four": "四、政府信息公开行政复议、行政诉讼情况",
    }
    tables = []
    for name in spec.tables:
        cells, header_rows = drawn[name]
        widths = list(C.WIDTHS[name])
        if name == "three" and spec.style.label_widths:
            lw = list(spec.style.label_widths)
            widths = lw + [(1 - sum(lw)) / 7] * 7
        blocks += [("heading", heads[name]), ("table", name, cells, widths, header_rows)]
        tables.append((name, cells, header_rows))
    if spec.body_text:
        blocks += [("heading" if p.startswith(heading) else "para", p) for p in after]
    return blocks, figures, broken, tables


def draw(spec: DocSpec, rng: random.Random) -> tuple[Layout, dict | None, dict | None]:
    """Lay the document out with the forge's own drawing; returns the layout, its figures and the sum
    broken (if any)."""
    blocks, figures, broken, _ = draw_content(spec, rng)
    lay = Layout(spec.style)
    for b in blocks:
        if b[0] == "title":
            lay.text(b[1], pt=spec.style.body_pt * 1.35, bold=True, center=True, gap=1.0)
        elif b[0] == "heading":
            lay.text(b[1], bold=True, indent=False)
        elif b[0] == "para":
            lay.text(b[1])
        else:
            _, name, cells, widths, header_rows = b
            lay.table(name, cells, widths, spec.split, header_rows)
    return lay, figures, broken


def forge(out: Path, spec: DocSpec, rng: random.Random) -> dict:
    """Write out/NAME.pdf and out/NAME.truth.json; returns the truth."""
    lay, figures, broken = draw(spec, rng)
    scans, pages = [], []
    for i, pg in enumerate(lay.pages):
        seal_box = None
        if spec.profile.seal and pg.tables:
            boxes = [c["bbox"] for c in pg.tables[-1]["cells"]]
            seal_box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
        img, angle = degrade(pg.image, spec.profile, rng, seal_box)
        scans.append(img)
        pages.append(
            {
                "number": i + 1,
                "skew_degrees": round(angle, 3),
                "upside_down": spec.profile.upside_down,
                "text": pg.text,
                "tables": pg.tables,
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    to_pdf(scans, str(out / f"{spec.name}.pdf"), spec.profile.stated_dpi or spec.profile.dpi)
    truth = {
        "name": spec.name,
        "kind": spec.kind,
        "format": spec.format if spec.kind == "annual_report" else None,
        "variation": spec.variation,
        "style": dataclasses.asdict(spec.style),
        "profile": dataclasses.asdict(spec.profile),
        "draw_dpi": spec.style.dpi,
        "scan_dpi": spec.profile.dpi,
        "figures": figures,
        "broken_rule": broken,
        "pages": pages,
    }
    (out / f"{spec.name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return truth
