"""Accept one incoming file: store the original, record the Document row, commit, then enqueue.

A file whose content (SHA-256) the record already holds is recorded as a duplicate, linked to the
first copy, and not processed again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO

from rq import Queue
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from schemas.models import FINAL_STATUSES, Document, utcnow
from worker.storage import Storage, open_regular, sha256_of
from worker.queue import enqueue_document

log = logging.getLogger(__name__)


def display_name(name: str) -> str:
    """The client's file name reduced to its last component, for display only (never used as a path)."""
    base = PurePath(name.replace("\\", "/")).name
    return "".join(ch for ch in base if ch.isprintable())[:255] or "unnamed"


def first_copy(s: Session, sha256: str) -> Document | None:
    """The document this content first came in as, unless that one failed (then it is tried again)."""
    return s.scalar(select(Document).where(Document.sha256 == sha256, Document.duplicate_of_id.is_(None),
                                           Document.status != "failed").order_by(Document.id))


def accept(stream: BinaryIO, filename: str, source: str, *, storage: Storage, Session: sessionmaker[Session],
           queue: Queue, collection: str | None = None, max_bytes: int | None = None,
           source_path: str | None = None) -> Document:
    """Store `stream` as a new original and queue it. The row is committed before the job exists,
    so Redis never holds work the database does not know about."""
    name = display_name(filename)
    rel, sha, size = storage.put_original(stream, PurePath(name).suffix, max_bytes)
    with Session.begin() as s:
        first = first_copy(s, sha)
        doc = Document(filename=name, stored_path=rel, sha256=sha, size=size, source=source,
                       source_path=source_path, collection=collection, status="queued")
        if first is not None:   # final once the first copy is: now, or when its finaliser settles it
            doc.duplicate_of_id = first.id
            if first.status in FINAL_STATUSES:
                doc.status, doc.error, doc.finished_at = first.status, first.error, utcnow()
        s.add(doc)
    if first is None:
        enqueue_document(queue, doc.id)
        log.info("accepted %s as document %d (%s, %d bytes)", name, doc.id, source, size)
    else:
        log.info("%s is a copy of document %d; recorded as document %d, not processed again", name, first.id,
                 doc.id)
    return doc


def accept_path(path: Path, source: str, **kw) -> Document:
    with open_regular(path) as f:
        return accept(f, path.name, source, **kw)


@dataclass
class InboxRecord:
    """What the folder watcher needs from the record: accept a settled file once, tell when its
    document is final, and note that the file has left the inbox."""
    storage: Storage
    Session: sessionmaker[Session]
    queue: Queue

    def accept(self, path: Path, rel: str, collection: str | None) -> int:
        """The document id for this inbox file, recording it if the record does not know it yet (a
        file still waiting in the inbox after a restart is known by its path and content)."""
        sha = sha256_of(path)
        with self.Session() as s:
            known = s.scalar(select(Document.id).where(Document.source == "folder", Document.source_path == rel,
                                                       Document.sha256 == sha, Document.inbox_moved_at.is_(None)))
        if known is not None:
            return known
        return accept_path(path, "folder", storage=self.storage, Session=self.Session, queue=self.queue,
                           collection=collection, source_path=rel).id

    def outcomes(self, doc_ids: list[int]) -> dict[int, tuple[str, str | None]]:
        """(status, error) of those documents that are final."""
        with self.Session() as s:
            rows = s.execute(select(Document.id, Document.status, Document.error)
                             .where(Document.id.in_(doc_ids), Document.status.in_(FINAL_STATUSES))).all()
        return {i: (status, error) for i, status, error in rows}

    def moved(self, doc_id: int) -> None:
        with self.Session.begin() as s:
            s.get(Document, doc_id).inbox_moved_at = utcnow()
