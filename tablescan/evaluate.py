"""Score exports against truth: how well were the tables read?

Truth is a file or folder of NAME.truth.json (the forge's format, see tests/forge/documents.py; a
corrected export works too, through `truth_from_export`); predictions are NAME.json exports. Tables
are compared as drawn on each page: a truth table part is matched to the predicted table on the same
page whose structure is most alike.

Figures (means over every truth table part unless said otherwise):
  teds            tree-edit-distance similarity of the tables as HTML, text included (PubTabNet's TEDS)
  teds_struct     the same on structure alone: rows, cells and their spans
  values          share of numeric cells whose number is read exactly, at the right row and column
  labels          1 - character error rate of header and label cells, at the right row and column
  tables_found    share of truth table parts matched by a predicted table (structure TEDS ≥ 0.3)
  skew_err        mean |predicted - true| page skew in degrees
  figures         share of a report's named figures read exactly
  flagged         share of reports with a sum broken on purpose that report a validation error
  false_alarms    share of consistent reports that still report a validation error
  others_flagged  share of documents that are not annual reports yet carry report validation errors
  silent_errors   share of numeric cells read wrong and not sent to review (needs_review false)
  review_load     share of numeric cells sent to review; also on consistent and on broken reports
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from apted import APTED, Config
from rapidfuzz.distance import Levenshtein

MATCH_MIN_TEDS = 0.3
FIGURES = [
    "teds",
    "teds_struct",
    "values",
    "labels",
    "tables_found",
    "skew_err",
    "figures",
    "flagged",
    "false_alarms",
    "others_flagged",
    "silent_errors",
    "review_load",
    "review_load_consistent",
    "review_load_broken",
]


def norm(text: str | None) -> str:
    """Text as a reader compares it: no spaces, full-width brackets and punctuation folded."""
    t = (text or "").replace(" ", "").replace("\n", "")
    return t.translate(str.maketrans("()，:;“”", '（）,：；""'))


def number(text: str | None) -> float | None:
    t = norm(text).replace(",", "").replace("O", "0").replace("o", "0")
    return float(t) if re.fullmatch(r"-?\d+(\.\d+)?", t) else None


# ---- TEDS --------------------------------------------------------------------------------------


class _Node:
    def __init__(self, tag: str, colspan: int = 1, rowspan: int = 1, text: str = "", children=None):
        self.tag, self.colspan, self.rowspan, self.text = tag, colspan, rowspan, text
        self.children = children or []


class _TedsConfig(Config):
    def __init__(self, structure_only: bool):
        self.structure_only = structure_only

    def rename(self, a, b):
        if a.tag != b.tag or a.colspan != b.colspan or a.rowspan != b.rowspan:
            return 1.0
        if a.tag == "td" and not self.structure_only and (a.text or b.text):
            return Levenshtein.normalized_distance(a.text, b.text)
        return 0.0

    def children(self, node):
        return node.children


def _tree(cells: list[dict]) -> _Node:
    rows: dict[int, list[dict]] = {}
    for c in cells:
        rows.setdefault(c["row"], []).append(c)
    return _Node(
        "table",
        children=[
            _Node(
                "tr",
                children=[
                    _Node("td", c.get("col_span", 1), c.get("row_span", 1), norm(c.get("text")))
                    for c in sorted(rows[r], key=lambda c: c["col"])
                ],
            )
            for r in sorted(rows)
        ],
    )


def _size(n: _Node) -> int:
    return 1 + sum(_size(c) for c in n.children)


def teds(truth: list[dict], pred: list[dict], structure_only: bool = False) -> float:
    """PubTabNet's TEDS between two tables given as cells (row, col, row_span, col_span, text)."""
    a, b = _tree(truth), _tree(pred)
    d = APTED(a, b, _TedsConfig(structure_only)).compute_edit_distance()
    return 1.0 - d / max(_size(a), _size(b))


# ---- one document ------------------------------------------------------------------------------


@dataclass
class CellDiff:
    """A truth cell read wrong: what was printed, what was read, and whether it went to review."""

    page: int
    table: str
    row: int
    col: int
    kind: str
    truth: str
    read: str
    needs_review: bool
    confidence: float | None


@dataclass
class PartScore:
    page: int
    table: str
    found: bool
    teds: float
    teds_struct: float
    values: list[int]
    labels: list[float]
    review: list[tuple[int, int]]  # per numeric cell: (read wrong, sent to review)
    truth_cells: list[dict]
    pred_cells: list[dict]
    wrong: list[CellDiff]


@dataclass
class DocScore:
    name: str
    kind: str
    broken: bool
    flagged: bool
    parts: list[PartScore] = field(default_factory=list)
    skew_err: list[float] = field(default_factory=list)
    figures: list[int] = field(default_factory=list)
    missing_figures: list[str] = field(default_factory=list)


