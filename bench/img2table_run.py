"""Run img2table over PDFs and write the export JSON that tablescan.evaluate reads (pages, tables, cells).

    bench/out/.venv-img2table/bin/python bench/img2table_run.py FILE.pdf... --out DIR [--jobs N]

Runs in its own venv (bench/requirements.txt), never in tablescan's. One process per
document, N at a time, the way `tablescan process --jobs N` is run beside it. A document
img2table raises on is written with no pages (it scores zero) and named in the output.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
from pathlib import Path


def cells_of(table) -> list[dict]:
    """img2table repeats a merged cell in every slot it covers; fold the repeats back into one spanning cell."""
    slots: dict[tuple, list[tuple[int, int]]] = {}
    text: dict[tuple, str] = {}
    for r, row in enumerate(table.content.values()):
        for c, cell in enumerate(row):
            key = (cell.bbox.x1, cell.bbox.y1, cell.bbox.x2, cell.bbox.y2)
            slots.setdefault(key, []).append((r, c))
            text[key] = cell.value or ""
    out = []
    for key, rc in slots.items():
        rows, cols = [r for r, _ in rc], [c for _, c in rc]
        out.append(
            {
                "row": min(rows),
                "col": min(cols),
                "row_span": max(rows) - min(rows) + 1,
                "col_span": max(cols) - min(cols) + 1,
                "text": text[key],
            }
        )
    return sorted(out, key=lambda c: (c["row"], c["col"]))


_ocr = None


def process(args: tuple[str, str]) -> str:
    global _ocr
    from img2table.document import PDF
    from img2table.ocr import TesseractOCR

    path, out_dir = args
    if _ocr is None:
        _ocr = TesseractOCR(n_threads=1, lang="chi_sim")
    out = Path(out_dir) / (Path(path).stem + ".json")
    try:
        doc = PDF(path, detect_rotation=True, pdf_text_extraction=False)
        found = doc.extract_tables(ocr=_ocr, implicit_rows=False, implicit_columns=False, borderless_tables=False)
    except Exception as e:  # noqa: BLE001 - img2table's own failure on this document: it scores zero
        out.write_text(json.dumps({"pages": [], "error": f"{type(e).__name__}: {e}"}, ensure_ascii=False))
        return f"{out.name} FAILED: {type(e).__name__}: {e}"
    pages = [
        {"number": i + 1, "tables": [{"cells": cells_of(t)} for t in found.get(i, [])]} for i in range(len(doc.pages))
    ]
    out.write_text(json.dumps({"pages": pages}, ensure_ascii=False))
    return out.name


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=mp.cpu_count())
    args = ap.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    with mp.Pool(args.jobs) as pool:
        for name in pool.imap_unordered(process, [(f, args.out) for f in args.files]):
            print(name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
