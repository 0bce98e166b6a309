"""Score each tool's predictions overall, per profile and per variation, and print them against the targets."""

from __future__ import annotations

from pathlib import Path

from tablescan.evaluate import FIGURES as EVAL_FIGURES
from tablescan.evaluate import DocScore, load_pairs, score_document, summarize

NONE = "—"  # the group of a document whose truth names no profile or no variation

# figure -> (direction, target); None: reported without a target
TARGETS = {
    "teds": (">=", 0.95),
    "teds_struct": (">=", 0.98),
    "values": (">=", 0.995),
    "labels": (">=", 0.97),
    "tables_found": (">=", 0.99),
    "skew_err": ("<=", 0.15),
    "figures": (">=", 0.995),
    "flagged": (">=", 0.98),
    "false_alarms": ("<=", 0.02),
    "others_flagged": ("<=", 0.0),
}
# every figure of tablescan.evaluate's summary, then the bench's own two
FIGURES = {f: TARGETS.get(f) for f in EVAL_FIGURES}
FIGURES["wrong_to_review"] = None  # share of wrongly read value cells that are marked needs_review
FIGURES["right_to_review"] = None  # share of rightly read value cells that are marked needs_review
SPEED = {
    "pages_per_min": None,
    "pages_per_cpu_min": None,
    "peak_rss_worker_mib": ("<=", 1024),
    "max_rss_proc_mib": None,
    "peak_rss_tree_mib": None,
}
# pages/min of tablescan over img2table's, per mode
SPEED_RATIO_TARGET = {"full": (">=", 2.0), "tables-only": (">=", 4.0)}
ARCHIVE_SHARE_TARGET = ("<=", 0.10)  # the archive copy's time over the pages' own time, in full mode
COLUMNS = 6  # groups per table before the table is continued below


LEGEND = """\
documents: documents in the column
teds .. review_load_broken: tablescan.evaluate's figures (see its docstring); — where a figure has no
  data (no broken report, no document that is not a report, no skew reported) or a ratio divides by zero
wrong_to_review / right_to_review: share of wrongly / rightly read value cells marked needs_review
pages_per_min: corpus pages / wall time of the whole run; load: 1-minute load average before → after
pages_per_cpu_min: corpus pages / CPU time of the whole process tree (less sensitive to a busy machine)
tablescan full also writes each document's archive copy (--archive-pdf), in its time; archive copy: the
  seconds its exports record for it (PDF/A, page PNGs) over the seconds of the pages' own steps
peak_rss_worker_mib: largest process of the tree with the Tesseract processes it started, sampled
  every 0.1 s; max_rss_proc_mib: exact peak of the largest single process; peak_rss_tree_mib: the
  whole process tree, sampled"""


def profile_of(truth: dict) -> str:
    """The profile's name: {"name": ...} in tests.forge's and in older truths alike, or a bare name."""
    p = truth.get("profile")
    return (p.get("name") if isinstance(p, dict) else p) or NONE


def variation_of(truth: dict) -> str:
    return truth.get("variation") or NONE


def group_order(names: list[str], preferred: list[str]) -> list[str]:
    """The preferred groups (asked for: shown even when no document fell in them), then the others
    present in order of appearance, "—" last."""
    seen = list(dict.fromkeys(names))
    first = list(dict.fromkeys(preferred))
    rest = [n for n in seen if n not in first and n != NONE]
    return first + rest + ([NONE] if NONE in seen else [])


def truths(corpus: Path) -> list[dict]:
    """Every truth of the corpus, read the way tablescan.evaluate reads it (no predictions yet)."""
    return [t for t, _ in load_pairs(corpus, corpus / ".no-predictions")]


def score(corpus: Path, pred_dir: Path) -> dict:
    """{"overall": figures, "profiles": {name: figures}, "variations": {name: figures}, "documents": [...]}."""
    docs, profiles, variations = [], {}, {}
    for truth, pred in load_pairs(corpus, pred_dir):
        d = score_document(truth, pred)
        docs.append((truth, d))
        profiles.setdefault(profile_of(truth), []).append(d)
        variations.setdefault(variation_of(truth), []).append(d)
    return {
        "overall": figures([d for _, d in docs]),
        "profiles": {p: figures(ds) for p, ds in profiles.items()},
        "variations": {v: figures(ds) for v, ds in variations.items()},
        "documents": [
            {"name": d.name, "kind": d.kind, "profile": profile_of(t), "variation": variation_of(t), **figures([d])}
            for t, d in docs
        ],
    }


