"""Accept one incoming file: store the original, record the Document row, commit, then enqueue."""
from __future__ import annotations

import logging
from pathlib import Path, PurePath
from typing import BinaryIO

from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from schemas.models import Document
from tablescan.storage import Storage
from worker.jobs import enqueue_document

log = logging.getLogger(__name__)


def display_name(name: str) -> str:
    """The client's file name reduced to its last component, for display only (never used as a path)."""
    base = PurePath(name.replace("\\", "/")).name
    return "".join(ch for ch in base if ch.isprintable())[:255] or "unnamed"


def accept(stream: BinaryIO, filename: str, source: str, *, storage: Storage, Session: sessionmaker[Session],
           queue: Queue, collection: str | None = None, max_bytes: int | None = None) -> Document:
    """Store `stream` as a new original and queue it. The row is committed before the job exists,
    so Redis never holds work the database does not know about."""
    name = display_name(filename)
    rel, sha, size = storage.put_original(stream, PurePath(name).suffix, max_bytes)
    with Session.begin() as s:
        doc = Document(filename=name, stored_path=rel, sha256=sha, size=size, source=source,
                       collection=collection, status="queued")
        s.add(doc)
    enqueue_document(queue, doc.id)
    log.info("accepted %s as document %d (%s, %d bytes)", name, doc.id, source, size)
    return doc


def accept_path(path: Path, source: str, **kw) -> Document:
    with open(path, "rb") as f:
        return accept(f, path.name, source, **kw)
