"""The RQ jobs: the document flow (worker.pipeline) run across workers, each step written to the record.

A document job inspects the file and fans out one job per page, then a finaliser that depends on all of
them (allow_failure, so one bad page cannot stall the document). Transient failures (the database or
Redis unreachable) raise and are retried with backoff; a file that cannot be read is recorded as failed
and never retried. RQ names these functions in Redis (worker.queue), so their names stay.

The jobs run with the settings of the worker that runs them: `tablescan worker` builds them from its
flags and the environment and hands them over with `configure` before it works.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from rq import Queue, get_current_job
from rq.job import Dependency

from schemas.database import sessions
from schemas.models import Document, utcnow
from schemas.results import PageResult
from schemas.statuses import UNFINISHED, AttemptOutcome, DocumentStatus
from worker import corrections, persist, rasterise
from worker.failures import JobFailed, PageBudgetExceeded
from worker.pipeline import DocumentFlow, page_png
from worker.queue import FINALISE_TIMEOUT, RETRY, job_id, queue_for
from worker.settings import Settings
from worker.storage import Storage

log = logging.getLogger(__name__)


class NotConfigured(RuntimeError):
    """A job ran in a process that was not given its settings (run it under `tablescan worker`)."""


_configured: Settings | None = None


def configure(settings: Settings) -> None:
    """The settings of the worker process that runs the jobs. RQ forks a work horse per job, and the
    horse inherits them: flags and the environment reach the jobs the same way, through them."""
    global _configured
    _configured = settings


def _settings() -> Settings:
    if _configured is None:
        raise NotConfigured(
            "the jobs have no settings: run them under `tablescan worker`, or call "
            "worker.jobs.configure(settings) first"
        )
    return _configured


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
    flow = DocumentFlow.from_settings(settings)
    Session = sessions(settings.database_url)
    storage = Storage(settings.storage_root)
    with Session.begin() as s:
        doc = s.get(Document, doc_id)
        if doc is None or doc.duplicate_of_id is not None:
            log.warning("document %s is not in the database, or is a copy; nothing to do", doc_id)
            return 0
        attempt = persist.begin_attempt(s, doc_id, _job_id(), "document", None, _worker_name())
        try:
            page_count = flow.inspect(storage.path(doc.stored_path))
        except (rasterise.UnreadableDocument, FileNotFoundError) as e:
            reason = str(e) if isinstance(e, rasterise.UnreadableDocument) else "the stored original is missing"
            persist.fail_document(s, doc, reason)
            persist.end_attempt(attempt, AttemptOutcome.FAILED, reason)
            return 0
        persist.start_document(s, doc, page_count, flow.engine())
        todo = persist.pages_to_do(s, doc)  # after a crash or a lost Redis, only what is missing
        persist.end_attempt(attempt, AttemptOutcome.OK)
    q = _current_queue(settings)
    pages = [
        q.enqueue(
            process_page,
            doc_id,
            n,
            job_id=job_id("page", doc_id, run, n),
            retry=RETRY,
            job_timeout=settings.job_timeout_seconds,
            description=f"document {doc_id} page {n}",
        )
        for n in todo
    ]
    q.enqueue(
        finalise_document,
        doc_id,
        job_id=job_id("final", doc_id, run),
        retry=RETRY,
        job_timeout=FINALISE_TIMEOUT,
        depends_on=Dependency(jobs=pages, allow_failure=True) if pages else None,
        description=f"document {doc_id} finalise",
    )
    return page_count


def _aware(when: datetime) -> datetime:
    """A stored time with its UTC offset (SQLite hands times back without one)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def process_page(doc_id: int, number: int) -> str:
    """Recognise one page and write it, with its upright page image, in one transaction."""
    settings = _settings()
    Session = sessions(settings.database_url)
    storage = Storage(settings.storage_root)
    with Session.begin() as s:
        doc = s.get(Document, doc_id)
        if doc is None or doc.status not in UNFINISHED:
            return "skipped"
        if number not in persist.pages_to_do(s, doc):
            return "already done"  # a re-run after a lost Redis may queue a page that finished meanwhile
        path = storage.path(doc.stored_path)
        attempt_id = persist.begin_attempt(s, doc_id, _job_id(), "page", number, _worker_name()).id
        spent = (utcnow() - _aware(doc.started_at)).total_seconds() if doc.started_at else 0.0
        budget = settings.page_budget_seconds * max(1, doc.page_count or 1)
    left = budget - spent
    try:
        if left <= 0:  # one slow document must not hold the workers for hours: its other pages fail fast
            raise PageBudgetExceeded(
                f"the document ran over its time budget of {budget} s "
                f"({settings.page_budget_seconds} s a page, PAGE_BUDGET_SECONDS)"
            )
        result, upright = DocumentFlow.from_settings(settings).page(path, number, seconds_left=left)
    except (PageBudgetExceeded, rasterise.UnreadableDocument) as e:  # out of time, or the page cannot be read
        result, upright = PageResult(number=number, error=str(e), failure_reason=e.code), None
    image_rel = storage.put_page_image(doc_id, number, page_png(upright)) if upright is not None else None
    with Session.begin() as s:
        persist.save_page(s, doc_id, result, image_rel)
        persist.end_attempt(
            s.get_one(persist.Attempt, attempt_id),
            AttemptOutcome.FAILED if result.error else AttemptOutcome.OK,
            result.error,
        )
    return result.error or "ok"


def finalise_document(doc_id: int) -> str:
    """Re-apply earlier readings' corrections, stitch, check and settle the document's status once every
    page job has ended, however it ended; with ARCHIVE_PDF, write its archive copy before the status is
    committed (the watcher, seeing the status, finds the copy to put beside the original)."""
    settings = _settings()
    Session = sessions(settings.database_url)
    with Session.begin() as s:
        doc = s.get(Document, doc_id, with_for_update=True)
        if doc is None or doc.status != DocumentStatus.RUNNING:
            return "skipped"
        attempt = persist.begin_attempt(s, doc_id, _job_id(), "finalise", None, _worker_name())
        persist.mark_missing_pages(s, doc, JobFailed("the page job failed (see attempts)"))
        reapplied = corrections.reapply(s, doc)  # a person's earlier word, before the checks run
        if reapplied:
            log.info("document %d: re-applied %d earlier corrections", doc_id, len(reapplied))
        persist.reanalyse(s, doc, settings.pipeline())
        persist.settle_status(s, doc)
        if settings.archive_pdf and doc.status != DocumentStatus.FAILED:
            write_archive(s, Storage(settings.storage_root), doc)
        persist.end_attempt(attempt, AttemptOutcome.OK)
        return doc.status


def write_archive(s, storage: Storage, doc: Document) -> None:
    """Store the document's archive copy (storage archive/<id>.pdf). One that cannot be made is logged with
    the reason and leaves the document as it is: the copy can be made again on request."""
    from worker.archive import ArchiveError, document_archive

    try:
        storage.put_archive(doc.id, document_archive(s, storage, doc))
    except ArchiveError as e:
        log.warning("no archive copy of document %d: %s", doc.id, e)