def _slots(cells: list[dict]) -> dict[tuple[int, int], dict]:
    """(row, col) -> the cell covering that slot."""
    g = {}
    for c in cells:
        for r in range(c["row"], c["row"] + c.get("row_span", 1)):
            for k in range(c["col"], c["col"] + c.get("col_span", 1)):
                g[(r, k)] = c
    return g


def _score_part(page: int, part: dict, pred: list[dict] | None, match: float) -> PartScore:
    slots = _slots(pred or [])
    values, labels, review, wrong = [], [], [], []
    for c in part["cells"]:
        p = slots.get((c["row"], c["col"]))
        got = p.get("text", "") if p else ""
        if c["kind"] == "value":
            want = number(c["text"])
            ok = int(want is not None and number(got) == want)
            values.append(ok)
            review.append((1 - ok, int(bool(p and p.get("needs_review")))))
        elif norm(c["text"]):  # an empty cell has nothing to read; structure scores it
            acc = max(0.0, 1 - Levenshtein.normalized_distance(norm(c["text"]), norm(got)))
            labels.append(acc)
            ok = int(acc == 1.0)
        else:
            continue
        if not ok:
            wrong.append(
                CellDiff(
                    page,
                    part.get("name", ""),
                    c["row"],
                    c["col"],
                    c["kind"],
                    c["text"],
                    got,
                    bool(p and p.get("needs_review")),
                    p.get("confidence") if p else None,
                )
            )
    return PartScore(
        page,
        part.get("name", ""),
        pred is not None,
        teds(part["cells"], pred) if pred else 0.0,
        match if pred else 0.0,
        values,
        labels,
        review,
        part["cells"],
        pred or [],
        wrong,
    )


def flat_figures(figures: dict | None) -> dict:
    """A truth's figures under the export's keys; also reads scanforge's nested form (t3, t4, ...)."""
    if not figures or "t3" not in figures:
        return dict(figures or {})
    d = figures
    cols = ["natural", "business", "research", "nonprofit", "legal", "other", "total"]
    out = {
        "active.rules.made": d["rules_made"],
        "active.rules.repealed": d["rules_repealed"],
        "active.rules.valid": d["rules_valid"],
        "active.normative.made": d["norms_made"],
        "active.normative.repealed": d["norms_repealed"],
        "active.normative.valid": d["norms_valid"],
        "active.licensing": d["licensing"],
        "active.penalty": d["penalty"],
        "active.coercion": d["coercion"],
        "active.fees": float(d["fees"]),
    }
    for key, row in d["t3"].items():
        out.update({f"requests.{key}.{c}": v for c, v in zip(cols, row)})
    for g, group in enumerate(["review", "litigation_direct", "litigation_after_review"]):
        out.update(
            {
                f"{group}.{c}": d["t4"][g * 5 + i]
                for i, c in enumerate(["upheld", "corrected", "other", "pending", "total"])
            }
        )
    return out


def score_document(truth: dict, pred: dict | None) -> DocScore:
    pred = pred or {}
    kind = truth.get("kind") or ("annual_report" if truth.get("figures") else "other")
    doc = DocScore(truth["name"], kind, truth.get("broken_rule") is not None, bool(pred.get("validation_errors")))
    pages = {p.get("number"): p for p in pred.get("pages", [])}
    for page in truth["pages"]:
        pp = pages.get(page["number"], {})
        if pp.get("skew_degrees") is not None and page.get("skew_degrees") is not None:
            doc.skew_err.append(abs(pp["skew_degrees"] - page["skew_degrees"]))
        cands = [t.get("cells", []) for t in pp.get("tables", []) if t.get("cells")]
        used: set[int] = set()
        for part in page["tables"]:
            best, best_i = 0.0, None
            for i, cells in enumerate(cands):
                if i not in used:
                    s = teds(part["cells"], cells, structure_only=True)
                    if s > best:
                        best, best_i = s, i
            if best_i is None or best < MATCH_MIN_TEDS:
                doc.parts.append(_score_part(page["number"], part, None, 0.0))
                continue
            used.add(best_i)
            doc.parts.append(_score_part(page["number"], part, cands[best_i], best))
    got = pred.get("figures") or {}
    for k, v in flat_figures(truth.get("figures")).items():
        try:
            ok = int(got.get(k) is not None and abs(float(got[k]) - float(v)) < 1e-9)
        except (TypeError, ValueError):
            ok = 0
        doc.figures.append(ok)
        if not ok:
            doc.missing_figures.append(k)
    return doc


# ---- summaries ---------------------------------------------------------------------------------


def _mean(xs) -> float | None:
    xs = list(xs)
    return round(sum(xs) / len(xs), 4) if xs else None


