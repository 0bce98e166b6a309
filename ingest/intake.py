"""Accept one incoming file: store the original, record the Document row, commit, then enqueue.

A file whose content (SHA-256) the record already holds is recorded as a duplicate, linked to the
first copy, and not processed again. A file of the watched folder that comes in under the path of one
that failed (it changed after it was taken, or a good copy replaced a damaged one) is recorded as
taking that document again (`retake_of_id`): both attempts stay in the record.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, NamedTuple

from rq import Queue
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from schemas.models import FINAL_STATUSES, Document, utcnow
from schemas.statuses import DocumentStatus
from worker import persist
from worker.queue import enqueue_document
from worker.storage import Storage, open_regular, sha256_of

log = logging.getLogger(__name__)


def display_name(name: str) -> str:
    """The client's file name reduced to its last component, for display only (never used as a path)."""
    base = PurePath(name.replace("\\", "/")).name
    return "".join(ch for ch in base if ch.isprintable())[:255] or "unnamed"


def first_copy(s: Session, sha256: str) -> Document | None:
    """The document this content first came in as, unless that one failed (then it is tried again)."""
    return s.scalar(
        select(Document)
        .where(Document.sha256 == sha256, Document.duplicate_of_id.is_(None), Document.status != DocumentStatus.FAILED)
        .order_by(Document.id)
    )


def accept(
    stream: BinaryIO,
    filename: str,
    source: str,
    *,
    storage: Storage,
    Session: sessionmaker[Session],
    queue: Queue,
    collection: str | None = None,
    max_bytes: int | None = None,
    source_path: str | None = None,
    retake_of: int | None = None,
) -> Document:
    """Store `stream` as a new original and queue it. The row is committed before the job exists,
    so Redis never holds work the database does not know about."""
    name = display_name(filename)
    rel, sha, size = storage.put_original(stream, PurePath(name).suffix, max_bytes)
    with Session.begin() as s:
        first = first_copy(s, sha)
        doc = Document(
            filename=name,
            stored_path=rel,
            sha256=sha,
            size=size,
            source=source,
            source_path=source_path,
            collection=collection,
            status=DocumentStatus.QUEUED,
            retake_of_id=retake_of,
        )
        if first is not None:  # final once the first copy is: now, or when its finaliser settles it
            doc.duplicate_of_id = first.id
            if first.status in FINAL_STATUSES:
                doc.status, doc.error, doc.finished_at = first.status, first.error, utcnow()
        s.add(doc)
    if first is None:
        enqueue_document(queue, doc.id)
        log.info("accepted %s as document %d (%s, %d bytes)", name, doc.id, source, size)
    else:
        log.info("%s is a copy of document %d; recorded as document %d, not processed again", name, first.id, doc.id)
    return doc


class NotFinished(Exception):
    """The document is still queued or running."""


def reprocess(doc_id: int, *, storage: Storage, Session: sessionmaker[Session], queue: Queue) -> Document:
    """Recognise a finished document again from its kept original: its pages, tables, cells, checks and
    figures are cleared; the original, the attempts and the corrections stay, and the finaliser
    re-applies the corrections where the new reading has the same cell. LookupError when there is no
    such document, NotFinished while it is queued or running."""
    with Session.begin() as s:
        doc = s.get(Document, doc_id, with_for_update=True)
        if doc is None:
            raise LookupError(f"no document {doc_id}")
        if doc.status not in FINAL_STATUSES:
            raise NotFinished(f"document {doc_id} is {doc.status}; wait until it has finished")
        persist.clear_reading(s, doc)
    storage.remove_pages(doc_id)
    enqueue_document(queue, doc_id)
    log.info("document %d queued to be read again (reading %d)", doc_id, doc.reading)
    return doc


def accept_path(path: Path, source: str, filename: str | None = None, **kw) -> Document:
    with open_regular(path) as f:
        return accept(f, filename or path.name, source, **kw)


