"""Putting work on the queue: the RQ names of a document's jobs, enqueueing by dotted path, and making
Redis agree with the record again. Light on purpose: the API and the watcher import this, and nothing
of recognition (no OpenCV, pikepdf or Tesseract) comes with it; the jobs themselves are worker.jobs."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta

from redis import Redis
from rq import Queue, Retry
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from schemas.models import FINAL_STATUSES, Document, utcnow
from schemas.statuses import UNFINISHED
from worker import persist
from worker.settings import Settings

RETRY = Retry(max=5, interval=[5, 15, 60, 120, 300])
DOCUMENT_TIMEOUT = 300
FINALISE_TIMEOUT = 900
# The jobs as RQ names them in Redis: a queued job keeps this name across upgrades, so these stay.
PROCESS_DOCUMENT = "worker.jobs.process_document"
PROCESS_PAGE = "worker.jobs.process_page"
FINALISE_DOCUMENT = "worker.jobs.finalise_document"


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
    queue.enqueue(
        PROCESS_DOCUMENT,
        doc_id,
        run,
        job_id=job_id("doc", doc_id, run),
        job_timeout=DOCUMENT_TIMEOUT,
        retry=RETRY,
        description=f"document {doc_id}",
    )
    return run


def documents_with_jobs(queue: Queue) -> set[int | None]:
    """The documents Redis holds a job of. A job moves scheduled or deferred -> ready -> queued -> started,
    so the registries are read in that order: a job that moves on while they are read is seen at its next
    place. (Ready holds a dependent whose dependencies are met until it is queued.)"""
    known: set[str] = set()
    known.update(queue.scheduled_job_registry.get_job_ids())
    known.update(queue.deferred_job_registry.get_job_ids())
    known.update(queue.ready_job_registry.get_job_ids())
    known.update(queue.job_ids)
    known.update(queue.started_job_registry.get_job_ids())
    return {document_of(j) for j in known}


def _unfinished(Session: sessionmaker[Session], queued_before: datetime) -> set[int]:
    with Session() as s:
        return set(
            s.scalars(
                select(Document.id).where(
                    Document.status.in_(UNFINISHED),
                    Document.duplicate_of_id.is_(None),  # a copy waits for its first
                    func.coalesce(Document.queued_at, Document.created_at) < queued_before,
                )
            )
        )


def requeue_lost(
    Session: sessionmaker[Session], queue: Queue, min_age_seconds: float = 10, recheck_seconds: float = 1.0
) -> list[int]:
    """Re-enqueue documents the database says are unfinished but Redis has no job for (Redis restarted
    empty or flushed). The database is the record; this makes Redis agree with it. Documents queued
    less than `min_age_seconds` ago (taken in, or sent to be read again) are left alone: their job may
    not be in Redis yet. A job a worker has just taken is for a moment in no registry, so a document is
    re-enqueued only when both looks, `recheck_seconds` apart, find no job for it. Returns the ids."""
    queued_before = utcnow() - timedelta(seconds=min_age_seconds)
    lost = _unfinished(Session, queued_before) - documents_with_jobs(queue)
    if lost:
        time.sleep(recheck_seconds)
        lost &= _unfinished(Session, queued_before) - documents_with_jobs(queue)
    for doc_id in sorted(lost):
        enqueue_document(queue, doc_id)
    with Session.begin() as s:  # a copy recorded just as its first copy was settled
        waiting = s.scalars(
            select(Document).where(Document.status.in_(UNFINISHED), Document.duplicate_of_id.is_not(None))
        ).all()
        for first in {s.get(Document, c.duplicate_of_id) for c in waiting}:
            if first is not None and first.status in FINAL_STATUSES:
                persist.settle_copies(s, first)
    return sorted(lost)
