"""RQ jobs: thin, importable functions. The only module that touches RQ.

A document job inspects the file and fans out one job per page, then a finaliser that depends on all of
them (allow_failure, so one bad page cannot stall the document). Transient failures (the database or
Redis unreachable) raise and are retried with backoff; a file that cannot be read is recorded as failed
and never retried.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue, Retry, get_current_job
from rq.job import Dependency
from sqlalchemy.exc import OperationalError

from schemas.database import sessions
from schemas.models import FINAL_STATUSES, Document, utcnow
from tablescan.settings import Settings, load
from tablescan.storage import Storage
from worker import corrections, persist, pipeline, rasterise
from worker.results import PageResult

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, RedisConnectionError, ConnectionError, TimeoutError)
RETRY = Retry(max=5, interval=[5, 15, 60, 120, 300])
DOCUMENT_TIMEOUT = 300
FINALISE_TIMEOUT = 900


_configured: Settings | None = None


def configure(settings: Settings) -> None:
    """The settings of the worker process that runs the jobs (`tablescan worker` calls this before it
    works): RQ forks a work horse per job, and the horse inherits them. Flags and the environment
    reach the jobs the same way, through the worker's own settings."""
    global _configured
    _configured = settings
    _settings.cache_clear()


@lru_cache(maxsize=1)
def _settings() -> Settings:
    """The worker's settings; the environment's only for a worker not started by `tablescan worker`."""
    return _configured if _configured is not None else load()


def queue_for(settings: Settings, connection: Redis | None = None) -> Queue:
    return Queue(settings.queue_name, connection=connection or Redis.from_url(settings.redis_url))


def job_id(kind: str, doc_id: int, run: str, page: int | None = None) -> str:
    """Job ids say what they are for (`page-12-3_<run>`); `run` keeps each run of a document apart, so
    a re-run never meets the finished jobs of an earlier one."""
    return f"{kind}-{doc_id}{'' if page is None else f'-{page}'}_{run}"


def document_of(job_id_: str) -> int | None:
    m = re.fullmatch(r"(?:doc|page|final)-(\d+)(?:-\d+)?_[0-9a-f]+", job_id_)
    return int(m[1]) if m else None


def enqueue_document(queue: Queue, doc_id: int) -> str:
    """Queue a committed document. Call only after the Document row is committed."""
    run = uuid.uuid4().hex[:10]
    queue.enqueue(process_document, doc_id, run, job_id=job_id("doc", doc_id, run), job_timeout=DOCUMENT_TIMEOUT,
                  retry=RETRY, description=f"document {doc_id}")
    return run


def _current_queue(settings: Settings) -> Queue:
    """The queue (and Redis connection) the running job came from, so fan-out stays on it."""
    job = get_current_job()
    return Queue(job.origin, connection=job.connection) if job else queue_for(settings)


def _job_id() -> str:
    job = get_current_job()
    return job.id if job else "inline"


def _worker_name() -> str:
    """The RQ worker, host and process that runs this job (the process is the one to kill, in a test)."""
    job = get_current_job()
    name = job.worker_name if job and job.worker_name else "inline"
    return f"{name}@{socket.gethostname()}:{os.getpid()}"


def process_document(doc_id: int, run: str = "inline") -> int:
    """Inspect the stored original, record its page count, and fan out page jobs and the finaliser."""
    settings = _settings()
    Session = sessions(settings.database_url)
    storage = Storage(settings.storage_root)
    limits = rasterise.Limits(settings.max_pages, settings.max_pixels)
    with Session.begin() as s:
        doc = s.get(Document, doc_id)
        if doc is None or doc.duplicate_of_id is not None:
            log.warning("document %s is not in the database, or is a copy; nothing to do", doc_id)
            return 0
        attempt = persist.begin_attempt(s, doc_id, _job_id(), "document", None, _worker_name())
        try:
            info = rasterise.inspect(storage.path(doc.stored_path), limits, settings.dpi)
        except (rasterise.UnreadableDocument, FileNotFoundError) as e:
            reason = str(e) if isinstance(e, rasterise.UnreadableDocument) else "the stored original is missing"
            persist.fail_document(s, doc, reason)
            persist.end_attempt(attempt, "failed", reason)
            return 0
        persist.start_document(s, doc, info.page_count, {**pipeline.engine_versions(),
                                                         "settings": settings.pipeline().as_dict()})
        todo = persist.pages_to_do(s, doc)   # after a crash or a lost Redis, only what is missing
        persist.end_attempt(attempt, "ok")
    q = _current_queue(settings)
    pages = [q.enqueue(process_page, doc_id, n, job_id=job_id("page", doc_id, run, n), retry=RETRY,
                       job_timeout=settings.job_timeout_seconds, description=f"document {doc_id} page {n}")
             for n in todo]
    q.enqueue(finalise_document, doc_id, job_id=job_id("final", doc_id, run), retry=RETRY,
              job_timeout=FINALISE_TIMEOUT,
              depends_on=Dependency(jobs=pages, allow_failure=True) if pages else None,
              description=f"document {doc_id} finalise")
    return info.page_count


