"""Benchmark: tablescan (full and tables-only) against img2table on a freshly forged scanned corpus.

    python bench/run.py [--seed 2026] [--count 36] [--profiles clean,office,fax,worn] [--jobs N]
                        [--only full|tables-only] [--skip-img2table]

Forges the corpus with ../shared/scanforge (cached by seed in bench/out/), runs
`tablescan process` over it both ways and img2table 2.0 (its own venv,
bench/out/.venv-img2table, made from bench/requirements.txt on first use) with the same
number of processes, scores all three with scanforge.score overall and per profile,
prints the figures against their targets, and writes bench/out/<run>/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"
VENV = OUT / ".venv-img2table"
REQUIREMENTS = ROOT / "bench" / "requirements.txt"
PROFILES = "clean,office,fax,worn"
COUNT = 36

sys.path.insert(0, str(SHARED))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402
import tool  # noqa: E402


def forge(corpus: Path, seed: int, count: int, profiles: str) -> None:
    """Forge the corpus once; a corpus whose forging did not finish is forged again."""
    done = corpus / ".forged"
    if done.exists():
        return
    shutil.rmtree(corpus, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(SHARED)}
    subprocess.run([sys.executable, "-m", "scanforge.forge", "--out", str(corpus), "--count", str(count),
                    "--seed", str(seed), "--profiles", profiles], check=True, env=env)
    done.write_text(json.dumps({"seed": seed, "count": count, "profiles": profiles}))


def img2table_python() -> Path:
    """The img2table venv's python, made or updated when bench/requirements.txt changed."""
    stamp = VENV / "requirements.txt"
    python = VENV / "bin" / "python"
    if not stamp.exists() or stamp.read_text() != REQUIREMENTS.read_text():
        print(f"setting up {VENV} from {REQUIREMENTS}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
        shutil.copy(REQUIREMENTS, stamp)
    return python


def tablescan_cmd() -> list[str] | None:
    exe = Path(sys.executable).parent / "tablescan"
    found = str(exe) if exe.exists() else shutil.which("tablescan")
    return [found] if found else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--count", type=int, default=COUNT, help="random documents besides the 5 seed reports")
    ap.add_argument("--profiles", default=PROFILES)
    ap.add_argument("--jobs", type=int, default=os.cpu_count(), help="processes per tool (default: cores)")
    ap.add_argument("--only", choices=["full", "tables-only"], help="run tablescan one way only")
    ap.add_argument("--skip-img2table", action="store_true")
    args = ap.parse_args(argv)

    name = str(args.seed) if (args.count, args.profiles) == (COUNT, PROFILES) else \
        f"{args.seed}-n{args.count}-{args.profiles.replace(',', '+')}"
    base = OUT / name
    corpus = base / "corpus"
    forge(corpus, args.seed, args.count, args.profiles)
    truth = report.truths(corpus)
    pdfs = [str(corpus / f"{t['name']}.pdf") for t in truth]
    pages = sum(len(t["pages"]) for t in truth)

    def pred_dir(label: str) -> Path:
        return base / "pred" / label.replace(" ", "-")

    cmds = {}
    ts = tablescan_cmd()
    if ts is None:
        print("tablescan is not installed (pip install -e . in the main venv): its runs are skipped", file=sys.stderr)
    else:
        for mode in ["full", "tables-only"]:
            if args.only in (None, mode):
                label = f"tablescan {mode}"
                cmds[label] = ts + ["process", *pdfs, "--out", str(pred_dir(label)), "--jobs", str(args.jobs)] + \
                    (["--tables-only"] if mode == "tables-only" else [])
    if not args.skip_img2table:
        cmds["img2table"] = [str(img2table_python()), str(ROOT / "bench" / "img2table_run.py"), *pdfs,
                             "--out", str(pred_dir("img2table")), "--jobs", str(args.jobs)]

    runs = {}
    for label, argv in cmds.items():
        pred = pred_dir(label)
        shutil.rmtree(pred, ignore_errors=True)
        pred.mkdir(parents=True)
        log = pred.with_suffix(".log")
        print(f"running {label} over {len(pdfs)} documents, {pages} pages ...", file=sys.stderr, flush=True)
        r = tool.run(argv, log)
        r["cmd"] = " ".join(a for a in argv if a not in pdfs) + f" <{len(pdfs)} PDFs>"
        r["log"] = str(log.relative_to(ROOT))
        ok = r["returncode"] == 0
        r["pages_per_min"] = round(pages / r["seconds"] * 60, 2) if ok else None
        r["pages_per_cpu_min"] = round(pages / r["cpu_seconds"] * 60, 2) if ok and r["cpu_seconds"] else None
        r["scores"] = report.score(truth, pred)
        runs[label] = r

    results = {"seed": args.seed, "count": args.count, "corpus": str(corpus.relative_to(ROOT)),
               "profiles": args.profiles.split(","), "documents": len(truth), "pages": pages, "jobs": args.jobs,
               "targets": {**report.FIGURES, **report.SPEED, "pages_per_min_ratio": report.SPEED_RATIO_TARGET},
               "runs": runs}
    (base / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(report.render(results))
    print(f"\nresults: {(base / 'results.json').relative_to(ROOT)}")
    return 0 if ts and all(r["returncode"] == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
