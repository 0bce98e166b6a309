"""Files that change while the watched folder has them: a copy that pauses for longer than the settle
time is not taken half-written where file events exist; a file that failed as damaged and then changes,
or is replaced by a good copy under the same name, is taken again, and the record keeps both attempts.
A real watcher process and a real worker; every file ends once, whole, in archive/ or failed/, and
nothing outside the inbox and the storage root is written."""

import hashlib
import time

from tests.forged import variant
from worker.storage import Storage


def whole(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_copy_that_pauses_longer_than_the_settle_time_is_taken_whole(service, forged_scan):
    inbox, settle = service.settings.inbox, service.settings.settle_seconds
    service.watcher()
    service.workers(1)
    data = variant(forged_scan, "paused")
    with open(inbox / "paused.pdf", "wb") as copy:  # a network copy that stalls a quarter of the way
        copy.write(data[: len(data) // 4])
        copy.flush()
        time.sleep(5 * settle)  # many re-scans see it still, and still open
        assert service.documents() == []
        copy.write(data[len(data) // 4 :])
    [doc] = service.wait_final(1, timeout=300)
    assert (doc.filename, doc.status, doc.sha256, doc.retake_of_id) == ("paused.pdf", "done", whole(data), None)
    service.wait(lambda: (inbox / "archive" / "paused.pdf").exists(), 30, "the file to be archived")
    assert (inbox / "archive" / "paused.pdf").read_bytes() == data
    assert Storage(service.settings.storage_root).path(doc.stored_path).read_bytes() == data
    assert service.written_outside() == {}


def test_a_damaged_file_replaced_by_a_good_one_under_the_same_name(service, forged_scan):
    inbox = service.settings.inbox
    service.watcher()
    service.workers(1)
    good = variant(forged_scan, "good")
    damaged = good[: len(good) // 4]
    (inbox / "box").mkdir()
    (inbox / "box" / "report.pdf").write_bytes(damaged)
    [first] = service.wait_final(1, timeout=300)
    assert first.status == "failed" and "damaged" in first.error, first.error
    service.wait(lambda: (inbox / "failed" / "box" / "report.pdf").exists(), 30, "the damaged file in failed/")

    (inbox / "box" / "report.pdf").write_bytes(good)  # a person copies the good scan in again
    first, second = service.wait_final(2, timeout=300)
    assert (second.filename, second.collection, second.status) == ("report.pdf", "box", "done")
    assert second.retake_of_id == first.id and second.sha256 == whole(good)
    service.wait(lambda: service.documents()[1].inbox_path, 30, "the good file to be archived")
    first, second = service.documents()
    assert (first.inbox_path, second.inbox_path) == ("failed/box/report.pdf", "archive/box/report.pdf")
    assert (inbox / "failed" / "box" / "report.pdf").read_bytes() == damaged  # both kept
    assert (inbox / "archive" / "box" / "report.pdf").read_bytes() == good
    storage = Storage(service.settings.storage_root)
    assert [storage.path(d.stored_path).read_bytes() for d in (first, second)] == [damaged, good]
    assert [d.status for d in service.documents()] == ["failed", "done"]  # one final state each
    assert service.written_outside() == {}


def test_a_failed_file_that_goes_on_changing_is_taken_again(service, forged_scan):
    """Without file events (a network share, --poll) the settle time alone decides, and a copy that
    stalls is taken half-written and fails as damaged; the copy then goes on, into failed/, where the
    file was moved. It is taken again once it holds still, and ends in archive/ whole."""
    inbox = service.settings.inbox
    service.watcher("--poll")
    service.workers(1)
    data = variant(forged_scan, "stalled")
    with open(inbox / "stalled.pdf", "wb") as copy:
        copy.write(data[: len(data) // 4])
        copy.flush()
        [first] = service.wait_final(1, timeout=300)
        assert first.status == "failed" and "damaged" in first.error, first.error
        service.wait(lambda: (inbox / "failed" / "stalled.pdf").exists(), 30, "the file to be moved to failed/")
        copy.write(data[len(data) // 4 :])  # the copy goes on, into the file now in failed/
    first, second = service.wait_final(2, timeout=300)
    assert (second.filename, second.status, second.sha256, second.retake_of_id) == (
        "stalled.pdf",
        "done",
        whole(data),
        first.id,
    )
    service.wait(lambda: (inbox / "archive" / "stalled.pdf").exists(), 30, "the whole file to be archived")
    assert (inbox / "archive" / "stalled.pdf").read_bytes() == data
    assert not (inbox / "failed" / "stalled.pdf").exists()
    assert "damaged" in (inbox / "failed" / "stalled.pdf.reason.txt").read_text()  # the first attempt's reason
    storage = Storage(service.settings.storage_root)
    assert [storage.path(d.stored_path).read_bytes() for d in (first, second)] == [data[: len(data) // 4], data]
    assert len(service.documents()) == 2
    assert service.written_outside() == {}