def archive_cost(pred_dir: Path) -> dict:
    """What writing the archive copy cost in a run with --archive-pdf, from its exports' timings: building
    each document's PDF/A ("archive") and keeping each upright page as PNG ("page_image"), against the
    pages' own steps (rasterise to page text), all in the same processes on the same pages."""
    import json

    archive = own = 0.0
    pages = 0
    for f in sorted(pred_dir.glob("*.json")):
        export = json.loads(f.read_text())
        archive += export.get("timings", {}).get("archive", 0.0)
        for p in export.get("pages", []):
            pages += 1
            t = p.get("timings", {})
            archive += t.get("page_image", 0.0)
            own += sum(v for k, v in t.items() if k != "page_image")
    return {
        "pages": pages,
        "archive_seconds": round(archive, 2),
        "page_seconds": round(own, 2),
        "archive_seconds_per_page": round(archive / pages, 3) if pages else None,
        "archive_share": round(archive / own, 4) if own else None,
    }


def figures(docs: list[DocScore]) -> dict:
    s = summarize(docs)
    review = [r for d in docs for p in d.parts for r in p.review]
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
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return f"{v:.{digits if abs(v) <= 1 else 2 if abs(v) < 10 else 1}f}"


def block(title: str, columns: list[str], rows: dict[str, list], targets: dict, digits=4) -> str:
    """rows: figure -> one value per column; each value marked ✓/✗ against the figure's target.
    More than COLUMNS columns are continued in a second table below the first."""
    lines = [f"== {title}"]
    for start in range(0, len(columns), COLUMNS):
        cols = columns[start : start + COLUMNS]
        widths = [max(10, len(c) + 2) for c in cols]
        head = f"{'figure':22s} {'target':>8s}" + "".join(f"{c:>{w}s} " for c, w in zip(cols, widths))
        if start:
            lines.append("")
        lines += [head, "-" * len(head)]
        for name, values in rows.items():
            t = targets.get(name)
            tt = f"{t[0].replace('>=', '≥').replace('<=', '≤')}{t[1]:g}" if t else ""
            lines.append(
                f"{name:22s} {tt:>8s}"
                + "".join(
                    f"{fmt(v, digits):>{w}s}{meets(v, t)}" for v, w in zip(values[start : start + COLUMNS], widths)
                )
            )
    return "\n".join(lines)


def render(results: dict) -> str:
    """The whole stdout report: per tool a block overall and per profile, and one per variation (when the
    corpus has more than one), then tablescan / img2table ratios."""
    runs = results["runs"]
    out = [
        f"corpus {results['corpus']}: {results['documents']} documents, {results['pages']} pages"
        + (f", seed {results['seed']}" if results.get("seed") is not None else "")
        + f", {results['jobs']} jobs; variations: {', '.join(results['variations'])}"
    ]

    def rows(run, cols, key, speed):
        sc = run["scores"]

        def get(c):
            return sc["overall"] if c == "overall" else sc[key].get(c, {"documents": 0})

        r = {"documents": [get(c).get("documents") for c in cols]}
        r.update({f: [get(c).get(f) for c in cols] for f in FIGURES})
        if speed:  # measured over the whole run
            r.update({k: [run.get(k)] + [""] * (len(cols) - 1) for k in SPEED})
        return r

    by_profile = ["overall"] + results["profiles"]
    by_variation = results["variations"] if len(results["variations"]) > 1 else []
    for tool, run in runs.items():
        note = "" if run["returncode"] == 0 else f"  (exit code {run['returncode']}, see {run['log']})"
        title = f"{tool}: {run['seconds']} s, load {run.get('load_before')} → {run.get('load_after')}{note}"
        out.append(block(title, by_profile, rows(run, by_profile, "profiles", True), {**FIGURES, **SPEED}))
        if by_variation:
            out.append(
                block(f"{tool} per variation", by_variation, rows(run, by_variation, "variations", False), FIGURES)
            )
    base = runs.get("img2table")
    for tool, run in runs.items():
        if tool == "img2table" or base is None:
            continue
        a, b = rows(run, by_profile, "profiles", True), rows(base, by_profile, "profiles", True)
        r = {f: [x if x == "" else ratio(x, y) for x, y in zip(a[f], b[f])] for f in a if f != "documents"}
        speed_t = {"pages_per_min": SPEED_RATIO_TARGET.get(tool.removeprefix("tablescan "))}
        out.append(block(f"ratio {tool} / img2table", by_profile, r, speed_t, digits=2))
    full = runs.get("tablescan full", {}).get("archive")
    if full:
        out.append(
            f"== archive copy (tablescan full --archive-pdf): {full['archive_seconds']} s for {full['pages']} "
            f"pages, {full['archive_seconds_per_page']} s a page, {fmt(full['archive_share'], 4)} of the pages' "
            f"own {full['page_seconds']} s (target ≤{ARCHIVE_SHARE_TARGET[1]:g}) "
            f"{meets(full['archive_share'], ARCHIVE_SHARE_TARGET)}"
        )
    out.append(LEGEND)
    return "\n\n".join(out)