def _aware(when: datetime) -> datetime:
    """A stored time with its UTC offset (SQLite hands times back without one)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def process_page(doc_id: int, number: int) -> str:
    """Recognise one page and write it, with its upright page image, in one transaction."""
    settings = _settings()
    Session = sessions(settings.database_url)
    storage = Storage(settings.storage_root)
    limits = rasterise.Limits(settings.max_pages, settings.max_pixels)
    with Session.begin() as s:
        doc = s.get(Document, doc_id)
        if doc is None or doc.status not in ("running", "queued"):
            return "skipped"
        if number not in persist.pages_to_do(s, doc):
            return "already done"   # a re-run after a lost Redis may queue a page that finished meanwhile
        path = storage.path(doc.stored_path)
        attempt_id = persist.begin_attempt(s, doc_id, _job_id(), "page", number, _worker_name()).id
        spent = (utcnow() - _aware(doc.started_at)).total_seconds() if doc.started_at else 0.0
        budget = settings.page_budget_seconds * max(1, doc.page_count or 1)
    left = budget - spent
    if left <= 0:   # one slow document must not hold the workers for hours: its other pages fail fast
        result, upright = PageResult(number=number, error=f"the document ran over its time budget of {budget} s "
                                     f"({settings.page_budget_seconds} s a page, PAGE_BUDGET_SECONDS)"), None
    else:
        limits = replace(limits, poppler_seconds=min(limits.poppler_seconds, left))
        try:
            result, upright = pipeline.recognise_page(path, number, settings.pipeline(), limits)
        except rasterise.UnreadableDocument as e:
            result, upright = PageResult(number=number, error=str(e)), None
    image_rel = storage.put_page_image(doc_id, number, upright) if upright is not None else None
    with Session.begin() as s:
        persist.save_page(s, doc_id, result, image_rel)
        persist.end_attempt(s.get(persist.Attempt, attempt_id), "failed" if result.error else "ok", result.error)
    return result.error or "ok"


def finalise_document(doc_id: int) -> str:
    """Re-apply earlier readings' corrections, stitch, check and settle the document's status once every
    page job has ended, however it ended; with ARCHIVE_PDF, write its archive copy before the status is
    committed (the watcher, seeing the status, finds the copy to put beside the original)."""
    settings = _settings()
    Session = sessions(settings.database_url)
    with Session.begin() as s:
        doc = s.get(Document, doc_id, with_for_update=True)
        if doc is None or doc.status != "running":
            return "skipped"
        attempt = persist.begin_attempt(s, doc_id, _job_id(), "finalise", None, _worker_name())
        persist.mark_missing_pages(s, doc, "the page job failed (see attempts)")
        reapplied = corrections.reapply(s, doc)      # a person's earlier word, before the checks run
        if reapplied:
            log.info("document %d: re-applied %d earlier corrections", doc_id, len(reapplied))
        persist.reanalyse(s, doc, settings.pipeline())
        persist.settle_status(s, doc)
        if settings.archive_pdf and doc.status != "failed":
            write_archive(s, Storage(settings.storage_root), doc)
        persist.end_attempt(attempt, "ok")
        return doc.status


def write_archive(s, storage: Storage, doc: Document) -> None:
    """Store the document's archive copy (storage archive/<id>.pdf). One that cannot be made is logged with
    the reason and leaves the document as it is: the copy can be made again on request."""
    from tablescan.archive import ArchiveError
    from tablescan.records import document_archive

    try:
        storage.put_archive(doc.id, document_archive(s, storage, doc))
    except ArchiveError as e:
        log.warning("no archive copy of document %d: %s", doc.id, e)


def requeue_lost(Session, queue: Queue, min_age_seconds: float = 10) -> list[int]:
    """Re-enqueue documents the database says are unfinished but Redis has no job for (Redis restarted
    empty or flushed). The database is the record; this makes Redis agree with it. Documents younger
    than `min_age_seconds` are left alone: their intake may not have enqueued yet. Returns the ids."""
    from datetime import timedelta

    from sqlalchemy import select

    from schemas.models import utcnow

    known = set(queue.job_ids)
    for registry in (queue.started_job_registry, queue.deferred_job_registry, queue.scheduled_job_registry):
        known.update(registry.get_job_ids())
    known_docs = {document_of(j) for j in known}
    lost = []
    with Session() as s:
        docs = s.scalars(select(Document).where(Document.status.in_(("queued", "running")),
                                                Document.duplicate_of_id.is_(None),   # a copy waits for its first
                                                Document.created_at < utcnow() - timedelta(seconds=min_age_seconds))
                         ).all()
    for doc in docs:
        if doc.id not in known_docs:
            enqueue_document(queue, doc.id)
            lost.append(doc.id)
    with Session.begin() as s:   # a copy recorded just as its first copy was settled
        waiting = s.scalars(select(Document).where(Document.status.in_(("queued", "running")),
                                                   Document.duplicate_of_id.is_not(None))).all()
        for first in {s.get(Document, c.duplicate_of_id) for c in waiting}:
            if first is not None and first.status in FINAL_STATUSES:
                persist.settle_copies(s, first)
    return lost
