"""The report-domain tests build their grids with scanforge (in ../shared beside the repository)."""
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))