def summarize(docs: list[DocScore]) -> dict:
    parts = [p for d in docs for p in d.parts]
    reports = [d for d in docs if d.kind == "annual_report"]

    def load(ds):
        return _mean(r for d in ds for p in d.parts for _, r in p.review)

    return {
        "documents": len(docs),
        "table_parts": len(parts),
        "teds": _mean(p.teds for p in parts),
        "teds_struct": _mean(p.teds_struct for p in parts),
        "values": _mean(v for p in parts for v in p.values),
        "labels": _mean(v for p in parts for v in p.labels),
        "tables_found": _mean(int(p.found) for p in parts),
        "skew_err": _mean(s for d in docs for s in d.skew_err),
        "figures": _mean(x for d in docs for x in d.figures),
        "flagged": _mean(int(d.flagged) for d in reports if d.broken),
        "false_alarms": _mean(int(d.flagged) for d in reports if not d.broken),
        "others_flagged": _mean(int(d.flagged) for d in docs if d.kind != "annual_report"),
        "silent_errors": _mean(int(w and not r) for p in parts for w, r in p.review),
        "review_load": load(docs),
        "review_load_consistent": load(d for d in reports if not d.broken),
        "review_load_broken": load(d for d in reports if d.broken),
    }


def worst_cells(docs: list[DocScore], limit: int = 20) -> list[dict]:
    """Wrong cells, silent wrong numbers first, then wrong numbers, then labels."""
    rows = [{"document": d.name, **w.__dict__} for d in docs for p in d.parts for w in p.wrong]
    rows.sort(key=lambda w: (w["kind"] != "value", w["needs_review"], -(w["confidence"] or 0)))
    return rows[:limit]


def truth_from_export(export: dict) -> dict:
    """A reviewed or corrected export read as truth: its page tables, their cells and figures."""
    pages = [
        {
            "number": p["number"],
            "skew_degrees": p.get("skew_degrees"),
            "tables": [
                {
                    "name": t.get("template") or f"table{t.get('index', i)}",
                    "cells": [
                        {k: c[k] for k in ("row", "col", "row_span", "col_span", "text", "kind")} for c in t["cells"]
                    ],
                }
                for i, t in enumerate(p.get("tables", []))
            ],
        }
        for p in export.get("pages", [])
    ]
    return {
        "name": Path(export.get("filename", "document")).stem,
        "kind": export.get("kind"),
        "figures": {k: v for k, v in (export.get("figures") or {}).items() if v is not None} or None,
        "broken_rule": None,
        "pages": pages,
    }


def load_pairs(truth: Path, pred: Path) -> list[tuple[dict, dict | None]]:
    """(truth, prediction or None) for a truth file and a prediction file, or for two folders."""

    def read_truth(p: Path) -> dict:
        t = json.loads(p.read_text())
        return t if "pages" in t and "name" in t else truth_from_export(t)

    if truth.is_file():
        t = read_truth(truth)
        return [(t, json.loads(pred.read_text()) if pred.is_file() else None)]
    pairs = []
    for tf in sorted(truth.glob("*.truth.json")):
        t = read_truth(tf)
        pf = pred / f"{t['name']}.json"
        pairs.append((t, json.loads(pf.read_text()) if pf.exists() else None))
    return pairs


def evaluate(truth: Path, pred: Path) -> tuple[dict, list[DocScore]]:
    docs = [score_document(t, p) for t, p in load_pairs(truth, pred)]
    return summarize(docs), docs


def crops_for(truth: Path) -> dict[tuple[str, int, str], str]:
    """table_crops for a truth file or folder."""
    folder = truth.parent if truth.is_file() else truth
    return table_crops(folder, [t for t, _ in load_pairs(truth, truth)])


def report_json(summary: dict, docs: list[DocScore]) -> dict:
    return {
        "summary": summary,
        "documents": [
            {"name": d.name, "kind": d.kind, **summarize([d]), "missing_figures": d.missing_figures} for d in docs
        ],
        "worst_cells": worst_cells(docs, 50),
    }


def report_text(summary: dict, docs: list[DocScore]) -> str:
    lines = [f"{k:24s} {'—' if v is None else v}" for k, v in summary.items()]
    worst = worst_cells(docs, 10)
    if worst:
        lines += ["", "worst cells (document page table row col: printed → read, review?)"]
        lines += [
            f"  {w['document']} p{w['page']} {w['table']} r{w['row']} c{w['col']}: "
            f"{w['truth']!r} → {w['read']!r}{'' if w['needs_review'] else '  NOT SENT TO REVIEW'}"
            for w in worst
        ]
    return "\n".join(lines)


