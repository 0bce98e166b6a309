"""Small forged scans for tests, drawn with the project's own generator (tests.forge): known tables,
exact truth beside them (PATH.truth.json, which `tablescan evaluate` reads)."""

from __future__ import annotations

import random
from pathlib import Path

from tests.forge import PROFILES, DocSpec, forge


def forge_table_page(path: Path, profile: str = "clean", seed: int = 1, tables=("two", "four"), **spec) -> Path:
    """Draw the named tables of a random consistent report, without body text, scan them with a
    profile and write PATH and PATH.truth.json. More DocSpec fields (style, kind, ...) pass through."""
    forge(
        path.parent,
        DocSpec(name=path.stem, profile=PROFILES[profile], tables=tuple(tables), body_text=False, **spec),
        random.Random(seed),
    )
    return path


def variant(src: Path, tag: str) -> bytes:
    """The same scan with different bytes (a comment after %%EOF), so it is not a duplicate."""
    return src.read_bytes() + f"\n% {tag}\n".encode()
