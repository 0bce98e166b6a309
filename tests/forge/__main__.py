"""python -m tests.forge --out DIR: forge a corpus of scanned documents with truth (see tests.forge)."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from .documents import VARIATIONS, forge, spec_for
from .scan import PROFILES
from .writer import LayoutLost

ATTEMPTS = 5  # layouts drawn for one document before giving up


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=16, help="documents per variation")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profiles", default="clean,office,fax,worn")
    ap.add_argument("--variations", default="plain", help=f"comma-separated, or 'all': {', '.join(VARIATIONS)}")
    ap.add_argument("--broken", type=float, default=0.3, help="share of reports with one sum broken on purpose")
    ap.add_argument(
        "--renderer",
        choices=["forge", "writer"],
        default="forge",
        help="draw pages with the forge itself, or lay them out with LibreOffice Writer",
    )
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    profiles = args.profiles.split(",")
    variations = list(VARIATIONS) if args.variations == "all" else args.variations.split(",")
    unknown = [p for p in profiles if p not in PROFILES] + [v for v in variations if v not in VARIATIONS]
    if unknown:
        ap.error(f"unknown profile or variation: {', '.join(unknown)}")
    if args.renderer == "writer":
        from .writer import available
        from .writer import forge_with_writer as render

        if not available():
            ap.error("the writer renderer needs soffice (LibreOffice Writer) and pdftotext")
    else:
        render = forge
    made = []
    for variation in variations:
        for i in range(args.count):
            profile = profiles[i % len(profiles)]
            prefix = "lo-" if args.renderer == "writer" else ""
            for _attempt in range(ATTEMPTS):
                spec = spec_for(f"{prefix}{variation}-{i:03d}-{profile}", variation, profile, rng)
                spec.variation = prefix + variation  # results are shown per renderer and variation
                spec.broken = spec.kind == "annual_report" and rng.random() < args.broken
                try:
                    made.append(render(Path(args.out), spec, rng))
                    break
                except LayoutLost as e:  # drawn again: another style and content
                    print(f"{spec.name}: {e}; drawn again", file=sys.stderr)
            else:
                ap.error(f"{spec.name}: no layout of {ATTEMPTS} kept all its rows")
    print(f"{len(made)} documents, {sum(len(t['pages']) for t in made)} pages -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