def _html_table(cells: list[dict], wrong: set[tuple[int, int]]) -> str:
    rows: dict[int, list[dict]] = {}
    for c in cells:
        rows.setdefault(c["row"], []).append(c)
    out = ["<table>"]
    for r in sorted(rows):
        out.append(
            "<tr>"
            + "".join(
                f'<td rowspan="{c.get("row_span", 1)}" colspan="{c.get("col_span", 1)}"'
                f"{' class=bad' if (c['row'], c['col']) in wrong else ''}>{html.escape(c.get('text') or '')}</td>"
                for c in sorted(rows[r], key=lambda c: c["col"])
            )
            + "</tr>"
        )
    return "".join(out) + "</table>"


def table_crops(truth_dir: Path, truths: list[dict], max_width: int = 900) -> dict[tuple[str, int, str], str]:
    """(document, page, table) -> a JPEG data URI of the table as scanned, cut from NAME.pdf beside the
    truth where the truth has cell boxes (in draw_dpi pixels); nothing for truths without them."""
    import base64
    import io
    import subprocess
    import tempfile

    from PIL import Image

    out: dict[tuple[str, int, str], str] = {}
    for t in truths:
        pdf = truth_dir / f"{t['name']}.pdf"
        boxed = [
            (p, part)
            for p in t["pages"]
            for part in p["tables"]
            if part["cells"] and all("bbox" in c for c in part["cells"])
        ]
        if not pdf.is_file() or not boxed:
            continue
        dpi = int(t.get("scan_dpi") or 150)
        scale = dpi / float(t.get("draw_dpi") or dpi)
        with tempfile.TemporaryDirectory() as tmp:
            for page, part in boxed:
                png = Path(tmp) / f"p{page['number']}"
                if not png.with_suffix(".png").exists():
                    subprocess.run(
                        [
                            "pdftoppm",
                            "-r",
                            str(dpi),
                            "-f",
                            str(page["number"]),
                            "-l",
                            str(page["number"]),
                            "-png",
                            "-singlefile",
                            str(pdf),
                            str(png),
                        ],
                        check=False,
                        capture_output=True,
                        timeout=120,
                    )
                if not png.with_suffix(".png").exists():
                    continue
                image = Image.open(png.with_suffix(".png")).convert("L")
                pad = round(0.2 * dpi)
                x0 = min(c["bbox"][0] for c in part["cells"]) * scale - pad
                y0 = min(c["bbox"][1] for c in part["cells"]) * scale - pad
                x1 = max(c["bbox"][2] for c in part["cells"]) * scale + pad
                y1 = max(c["bbox"][3] for c in part["cells"]) * scale + pad
                crop = image.crop(
                    (max(0, int(x0)), max(0, int(y0)), min(image.width, int(x1)), min(image.height, int(y1)))
                )
                if crop.width > max_width:
                    crop = crop.resize((max_width, round(crop.height * max_width / crop.width)))
                buf = io.BytesIO()
                crop.save(buf, "JPEG", quality=70)
                out[(t["name"], page["number"], part.get("name", ""))] = (
                    "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
                )
    return out


def report_html(summary: dict, docs: list[DocScore], crops: dict[tuple[str, int, str], str] | None = None) -> str:
    """One page: the figures, then each table side by side, truth and reading, wrong cells marked, with
    the table as scanned above them where `crops` (table_crops) has it."""
    css = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
        "td{border:1px solid #999;padding:2px 4px}.bad{background:#fbb}.pair{display:flex;gap:2em;"
        "align-items:flex-start;margin-bottom:2em}h3{margin-top:2em}img.scan{display:block;max-width:100%;"
        "border:1px solid #ccc;margin:.5em 0}"
    )
    body = [
        "<!doctype html><meta charset=utf-8><title>tablescan evaluation</title>",
        f"<style>{css}</style><h1>Evaluation</h1><table>",
    ]
    body += [f"<tr><td>{k}</td><td>{'—' if v is None else v}</td></tr>" for k, v in summary.items()]
    body.append("</table>")
    for d in docs:
        s = summarize([d])
        body.append(
            f"<h2>{html.escape(d.name)}</h2><p>values {s['values']} · teds_struct {s['teds_struct']}"
            f" · labels {s['labels']}</p>"
        )
        for p in d.parts:
            wrong = {(w.row, w.col) for w in p.wrong}
            crop = (crops or {}).get((d.name, p.page, p.table))
            scan = f'<img class=scan alt="the table as scanned" src="{crop}">' if crop else ""
            body.append(
                f"<h3>page {p.page}, {html.escape(p.table)}: "
                f"{'found' if p.found else 'NOT FOUND'}, teds_struct {p.teds_struct:.3f}</h3>{scan}"
                f"<div class=pair><div><b>truth</b>{_html_table(p.truth_cells, wrong)}</div>"
                f"<div><b>reading</b>{_html_table(p.pred_cells, set())}</div></div>"
            )
    return "\n".join(body)
