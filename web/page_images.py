"""Page images for people: the upright page with its recognised grid drawn over it, and one cell cut out.

Cell boxes are in the pixels of the stored (upright, deskewed) page image, so they are drawn as they are.
Pillow draws them: the API process needs no OpenCV.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, UnidentifiedImageError

GRID = (30, 120, 170)  # a recognised cell: blue
REVIEW = (255, 150, 0)  # low confidence, waiting for a person: orange
FAILING = (220, 40, 40)  # in a failed check: red
TINT = 0.3  # how strongly a marked cell is filled


def _read(path: Path) -> Image.Image:
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError):
        raise FileNotFoundError("the page image cannot be read") from None


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def draw_grid(path: Path, cells: list[tuple[int, list[int], bool]], failing: set[int]) -> bytes:
    """The page image as PNG with each cell's box drawn: `cells` are (id, bbox, needs_review); cells in
    `failing` are filled red, cells to review orange, the rest outlined blue."""
    image = _read(path)
    tint = image.copy()
    fill = ImageDraw.Draw(tint)
    for cell_id, box, needs_review in cells:
        colour = FAILING if cell_id in failing else REVIEW if needs_review else None
        if colour:
            fill.rectangle(box, fill=colour)
    image = Image.blend(image, tint, TINT)
    outline = ImageDraw.Draw(image)
    thickness = max(2, image.width // 800)
    for cell_id, box, needs_review in cells:
        colour = FAILING if cell_id in failing else REVIEW if needs_review else GRID
        outline.rectangle(box, outline=colour, width=thickness)
    return _png(image)


def crop(path: Path, bbox: list[int], margin: int = 12) -> bytes:
    """The cell's box cut out of the page image as PNG, with a margin of page around it."""
    image = _read(path)
    w, h = image.size
    x0, y0, x1, y1 = bbox
    x0, y0 = max(0, min(w - 1, x0 - margin)), max(0, min(h - 1, y0 - margin))
    x1, y1 = max(x0 + 1, min(w, x1 + margin)), max(y0 + 1, min(h, y1 + margin))
    return _png(image.crop((x0, y0, x1, y1)))
