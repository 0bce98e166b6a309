"""The storage root: originals and page images, on a local disk or a mount shared by every machine.

Stored names are generated here, never taken from the file's own name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import uuid
from pathlib import Path
from typing import BinaryIO

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

    def put_page_image(self, doc_id: int, number: int, png: bytes) -> str:
        """Keep a page's upright image (PNG bytes) as pages/<doc>/<number>.png, replacing it whole."""
        rel = f"pages/{doc_id}/{number:04d}.png"
        dest = self.path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.stem + ".part.png")
        tmp.write_bytes(png)
        os.replace(tmp, dest)
        return rel

    def remove_pages(self, doc_id: int) -> None:
        """The page images of a document, and the archive copy made from them."""
        shutil.rmtree(self.path(f"pages/{doc_id}"), ignore_errors=True)
        self.archive_path(doc_id).unlink(missing_ok=True)

    def archive_path(self, doc_id: int) -> Path:
        """Where a document's archive copy (ARCHIVE_PDF) is kept: archive/<id>.pdf."""
        return self.path(f"archive/{doc_id}.pdf")

    def put_archive(self, doc_id: int, data: bytes) -> Path:
        """Write the archive copy, replacing an older one whole (written aside, fsynced, renamed)."""
        dest = self.archive_path(doc_id)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        return dest


class NotARegularFile(OSError):
    """A symbolic link, a FIFO, a socket or a device where a file was expected."""


def open_regular(path: Path):
    """Open a regular file for reading, never through a symbolic link and never blocking on a FIFO:
    O_NOFOLLOW | O_NONBLOCK, then the open descriptor's own type is checked (no race with a swap)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotARegularFile(f"{path.name}: a symbolic link") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(f"{path.name}: not a regular file")
    return os.fdopen(fd, "rb")


def write_new(path: Path, text: str) -> None:
    """Write text to a file that must not exist yet: O_CREAT | O_EXCL | O_NOFOLLOW, never through a link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def sha256_of(path: Path) -> str:
    """SHA-256 of a regular file, read in chunks (scans can be large)."""
    h = hashlib.sha256()
    with open_regular(path) as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class FileTooLarge(Exception):
    pass
