"""Packages import downwards only, and the API process loads nothing of recognition."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bottom to top: each package may import those before it, never those after
LAYERS = ("schemas", "migrations", "report", "worker", "ingest", "web", "tablescan")


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


def test_nothing_imports_upwards():
    upwards = []
    for level, package in enumerate(LAYERS):
        for path in sorted((ROOT / package).rglob("*.py")):
            above = {p for p in imported_packages(path) if LAYERS.index(p) > level}
            upwards += [f"{path.relative_to(ROOT)} imports {p}" for p in sorted(above)]
    assert upwards == []


def test_the_api_and_intake_load_no_recognition_engine():
    code = (
        "import sys, web.app, ingest.intake, ingest.watch, worker.queue; "
        "print(' '.join(m for m in ('cv2', 'pikepdf', 'pytesseract', 'pdf2image') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""
