"""Make a clean drawn page look scanned: skew, blur, noise, uneven light, JPEG, lower DPI, fax
binarisation, worn toner, a red seal; and write pages as an image-only PDF the way a scanner does."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Profile:
    name: str
    max_skew_degrees: float = 0.5
    dpi: int = 300  # scan resolution (pages are drawn at 300)
    blur_px: float = 0.0  # Gaussian sigma at 300 dpi
    noise: float = 0.0  # Gaussian noise std, 0..255
    speckle: float = 0.0  # share of pixels flipped to black or white
    jpeg_quality: int = 90
    binarize: bool = False  # fax-like 1 bit
    light: float = 0.0  # strength of an uneven-illumination gradient
    faint: float = 0.0  # 0..1: lighten strokes (worn toner)
    upside_down: bool = False  # page fed the wrong way round
    seal: bool = False  # red official seal over the last table of a page
    colour: bool = False  # keep colour (a colour scan); otherwise greyscale
    stated_dpi: int | None = None  # the resolution the file claims, when not the true one (a wrong header)


PROFILES = {
    "clean": Profile("clean", max_skew_degrees=0.3, jpeg_quality=92),
    "office": Profile("office", max_skew_degrees=2.5, blur_px=0.6, noise=6, jpeg_quality=75, light=0.08),
    "fax": Profile("fax", max_skew_degrees=4.0, dpi=200, blur_px=0.8, speckle=0.002, binarize=True, jpeg_quality=85),
    "worn": Profile(
        "worn", max_skew_degrees=1.5, dpi=200, blur_px=1.0, noise=10, jpeg_quality=55, faint=0.45, light=0.15
    ),
    "colour": Profile("colour", max_skew_degrees=1.0, blur_px=0.5, noise=4, jpeg_quality=80, colour=True),
    "sealed": Profile("sealed", max_skew_degrees=1.0, blur_px=0.5, noise=4, jpeg_quality=80, seal=True, colour=True),
    "upside-down": Profile(
        "upside-down", max_skew_degrees=1.0, blur_px=0.5, noise=4, jpeg_quality=80, upside_down=True
    ),
    # a page saved at a screen's resolution, and a 150-dpi scan whose file says 300
    "screen": Profile("screen", max_skew_degrees=0.2, dpi=96, blur_px=0.3, jpeg_quality=88),
    "wrong-dpi": Profile(
        "wrong-dpi", max_skew_degrees=1.5, dpi=150, blur_px=0.5, noise=5, jpeg_quality=80, stated_dpi=300
    ),
}


def stamp_seal(rgb: np.ndarray, rng: random.Random, box: tuple[int, int, int, int]) -> np.ndarray:
    """A red ring with a star, stamped over box (x0, y0, x1, y1) of an RGB image, ink partly transparent."""
    x0, y0, x1, y1 = box
    cx = rng.randint(int(x0 + (x1 - x0) * 0.4), int(x0 + (x1 - x0) * 0.8))
    cy = rng.randint(int(y0), int(max(y0 + 1, y1)))
    r = int(rgb.shape[1] * 0.09)
    over = rgb.copy()
    red = (210, 40, 40)
    cv2.circle(over, (cx, cy), r, red, max(6, r // 14))
    star = []
    for k in range(10):
        a = -np.pi / 2 + k * np.pi / 5
        rr = r * (0.32 if k % 2 == 0 else 0.13)
        star.append((cx + rr * np.cos(a), cy + rr * np.sin(a)))
    cv2.fillPoly(over, [np.array(star, np.int32)], red)
    return cv2.addWeighted(over, 0.75, rgb, 0.25, 0)


def degrade(page: Image.Image, p: Profile, rng: random.Random, seal_box=None) -> tuple[Image.Image, float]:
    """The scanned-looking page and the skew applied (degrees, counter-clockwise as OpenCV turns)."""
    rgb = np.asarray(page.convert("RGB"), dtype=np.float32)
    if p.faint:
        rgb = 255 - (255 - rgb) * (1 - p.faint)
    rgb = rgb.astype(np.uint8)
    if p.seal and seal_box is not None:
        rgb = stamp_seal(rgb, rng, seal_box)
    angle = rng.uniform(-p.max_skew_degrees, p.max_skew_degrees)
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rgb = cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    img = rgb.astype(np.float32)
    if p.light:
        gx = np.linspace(0, 1, w)[None, :, None]
        gy = np.linspace(0, 1, h)[:, None, None]
        img = img * (1 - p.light * (rng.random() * gx + rng.random() * gy))
    if p.blur_px:
        img = cv2.GaussianBlur(img, (0, 0), p.blur_px)
    if p.noise:
        img = img + np.random.default_rng(rng.randint(0, 2**31)).normal(0, p.noise, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if p.dpi != 300:
        f = p.dpi / 300
        img = cv2.resize(img, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    if p.binarize:
        g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        _, g = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        img = np.stack([g] * 3, -1)
    if p.speckle:
        nrng = np.random.default_rng(rng.randint(0, 2**31))
        mask = nrng.random(img.shape[:2]) < p.speckle
        img[mask] = np.where(nrng.random((int(mask.sum()), 1)) < 0.5, 0, 255)
    if p.upside_down:
        img = img[::-1, ::-1].copy()
    out = Image.fromarray(img)
    if not (p.colour or p.seal):
        out = out.convert("L")
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=p.jpeg_quality)
    return Image.open(buf), angle


def to_pdf(pages: list[Image.Image], path: str, dpi: int) -> None:
    """An image-only PDF, one JPEG per page, as a scanner writes it."""
    pages[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