class Intake(NamedTuple):
    """An inbox file as the record took it."""

    doc_id: int
    sha256: str


def not_taken_again():
    """Documents no later document takes again, as a WHERE clause."""
    later = aliased(Document)
    return ~exists().where(later.retake_of_id == Document.id)


def earlier_failure(s: Session, rel: str) -> int | None:
    """The newest document of this inbox path that failed, left the inbox and was not taken again."""
    return s.scalar(
        select(Document.id)
        .where(
            Document.source == "folder",
            Document.source_path == rel,
            Document.status == DocumentStatus.FAILED,
            Document.inbox_moved_at.is_not(None),
            not_taken_again(),
        )
        .order_by(Document.id.desc())
        .limit(1)
    )


@dataclass
class InboxRecord:
    """What the folder watcher needs from the record: accept a settled file once, tell when its
    document is final, and note that the file has left the inbox."""

    storage: Storage
    Session: sessionmaker[Session]
    queue: Queue

    def accept(self, path: Path, rel: str, collection: str | None) -> Intake:
        """The document for this inbox file, recording it if the record does not know it yet (a file
        still waiting in the inbox after a restart is known by its path and content). `rel` is the
        path relative to the inbox as text."""
        sha = sha256_of(path)
        with self.Session() as s:
            known = s.scalar(
                select(Document.id).where(
                    Document.source == "folder",
                    Document.source_path == rel,
                    Document.sha256 == sha,
                    Document.inbox_moved_at.is_(None),
                )
            )
            retake_of = earlier_failure(s, rel) if known is None else None
        if known is not None:
            return Intake(known, sha)
        name = os.fsencode(path.name).decode("utf-8", "replace")  # bytes that are no UTF-8 shown as �
        doc = accept_path(
            path,
            "folder",
            filename=name,
            storage=self.storage,
            Session=self.Session,
            queue=self.queue,
            collection=collection,
            source_path=rel,
            retake_of=retake_of,
        )
        if retake_of is not None:
            log.info("%s takes document %d again (it failed; the file has changed)", rel, retake_of)
        return Intake(doc.id, doc.sha256)

    def failed_files(self) -> list[tuple[int, str, str, str]]:
        """(document id, where it is, where it came in, SHA-256) of the files in failed/ not taken again;
        paths relative to the inbox."""
        with self.Session() as s:
            rows = s.execute(
                select(Document.id, Document.inbox_path, Document.source_path, Document.sha256).where(
                    Document.source == "folder",
                    Document.status == DocumentStatus.FAILED,
                    Document.inbox_path.startswith("failed/", autoescape=True),
                    not_taken_again(),
                )
            ).all()
        return [(i, where or "", home or "", sha) for i, where, home, sha in rows]  # folder files have both

    def outcomes(self, doc_ids: list[int]) -> dict[int, tuple[str, str | None]]:
        """(status, error) of those documents that are final."""
        with self.Session() as s:
            rows = s.execute(
                select(Document.id, Document.status, Document.error).where(
                    Document.id.in_(doc_ids), Document.status.in_(FINAL_STATUSES)
                )
            ).all()
        return {i: (status, error) for i, status, error in rows}

    def moved(self, doc_id: int, inbox_path: str | None) -> None:
        """The file has left its place in the inbox: to `inbox_path` (relative to the inbox), or nowhere
        of ours (it was removed, or changed after it was taken and is taken again)."""
        with self.Session.begin() as s:
            doc = s.get_one(Document, doc_id)
            doc.inbox_moved_at, doc.inbox_path = utcnow(), inbox_path

    def archive_copy(self, doc_id: int) -> Path | None:
        """The document's archive copy in storage (of its first copy, for a duplicate), if one was made."""
        with self.Session() as s:
            doc = s.get(Document, doc_id)
            path = self.storage.archive_path(doc.duplicate_of_id or doc.id) if doc else None
        return path if path is not None and path.is_file() else None
