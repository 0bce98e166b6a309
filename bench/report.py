"""Score each tool's predictions overall and per profile, and print them against the targets."""
from __future__ import annotations

import json
from pathlib import Path

from scanforge.score import score_doc, summarize

# figure -> (direction, target); None: reported without a target
FIGURES = {
    "teds": (">=", 0.95), "teds_struct": (">=", 0.98), "values": (">=", 0.995), "labels": (">=", 0.97),
    "tables_found": (">=", 0.99), "skew_err": ("<=", 0.15), "flagged": (">=", 0.98),
    "false_alarms": ("<=", 0.02), "figures": (">=", 0.995), "silent_errors": None, "review_load": None,
    "wrong_to_review": None,   # share of wrongly read value cells that are marked needs_review
    "right_to_review": None,   # share of rightly read value cells that are marked needs_review
}
SPEED = {"pages_per_min": None, "pages_per_cpu_min": None, "peak_rss_worker_mib": ("<=", 1024), "max_rss_proc_mib": None,
         "peak_rss_tree_mib": None}
SPEED_RATIO_TARGET = {"tables-only": (">=", 3.0)}  # pages/min of tablescan tables-only over img2table's


LEGEND = """\
teds .. review_load: scanforge.score's figures (see its docstring); — where a figure has no data
  (no broken report, no skew reported) or a ratio divides by zero
wrong_to_review / right_to_review: share of wrongly / rightly read value cells marked needs_review
pages_per_min: corpus pages / wall time of the whole run; load: 1-minute load average before → after
pages_per_cpu_min: corpus pages / CPU time of the whole process tree (less sensitive to a busy machine)
peak_rss_worker_mib: largest process of the tree with the Tesseract processes it started, sampled
  every 0.1 s; max_rss_proc_mib: exact peak of the largest single process; peak_rss_tree_mib: the
  whole process tree, sampled"""


def truths(corpus: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(corpus.glob("*.truth.json"))]


def score(truth: list[dict], pred_dir: Path) -> dict:
    """{"overall": figures, profile: figures, ...} plus per-document detail under "documents"."""
    docs, by_profile = [], {}
    for t in truth:
        pf = pred_dir / f"{t['name']}.json"
        d = score_doc(t, json.loads(pf.read_text()) if pf.exists() else None)
        docs.append(d)
        by_profile.setdefault(t["profile"]["name"], []).append(d)
    out = {"overall": figures(docs)}
    out.update({p: figures(ds) for p, ds in by_profile.items()})
    out["documents"] = [{"name": d["name"], **figures([d])} for d in docs]
    return out


def figures(docs: list[dict]) -> dict:
    s = summarize(docs)
    review = [r for d in docs for p in d["parts"] for r in p["review"]]
    wrong = [marked for w, marked in review if w]
    right = [marked for w, marked in review if not w]
    s["wrong_to_review"] = round(sum(wrong) / len(wrong), 4) if wrong else None
    s["right_to_review"] = round(sum(right) / len(right), 4) if right else None
    return s


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def meets(value, target) -> str:
    if target is None or value in (None, ""):
        return " "
    op, t = target
    return "✓" if (value >= t if op == ">=" else value <= t) else "✗"


def fmt(v, digits: int) -> str:
    if v == "":
        return ""
    if v is None:
        return "—"
    return f"{v:.{digits if abs(v) <= 1 else 2 if abs(v) < 10 else 1}f}"


def block(title: str, columns: list[str], rows: dict[str, list], targets: dict, digits=4) -> str:
    """rows: figure -> one value per column; each value marked ✓/✗ against the figure's target."""
    head = f"{'figure':20s} {'target':>8s}" + "".join(f"{c:>12s}" for c in columns)
    lines = [f"== {title}", head, "-" * len(head)]
    for name, values in rows.items():
        t = targets.get(name)
        tt = f"{t[0].replace('>=', '≥').replace('<=', '≤')}{t[1]:g}" if t else ""
        lines.append(f"{name:20s} {tt:>8s}" + "".join(f"{fmt(v, digits):>10s} {meets(v, t)}" for v in values))
    return "\n".join(lines)


def render(results: dict) -> str:
    """The whole stdout report: one block per tool, then tablescan / img2table ratios."""
    cols = ["overall"] + results["profiles"]
    runs = results["runs"]
    out = [f"corpus {results['corpus']}: {results['documents']} documents, {results['pages']} pages, "
           f"seed {results['seed']}, {results['jobs']} jobs"]

    def rows(run):
        r = {f: [run["scores"].get(c, {}).get(f) for c in cols] for f in FIGURES}
        r.update({k: [run.get(k)] + [""] * (len(cols) - 1) for k in SPEED})  # measured over the whole run
        return r

    for tool, run in runs.items():
        note = "" if run["returncode"] == 0 else f"  (exit code {run['returncode']}, see {run['log']})"
        title = f"{tool}: {run['seconds']} s, load {run.get('load_before')} → {run.get('load_after')}{note}"
        out.append(block(title, cols, rows(run), {**FIGURES, **SPEED}))
    base = runs.get("img2table")
    for tool, run in runs.items():
        if tool == "img2table" or base is None:
            continue
        a, b = rows(run), rows(base)
        r = {f: [x if x == "" else ratio(x, y) for x, y in zip(a[f], b[f])] for f in a}
        speed_t = {"pages_per_min": SPEED_RATIO_TARGET.get(tool.removeprefix("tablescan "))}
        out.append(block(f"ratio {tool} / img2table", cols, r, speed_t, digits=2))
    out.append(LEGEND)
    return "\n\n".join(out)
