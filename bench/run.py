"""Benchmark: tablescan (full and tables-only) against img2table on a freshly forged scanned corpus.

    python bench/run.py [--seed 2026] [--variations plain|all|V1,V2,...] [--count N]
                        [--profiles clean,office,fax,worn] [--corpus DIR] [--jobs N]
                        [--only full|tables-only] [--skip-img2table]

Forges the corpus with the project's own generator, `python -m tests.forge` (cached by seed, count,
profiles and variations in bench/out/), or takes an existing folder of NAME.pdf + NAME.truth.json
(--corpus), runs `tablescan process` over it both ways (full mode also writing the archive copy,
--archive-pdf, whose share of the time it reports) and img2table 2.0 (its own venv,
bench/out/.venv-img2table, made from bench/requirements.txt on first use) with the same number of
processes, scores all three with tablescan.evaluate overall, per profile and per variation, prints the
figures against their targets, and writes bench/out/<run>/results.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
VENV = OUT / ".venv-img2table"
REQUIREMENTS = ROOT / "bench" / "requirements.txt"
PROFILES = "clean,office,fax,worn"
VARIATIONS = "plain"
DOCUMENTS = 48  # default size of a forged corpus: 48 plain reports of 4 pages, 192 pages

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import scoreboard  # noqa: E402
import tool  # noqa: E402

from tests.forge import PROFILES as ALL_PROFILES  # noqa: E402
from tests.forge import VARIATIONS as ALL_VARIATIONS  # noqa: E402


def forge(
    corpus: Path, seed: int, count: int, profiles: list[str], variations: list[str], renderers: list[str]
) -> None:
    """Forge the corpus once with tests.forge, with each renderer (the forge's own drawing, LibreOffice
    Writer); a corpus whose forging did not finish, or that was forged with other parameters or another
    generator, is forged again."""
    done = corpus / ".forged"
    want = {
        "generator": "tests.forge",
        "seed": seed,
        "count": count,
        "profiles": profiles,
        "variations": variations,
        "renderers": renderers,
    }
    try:
        if json.loads(done.read_text()) == want:
            return
    except (OSError, ValueError):
        pass
    shutil.rmtree(corpus, ignore_errors=True)
    for renderer in renderers:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.forge",
                "--out",
                str(corpus),
                "--count",
                str(count),
                "--seed",
                str(seed),
                "--profiles",
                ",".join(profiles),
                "--variations",
                ",".join(variations),
                "--renderer",
                renderer,
            ],
            check=True,
            cwd=ROOT,
        )
    done.write_text(json.dumps(want))


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


def names(value: str, known, what: str, ap: argparse.ArgumentParser) -> list[str]:
    """A comma-separated list of profiles or variations, or 'all' of them."""
    got = list(known) if value == "all" else [v for v in value.split(",") if v]
    unknown = [v for v in got if v not in known]
    if unknown or not got:
        ap.error(f"unknown {what}: {', '.join(unknown) or repr(value)} (known: {', '.join(known)})")
    return got


def default_count(profiles: list[str], variations: list[str]) -> int:
    """About DOCUMENTS in all, split over the variations, each getting every profile as often."""
    per = math.ceil(DOCUMENTS / len(variations))
    return math.ceil(per / len(profiles)) * len(profiles)


def run_name(seed: int, count: int, profiles: list[str], variations: list[str], renderers: list[str]) -> str:
    """bench/out/<seed> for the default corpus, else every parameter that differs is in the name."""
    default = (count, profiles, variations, renderers) == (
        DOCUMENTS,
        PROFILES.split(","),
        VARIATIONS.split(","),
        ["forge"],
    )
    if default:
        return str(seed)
    v = "all" if variations == list(ALL_VARIATIONS) else "+".join(variations)
    return f"{seed}-n{count}-{'+'.join(profiles)}-{v}" + ("" if renderers == ["forge"] else "-" + "+".join(renderers))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--variations",
        default=VARIATIONS,
        help=f"comma-separated, or 'all' (default: {VARIATIONS}): {', '.join(ALL_VARIATIONS)}",
    )
    ap.add_argument(
        "--count",
        type=int,
        help=f"documents per variation (default: about {DOCUMENTS} in all, the same number per profile)",
    )
    ap.add_argument("--profiles", default=PROFILES, help=f"comma-separated, or 'all': {', '.join(ALL_PROFILES)}")
    ap.add_argument(
        "--renderer",
        choices=["forge", "writer", "both"],
        default="forge",
        help="lay documents out with the forge's own drawing, LibreOffice Writer, or both",
    )
    ap.add_argument("--corpus", type=Path, help="score this folder of NAME.pdf + NAME.truth.json instead of forging")
    ap.add_argument("--jobs", type=int, default=os.cpu_count(), help="processes per tool (default: cores)")
    ap.add_argument("--only", choices=["full", "tables-only"], help="run tablescan one way only")
    ap.add_argument("--skip-img2table", action="store_true")
    args = ap.parse_args(argv)

    if args.corpus:
        corpus = args.corpus.resolve()
        if not corpus.is_dir() or not any(corpus.glob("*.truth.json")):
            ap.error(f"--corpus {args.corpus}: not a folder of NAME.pdf + NAME.truth.json")
        base = OUT / f"corpus-{corpus.name}"
        seed, count, profiles, variations = None, None, [], []
    else:
        profiles = names(args.profiles, ALL_PROFILES, "profile", ap)
        variations = names(args.variations, ALL_VARIATIONS, "variation", ap)
        seed, count = args.seed, args.count or default_count(profiles, variations)
        renderers = ["forge", "writer"] if args.renderer == "both" else [args.renderer]
        base = OUT / run_name(seed, count, profiles, variations, renderers)
        corpus = base / "corpus"
        forge(corpus, seed, count, profiles, variations, renderers)
    truth = scoreboard.truths(corpus)
    pdfs = [str(corpus / f"{t['name']}.pdf") for t in truth]
    missing = [p for p in pdfs if not Path(p).exists()]
    if missing:
        print(f"no PDF beside {len(missing)} truths, e.g. {missing[0]}", file=sys.stderr)
        return 2
    pages = sum(len(t["pages"]) for t in truth)
    if args.corpus:  # columns in tests.forge's order of profiles and variations, others after them
        found = {scoreboard.profile_of(t) for t in truth} | {scoreboard.variation_of(t) for t in truth}
        profiles = [p for p in ALL_PROFILES if p in found]
        variations = [v for v in ALL_VARIATIONS if v in found]

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
                cmds[label] = (
                    ts
                    + ["process", *pdfs, "--out", str(pred_dir(label)), "--jobs", str(args.jobs)]
                    + (["--tables-only"] if mode == "tables-only" else ["--archive-pdf"])
                )
    if not args.skip_img2table:
        cmds["img2table"] = [
            str(img2table_python()),
            str(ROOT / "bench" / "img2table_run.py"),
            *pdfs,
            "--out",
            str(pred_dir("img2table")),
            "--jobs",
            str(args.jobs),
        ]

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
        print(f"scoring {label} ...", file=sys.stderr, flush=True)
        r["scores"] = scoreboard.score(corpus, pred)
        if label == "tablescan full" and ok:
            r["archive"] = scoreboard.archive_cost(pred)
        runs[label] = r

    shown = str(corpus.relative_to(ROOT)) if corpus.is_relative_to(ROOT) else str(corpus)
    results = {
        "seed": seed,
        "count": count,
        "corpus": shown,
        "profiles": scoreboard.group_order([scoreboard.profile_of(t) for t in truth], profiles),
        "variations": scoreboard.group_order([scoreboard.variation_of(t) for t in truth], variations),
        "documents": len(truth),
        "pages": pages,
        "jobs": args.jobs,
        "targets": {**scoreboard.FIGURES, **scoreboard.SPEED, "pages_per_min_ratio": scoreboard.SPEED_RATIO_TARGET},
        "runs": runs,
    }
    base.mkdir(parents=True, exist_ok=True)
    (base / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(scoreboard.render(results))
    print(f"\nresults: {(base / 'results.json').relative_to(ROOT)}")
    return 0 if ts and all(r["returncode"] == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
