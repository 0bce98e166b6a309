"""Page images for people: the upright page with its recognised grid drawn over it, and one cell cut out.

Cell boxes are in the pixels of the stored (upright, deskewed) page image, so they are drawn as they are.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

# BGR, as OpenCV draws
GRID = (170, 120, 30)        # a recognised cell: blue
REVIEW = (0, 150, 255)       # low confidence, waiting for a person: orange
FAILING = (40, 40, 220)      # in a failed check: red


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError("the page image cannot be read")
    return image


def _png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("could not encode the image")
    return buf.tobytes()


def draw_grid(path: Path, cells: list[tuple[int, list[int], bool]], failing: set[int]) -> bytes:
    """The page image as PNG with each cell's box drawn: `cells` are (id, bbox, needs_review); cells in
    `failing` are filled red, cells to review orange, the rest outlined blue."""
    image = _read(path)
    tint = image.copy()
    thickness = max(2, image.shape[1] // 800)
    for cell_id, (x0, y0, x1, y1), needs_review in cells:
        colour = FAILING if cell_id in failing else REVIEW if needs_review else None
        if colour:
            cv2.rectangle(tint, (x0, y0), (x1, y1), colour, cv2.FILLED)
    image = cv2.addWeighted(tint, 0.3, image, 0.7, 0)
    for cell_id, (x0, y0, x1, y1), needs_review in cells:
        colour = FAILING if cell_id in failing else REVIEW if needs_review else GRID
        cv2.rectangle(image, (x0, y0), (x1, y1), colour, thickness)
    return _png(image)


def crop(path: Path, bbox: list[int], margin: int = 12) -> bytes:
    """The cell's box cut out of the page image as PNG, with a margin of page around it."""
    image = _read(path)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = bbox
    x0, y0 = max(0, min(w - 1, x0 - margin)), max(0, min(h - 1, y0 - margin))
    x1, y1 = max(x0 + 1, min(w, x1 + margin)), max(y0 + 1, min(h, y1 + margin))
    return _png(image[y0:y1, x0:x1])
