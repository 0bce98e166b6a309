"""Small synthetic pages for the worker tests: ruled tables with merged cells, text, skew."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
A4_INCHES = (8.27, 11.69)


def have_font() -> bool:
    return FONT.exists()


def page(dpi: int = 150) -> np.ndarray:
    w, h = (round(v * dpi) for v in A4_INCHES)
    return np.full((h, w), 255, np.uint8)


def font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), px, index=2)  # the SC face


def text(img: np.ndarray, xy: tuple[int, int], s: str, px: int, anchor: str = "la") -> np.ndarray:
    pil = Image.fromarray(img)
    ImageDraw.Draw(pil).text(xy, s, font=font(px), fill=0, anchor=anchor)
    return np.asarray(pil).copy()


# A table like the report's table 三 head: 3 header rows with merges both ways, then data rows.
# (row, col, row_span, col_span, text)
HEAD3 = [
    (0, 0, 3, 2, "项目"),
    (0, 2, 1, 4, "申请人情况"),
    (1, 2, 2, 1, "自然人"),
    (1, 3, 1, 2, "法人"),
    (1, 5, 2, 1, "总计"),
    (2, 3, 1, 1, "企业"),
    (2, 4, 1, 1, "其他"),
    (3, 0, 1, 2, "新收申请"),
    (3, 2, 1, 1, "12"),
    (3, 3, 1, 1, "0"),
    (3, 4, 1, 1, "3"),
    (3, 5, 1, 1, "15"),
    (4, 0, 2, 1, "办理结果"),
    (4, 1, 1, 1, "予以公开"),
    (4, 2, 1, 1, "7"),
    (4, 3, 1, 1, ""),
    (4, 4, 1, 1, "1"),
    (4, 5, 1, 1, "8"),
    (5, 1, 1, 1, "不予公开"),
    (5, 2, 1, 1, "5"),
    (5, 3, 1, 1, "0"),
    (5, 4, 1, 1, "2"),
    (5, 5, 1, 1, "7"),
]


def draw_table(
    img: np.ndarray,
    origin: tuple[int, int],
    col_w: list[int],
    row_h: list[int],
    cells,
    line_px: int = 2,
    text_px: int = 0,
    gaps: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, list]:
    """Draw a ruled table: every cell's rectangle, optional centred text, optional random breaks in
    the rules (`gaps` = share of rule length erased). Returns the image and the cells' boxes."""
    x0, y0 = origin
    xs = np.cumsum([x0] + col_w).tolist()
    ys = np.cumsum([y0] + row_h).tolist()
    rng = np.random.default_rng(seed)
    boxes = []
    for r, c, rs, cs, _s in cells:
        bx0, by0, bx1, by1 = xs[c], ys[r], xs[c + cs], ys[r + rs]
        cv2.rectangle(img, (bx0, by0), (bx1, by1), 0, line_px)
        boxes.append((bx0, by0, bx1, by1))
    if gaps:
        for _ in range(int(gaps * 200)):
            x = int(rng.integers(xs[0], xs[-1]))
            y = int(rng.integers(ys[0], ys[-1]))
            L = int(rng.integers(3, 8))
            img[y - L : y + L, x - 1 : x + 2] = 255
            img[y - 1 : y + 2, x - L : x + L] = 255
        # re-draw nothing: breaks stay
    if text_px:
        for (_r, _c, _rs, _cs, s), (bx0, by0, bx1, by1) in zip(cells, boxes):
            if s:
                img = text(img, ((bx0 + bx1) // 2, (by0 + by1) // 2), s, text_px, anchor="mm")
    return img, boxes


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = 255 if img.ndim == 2 else (255, 255, 255)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)


def body_text(img: np.ndarray, dpi: int, lines: int = 12, top: float = 1.0) -> np.ndarray:
    """Paragraph lines of Chinese with commas and full stops, as body text."""
    s = "政府信息公开工作，按照条例要求，认真做好主动公开。依申请公开办理及时，答复规范。"
    px = round(12 / 72 * dpi)
    y = int(top * dpi)
    for k in range(lines):
        img = text(img, (int(1.0 * dpi), y), s[k % 7 :] + s[: k % 7], px)
        y += int(px * 1.6)
    return img
