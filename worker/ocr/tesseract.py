"""The Tesseract adapter: the only module that runs the tesseract binary.

run_tesseract(image, lang, psm, dpi, deadline, extra) -> [Glyph]: one process over a gray image, hOCR
with glyph boxes parsed into glyphs. The child runs with one OpenMP thread; past the deadline it is
killed and OcrTimeout raised; any other failure of Tesseract raises OcrError (both page failures
with their codes, worker.failures).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
from dataclasses import dataclass

import cv2
import numpy as np

from ..failures import OcrError, OcrTimeout  # typed page failures (worker.failures), raised here


def _tesseract_env() -> dict:
    """The child's environment: the process's own, as it is now, with one OpenMP thread (Tesseract's
    default threads spin and cost ~3x on a busy 2-core worker)."""
    return dict(os.environ, OMP_THREAD_LIMIT="1")


_SPAN = re.compile(
    r"<span class='(ocr_line|ocr_caption|ocr_header|ocr_textfloat|ocrx_word|ocrx_cinfo)'"
    r"[^>]*?title=(?:'([^']*)'|\"([^\"]*)\")[^>]*>([^<]*)"
)
_BOX = re.compile(r"(?:bbox|x_bboxes) (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_CONF = re.compile(r"x_conf ([\d.]+)")


@dataclass
class Glyph:
    """One character Tesseract read, with its box in the mosaic."""

    ch: str
    box: tuple[int, int, int, int]
    conf: float  # 0..100
    line: int  # running line number in the call
    word: int  # running word number in the call


def parse_hocr(hocr: str) -> list[Glyph]:
    """Tesseract hOCR with hocr_char_boxes=1 -> glyphs in reading order."""
    out, line, word = [], 0, 0
    for m in _SPAN.finditer(hocr):
        kind, title, text = m.group(1), m.group(2) or m.group(3) or "", m.group(4)
        if kind == "ocrx_word":
            word += 1
        elif kind == "ocrx_cinfo":
            b = _BOX.search(title)
            c = _CONF.search(title)
            ch = html.unescape(text)
            if not b or not ch.strip():
                continue
            x0, y0, x1, y1 = (int(v) for v in b.groups())
            out.append(Glyph(ch, (x0, y0, x1, y1), float(c.group(1)) if c else 0.0, line, word))
        else:
            line += 1
    return out


def run_tesseract(
    img: np.ndarray, lang: str, psm: int, dpi: int, deadline: float | None, extra: tuple[str, ...] = ()
) -> list[Glyph]:
    """One Tesseract process over a gray image -> glyphs with boxes and confidences.
    Kills it and raises OcrTimeout past the deadline (time.monotonic())."""
    ok, buf = cv2.imencode(".pgm", img)
    if not ok:
        raise OcrError("could not encode image")
    cmd = [
        "tesseract",
        "stdin",
        "stdout",
        "-l",
        lang,
        "--psm",
        str(psm),
        "--dpi",
        str(dpi),
        "-c",
        "hocr_char_boxes=1",
        *extra,
        "hocr",
    ]
    timeout = None
    if deadline is not None:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise OcrTimeout("page OCR time budget used up before a Tesseract call")
    try:
        p = subprocess.run(
            cmd, input=buf.tobytes(), capture_output=True, timeout=timeout, env=_tesseract_env(), check=False
        )
    except subprocess.TimeoutExpired as e:
        raise OcrTimeout(f"Tesseract killed after {timeout:.1f} s") from e
    except FileNotFoundError as e:
        raise OcrError("tesseract executable not found") from e
    if p.returncode != 0:
        raise OcrError(f"tesseract exited {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}")
    return parse_hocr(p.stdout.decode("utf-8", errors="replace"))
