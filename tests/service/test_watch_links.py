"""The watched folder takes regular files only: a symbolic link to a file outside the inbox is never
read or served, a FIFO never blocks the watcher, and a link planted where a failure reason goes is
never written through. Real files, a real FIFO, the real record (SQLite) and Redis."""

import os
import shutil

from sqlalchemy import select

from ingest.intake import InboxRecord
from ingest.watch import FolderWatcher
from schemas.database import sessions, upgrade
from schemas.models import Document
from worker.queue import queue_for
from worker.storage import Storage


def watcher_for(settings, redis) -> tuple[FolderWatcher, object]:
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    record = InboxRecord(storage=Storage(settings.storage_root), Session=Session, queue=queue_for(settings, redis))
    return FolderWatcher(settings.inbox, record, settle_seconds=0, use_events=False), Session


def test_links_fifos_and_sockets_are_left_alone(make_settings, redis, tmp_path, forged_scan):
    settings = make_settings()
    watcher, Session = watcher_for(settings, redis)
    inbox = settings.inbox
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0\n")
    (inbox / "passwd.pdf").symlink_to(secret)
    (inbox / "linked-dir").symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(inbox / "pipe.pdf")
    shutil.copy(forged_scan, inbox / "real.pdf")
    for _ in range(3):  # settle, then accept: the FIFO must not block either pass
        watcher.scan(now=0.0)
    with Session() as s:
        names = sorted(d.filename for d in s.scalars(select(Document)))
    assert names == ["real.pdf"]
    assert secret.read_text() == "root:x:0:0\n"
    assert watcher.refused == {inbox / "passwd.pdf", inbox / "pipe.pdf"}


def test_a_link_planted_where_a_reason_goes_is_not_written_through(make_settings, redis, tmp_path):
    settings = make_settings()
    watcher, Session = watcher_for(settings, redis)
    inbox = settings.inbox
    (inbox / "bad.pdf").write_bytes(b"not a pdf")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (inbox / "failed").mkdir(exist_ok=True)
    (inbox / "failed" / "bad.pdf.reason.txt").symlink_to(victim)
    watcher.scan(now=0.0)
    watcher.scan(now=1.0)
    doc_id = watcher.waiting[inbox / "bad.pdf"].doc_id
    with Session.begin() as s:  # the document fails, as a worker would record it
        doc = s.get(Document, doc_id)
        doc.status, doc.error = "failed", "not a PDF or image"
    moved = watcher.settle_outcomes()
    assert victim.read_text() == "keep me\n"
    assert [p.name for p in moved] == ["bad.pdf"]
    reasons = sorted(p.name for p in (inbox / "failed").iterdir() if "reason" in p.name)
    assert reasons == ["bad.pdf.reason (1).txt", "bad.pdf.reason.txt"]
    assert "not a PDF" in (inbox / "failed" / "bad.pdf.reason (1).txt").read_text()


def test_a_failed_folder_that_leads_out_of_the_inbox_is_not_used(make_settings, redis, tmp_path):
    settings = make_settings()
    watcher, Session = watcher_for(settings, redis)
    inbox = settings.inbox
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (inbox / "box").mkdir()
    (inbox / "box" / "bad.pdf").write_bytes(b"not a pdf")
    (inbox / "failed").rmdir()
    (inbox / "failed").symlink_to(elsewhere, target_is_directory=True)
    watcher.scan(now=0.0)
    watcher.scan(now=1.0)
    with Session.begin() as s:
        s.get(Document, watcher.waiting[inbox / "box" / "bad.pdf"].doc_id).status = "failed"
    assert watcher.settle_outcomes() == []
    assert list(elsewhere.iterdir()) == [] and (inbox / "box" / "bad.pdf").exists()
