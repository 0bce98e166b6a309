"""The reconciler (worker.queue.requeue_lost) on real Redis and a real database: it re-enqueues what
Redis lost, and never a document whose job is only just being queued, taken or read again."""

from datetime import timedelta

from sqlalchemy import update

from ingest.intake import accept_path, reprocess
from schemas.database import sessions, upgrade
from schemas.models import Document, utcnow
from worker.queue import documents_with_jobs, queue_for, requeue_lost
from worker.storage import Storage


def _age(Session, doc_id: int, seconds: float) -> None:
    with Session.begin() as s:
        then = utcnow() - timedelta(seconds=seconds)
        s.execute(update(Document).where(Document.id == doc_id).values(created_at=then, queued_at=None))


def test_lost_documents_are_requeued_once_and_new_readings_are_left_alone(
    tmp_path, redis, make_settings, forged_scan, database_url
):
    settings = make_settings(database_url=database_url)
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    queue = queue_for(settings, redis)
    storage = Storage(settings.storage_root)
    doc = accept_path(forged_scan, "cli", storage=storage, Session=Session, queue=queue)

    _age(Session, doc.id, 60)
    assert requeue_lost(Session, queue, recheck_seconds=0) == []  # its job is in the queue
    queue.empty()  # Redis lost it
    assert doc.id not in documents_with_jobs(queue)
    assert requeue_lost(Session, queue, recheck_seconds=0) == [doc.id]
    assert doc.id in documents_with_jobs(queue) and queue.count == 1
    assert requeue_lost(Session, queue, recheck_seconds=0) == []  # not twice

    queue.empty()
    with Session.begin() as s:
        s.get(Document, doc.id).status = "done"  # read, and then sent to be read again:
    reprocess(doc.id, storage=storage, Session=Session, queue=queue)
    queue.empty()  # ... as if the reconciler looked before reprocess had queued its job
    assert requeue_lost(Session, queue, min_age_seconds=10, recheck_seconds=0) == []
    with Session() as s:
        assert s.get(Document, doc.id).queued_at is not None
