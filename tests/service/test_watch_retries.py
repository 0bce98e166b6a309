"""The watcher never spins: a file the record cannot take yet is tried again after 1, 2, 4 ... 60 s,
the watcher's own reading of a file does not wake it, and a name that is not UTF-8 is taken like any
other. Real files, real inotify events, the real record (SQLite) and Redis."""

import logging
import os
import time

from sqlalchemy import select

from ingest.intake import InboxRecord
from ingest.watch import FolderWatcher
from schemas.database import sessions, upgrade
from schemas.models import Document
from worker.queue import queue_for
from worker.storage import Storage, sha256_of


def watcher_for(settings, redis, **kw) -> FolderWatcher:
    record = InboxRecord(
        storage=Storage(settings.storage_root),
        Session=sessions(settings.database_url),
        queue=queue_for(settings, redis),
    )
    return FolderWatcher(settings.inbox, record, **kw)


def test_a_file_the_record_cannot_take_is_tried_again_with_backoff(make_settings, redis, tmp_path, forged_scan, caplog):
    database = tmp_path / "not-yet" / "record.db"  # its folder is missing: every intake fails
    settings = make_settings(database_url=f"sqlite:///{database}")
    watcher = watcher_for(settings, redis, settle_seconds=0, use_events=False)
    (settings.inbox / "scan.pdf").write_bytes(forged_scan.read_bytes())
    caplog.set_level(logging.WARNING, logger="ingest.watch")
    for tenth in range(600):  # a minute of passes, ten a second
        watcher.scan(now=tenth / 10)
    tries = watcher.retry[settings.inbox / "scan.pdf"].failures
    assert tries == 6  # at 0.1, 1.1, 3.1, 7.1, 15.1 and 31.1 s
    said = [r.getMessage() for r in caplog.records if "could not take scan.pdf" in r.getMessage()]
    assert len(said) == 3 and "(4 tries)" in said[-1]  # the 1st, 2nd and 4th time only

    database.parent.mkdir()  # the record is back: taken at the next try
    upgrade(settings.database_url)
    assert watcher.scan(now=63.0) == [] and watcher.scan(now=63.5) == [settings.inbox / "scan.pdf"]
    with sessions(settings.database_url)() as s:
        assert [d.filename for d in s.scalars(select(Document))] == ["scan.pdf"]


def test_the_watchers_own_reads_do_not_wake_it(make_settings, redis, forged_scan):
    settings = make_settings()
    upgrade(settings.database_url)
    watcher = watcher_for(settings, redis, settle_seconds=0)
    scan = settings.inbox / "scan.pdf"
    scan.write_bytes(forged_scan.read_bytes())
    assert watcher.start_events().startswith("inotify")
    try:
        sha256_of(scan)  # read as the watcher reads: open, read, close
        time.sleep(1)
        assert not watcher._wake.is_set()
        with open(scan, "ab") as f:  # a writer does wake it, and is known to be writing
            f.write(b"\n% more\n")
            f.flush()
            assert watcher._wake.wait(5) and watcher.writers.writing(scan)
        assert wait_until(lambda: not watcher.writers.writing(scan))  # closed
    finally:
        watcher._observer.stop()
        watcher._observer.join(5)


def wait_until(predicate, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_name_that_is_not_utf8_is_taken_and_moved_like_any_other(make_settings, redis):
    settings = make_settings()
    upgrade(settings.database_url)
    Session = sessions(settings.database_url)
    watcher = watcher_for(settings, redis, settle_seconds=0, use_events=False)
    folder = os.fsencode(settings.inbox) + b"/box\xff"
    os.mkdir(folder)
    with open(folder + b"/scan\xff.pdf", "wb") as f:
        f.write(b"not a pdf")
    watcher.scan(now=0.0)
    [path] = watcher.scan(now=1.0)
    with Session.begin() as s:
        doc = s.scalar(select(Document))
        assert (doc.filename, doc.source_path, doc.collection) == (
            "scan\ufffd.pdf",
            "box\\xff/scan\\xff.pdf",
            "box\\xff",
        )
        doc.status, doc.error = "failed", "not a PDF or image"  # as a worker records it
    [moved] = watcher.settle_outcomes()
    assert os.fsencode(moved) == os.fsencode(settings.inbox) + b"/failed/box\xff/scan\xff.pdf"
    assert "not a PDF" in moved.with_name(moved.name + ".reason.txt").read_text()
    with Session() as s:
        assert s.scalar(select(Document.inbox_path)) == "failed/box\\xff/scan\\xff.pdf"
