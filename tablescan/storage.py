"""The storage root: originals and page images, on a local disk or a mount shared by every machine.

Stored names are generated here, never taken from the file's own name.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

CHUNK = 1 << 20


class Storage:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def path(self, rel: str) -> Path:
        """Absolute path of a stored file; refuses anything outside the root."""
        p = (self.root / rel).resolve()
        if self.root not in p.parents:
            raise ValueError("path outside the storage root")
        return p

    def put_original(self, src: BinaryIO, suffix: str, max_bytes: int | None = None) -> tuple[str, str, int]:
        """Copy a stream into originals/ under a generated name. Returns (relative path, sha256, size).

        The copy is fsynced before it is named, so a crash never leaves a half-written original."""
        suffix = suffix.lower() if suffix.lower() in (".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg") else ""
        rel = f"originals/{uuid.uuid4().hex}{suffix}"
        dest = self.path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        h, size = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as out:
                while chunk := src.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(f"over the upload limit of {max_bytes} bytes")
                    h.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return rel, h.hexdigest(), size

    def put_page_image(self, doc_id: int, number: int, image: np.ndarray) -> str:
        rel = f"pages/{doc_id}/{number:04d}.png"
        dest = self.path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
        tmp = dest.with_name(dest.stem + ".part.png")
        cv2.imwrite(str(tmp), bgr)
        os.replace(tmp, dest)
        return rel

    def remove_pages(self, doc_id: int) -> None:
        shutil.rmtree(self.path(f"pages/{doc_id}"), ignore_errors=True)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks (scans can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class FileTooLarge(Exception):
    pass
