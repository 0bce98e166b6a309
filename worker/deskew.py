"""Gray conversion, ink masks and skew: estimate the small rotation of a scan and undo it.

Angles follow cv2.getRotationMatrix2D: positive = counter-clockwise on screen. `estimate_skew`
returns the angle the scanner turned the upright page by; `rotate` by its negative undoes it.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def to_gray(image: np.ndarray) -> np.ndarray:
    """uint8 gray (HxW) or RGB (HxWx3) -> uint8 gray HxW.

    Colour pages use the brightest channel per pixel, so red seals and blue signatures fade to
    near white while black print stays black (see _drop_colour)."""
    if image.ndim == 2:
        return np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        return np.ascontiguousarray(image[:, :, 0], dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] >= 3:
        return _drop_colour(image[:, :, :3])
    raise ValueError(f"unsupported image shape {image.shape}")


def _drop_colour(rgb: np.ndarray, min_saturation: int = 20, full_saturation: int = 60) -> np.ndarray:
    """Colour page -> gray with coloured ink (seals, signatures) faded to paper white.

    Where pixels are coloured, the weakest channel is rescaled so that the stamp over bare paper
    becomes paper-coloured while print under the stamp (dark in every channel) stays dark; elsewhere the
    brightest channel is used."""
    mx = rgb.max(axis=2)
    mn = rgb.min(axis=2)
    sat = mx.astype(np.int16) - mn
    coloured = sat > full_saturation
    if coloured.sum() < 50:
        return np.ascontiguousarray(mx, dtype=np.uint8)
    # the ink's weakest channel over bare paper is its typical level: scale that to the paper's
    level = max(20.0, float(np.median(mn[coloured])))
    paper = _paper_level(mx, coloured)
    lifted = np.minimum(paper, mn.astype(np.float32) * (paper / level))
    w = np.clip((sat.astype(np.float32) - min_saturation) / (full_saturation - min_saturation), 0.0, 1.0)
    # JPEG keeps colour at half resolution: a stamp's rim is darker without looking coloured
    k = max(3, (min(rgb.shape[:2]) // 400) | 1)
    w = cv2.dilate(w, np.ones((k, k), np.uint8))
    out = mx * (1.0 - w) + lifted * w
    return np.clip(out, 0, 255).astype(np.uint8)


def _paper_level(mx: np.ndarray, coloured: np.ndarray) -> np.ndarray:
    """Smooth estimate of the paper's brightness (float32 HxW), ignoring coloured pixels."""
    h, w = mx.shape
    f = 1 / 16
    small = cv2.resize(mx, None, fx=f, fy=f, interpolation=cv2.INTER_AREA).astype(np.float32)
    keep = cv2.resize((~coloured).astype(np.float32), (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small * (keep > 0.9), np.ones((3, 3), np.uint8))  # paper, not print
    num = cv2.blur(paper * (keep > 0.9), (9, 9))
    den = cv2.blur((keep > 0.9).astype(np.float32), (9, 9))
    level = np.where(den > 1e-3, num / np.maximum(den, 1e-3), float(np.median(mx)))
    return cv2.resize(level.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def ink_mask(gray: np.ndarray, dpi: int, offset: int = 12) -> np.ndarray:
    """Gray page -> uint8 mask, 255 where there is ink.

    A local-mean threshold over a window of about 1/10 inch copes with uneven light and faint toner;
    `offset` (gray levels) is how much darker than its surroundings a pixel must be."""
    block = max(15, int(dpi / 10) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, offset)


def _ink_points(gray: np.ndarray, dpi: int, work_dpi: float, max_points: int, seed: int = 0) -> np.ndarray:
    """Coordinates (x, y) of ink pixels at `work_dpi`, centred on the page centre, float32 Nx2."""
    f = min(1.0, work_dpi / dpi)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    mask = ink_mask(small, int(dpi * f))
    # drop isolated specks (fax speckle) which add noise to the profiles
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    ys, xs = np.nonzero(mask)
    if len(xs) > max_points:
        idx = np.random.default_rng(seed).choice(len(xs), max_points, replace=False)
        xs, ys = xs[idx], ys[idx]
    h, w = mask.shape
    pts = np.stack([xs - w / 2.0, ys - h / 2.0], axis=1).astype(np.float32)
    return pts


def _profile_score(pts: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """Sharpness of the row profile of `pts` turned by each angle (sum of squared bin counts)."""
    out = np.empty(len(angles_deg))
    x, y = pts[:, 0].astype(np.float64), pts[:, 1].astype(np.float64)
    for i, a in enumerate(np.radians(angles_deg)):
        yy = math.sin(a) * x + math.cos(a) * y
        yy = np.round(yy - yy.min()).astype(np.int64)
        h = np.bincount(yy)
        out[i] = float(np.dot(h, h))
    return out


def _best(angles: np.ndarray, scores: np.ndarray) -> float:
    """Argmax with a parabolic fit through the neighbours for sub-step precision."""
    i = int(np.argmax(scores))
    if 0 < i < len(scores) - 1:
        s0, s1, s2 = scores[i - 1], scores[i], scores[i + 1]
        d = s0 - 2 * s1 + s2
        if d < 0:
            step = angles[1] - angles[0]
            return float(angles[i] + 0.5 * (s0 - s2) / d * step)
    return float(angles[i])


def estimate_skew(gray: np.ndarray, dpi: int, max_skew_degrees: float = 10.0) -> float:
    """Gray upright page (quarter turns already undone) -> skew in degrees, counter-clockwise as
    cv2.getRotationMatrix2D turns it, within +-max_skew_degrees. 0.0 for a blank page.

    Projection profiles of ink (text lines and ruled lines) are sharpest when the page is level:
    coarse search at ~75 dpi, refined at ~150 dpi."""
    coarse_pts = _ink_points(gray, dpi, 75, 60000)
    if len(coarse_pts) < 200:
        return 0.0
    angles = np.arange(-max_skew_degrees, max_skew_degrees + 1e-6, 0.5)
    a0 = _best(angles, _profile_score(coarse_pts, angles))
    fine_pts = _ink_points(gray, dpi, 150, 250000)
    angles = np.arange(a0 - 0.6, a0 + 0.6 + 1e-6, 0.1)
    a1 = _best(angles, _profile_score(fine_pts, angles))
    angles = np.arange(a1 - 0.12, a1 + 0.12 + 1e-6, 0.02)
    a2 = _best(angles, _profile_score(fine_pts, angles))
    return float(np.clip(a2, -max_skew_degrees, max_skew_degrees))


def rotate(image: np.ndarray, angle_degrees: float, fill: int = 255) -> np.ndarray:
    """Turn an image by angle_degrees (counter-clockwise, cv2.getRotationMatrix2D) about its centre,
    keeping its size; uncovered corners get `fill`. Deskew with rotate(img, -skew)."""
    if abs(angle_degrees) < 1e-3:
        return image
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_degrees, 1.0)
    border = (fill,) * (image.shape[2] if image.ndim == 3 else 1)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border)
