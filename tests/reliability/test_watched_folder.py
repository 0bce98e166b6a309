"""The scanner's drop point, for real: a watcher process, a worker process, files written the way
scanners and network copies write them. Every file ends exactly once as done or failed, and is kept."""

import hashlib
import subprocess
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import func, select

from schemas.models import Page
from tests.forged import variant
from worker.storage import Storage


def test_slow_copies_renames_junk_subfolders_and_duplicates(service, forged_scan):
    inbox = service.settings.inbox
    service.watcher()
    service.workers(1)

    # a scanner writing in chunks, slower than the settle delay between chunks is not
    data = variant(forged_scan, "slow")
    slow = inbox / "box-1" / "slow.pdf"
    slow.parent.mkdir()
    with open(slow, "wb") as f:
        for i in range(0, len(data), len(data) // 8 + 1):
            f.write(data[i : i + len(data) // 8 + 1])
            f.flush()
            time.sleep(0.4)
    # a network copy: a temporary name, then a rename
    tmp = inbox / "box-1" / ".renamed.pdf.part"
    tmp.write_bytes(variant(forged_scan, "renamed"))
    tmp.rename(inbox / "box-1" / "renamed.pdf")
    # the usual litter, never picked up
    junk = [".DS_Store", "._slow.pdf", "Thumbs.db", "desktop.ini", "big.pdf.crdownload", ".hidden.pdf", "x.tmp"]
    for name in junk:
        (inbox / name).write_bytes(b"junk")
    # the same content twice, under other names
    (inbox / "copy-a.pdf").write_bytes(variant(forged_scan, "dup"))
    time.sleep(2.5)
    (inbox / "box-2").mkdir()
    (inbox / "box-2" / "copy-b.pdf").write_bytes(variant(forged_scan, "dup"))

    docs = service.wait_final(4, timeout=300)
    by_name = {d.filename: d for d in docs}
    assert sorted(by_name) == ["copy-a.pdf", "copy-b.pdf", "renamed.pdf", "slow.pdf"]
    assert by_name["slow.pdf"].sha256 == hashlib.sha256(data).hexdigest()  # picked up whole, once
    assert (by_name["slow.pdf"].collection, by_name["copy-b.pdf"].collection) == ("box-1", "box-2")
    assert all(d.status == "done" for d in docs)
    assert by_name["copy-b.pdf"].duplicate_of_id == by_name["copy-a.pdf"].id
    with service.Session() as s:  # the duplicate was not processed again
        assert s.scalar(select(func.count()).select_from(Page).where(Page.document_id == by_name["copy-b.pdf"].id)) == 0
    assert [a.kind for a in service.attempts(document_id=by_name["copy-b.pdf"].id)] == []

    service.wait(
        lambda: all(
            not (inbox / p).exists() for p in ("box-1/slow.pdf", "box-1/renamed.pdf", "copy-a.pdf", "box-2/copy-b.pdf")
        ),
        30,
        "the originals to leave the inbox",
    )
    assert sorted(p.relative_to(inbox / "archive").as_posix() for p in (inbox / "archive").rglob("*.pdf")) == [
        "box-1/renamed.pdf",
        "box-1/slow.pdf",
        "box-2/copy-b.pdf",
        "copy-a.pdf",
    ]
    assert all((inbox / name).exists() for name in junk)  # litter left alone


def test_archive_name_clash_never_overwrites(service, forged_scan):
    inbox = service.settings.inbox
    service.watcher()
    service.workers(1)
    (inbox / "scan.pdf").write_bytes(variant(forged_scan, "first"))
    service.wait_final(1, timeout=300)
    service.wait(lambda: (inbox / "archive" / "scan.pdf").exists(), 30, "the first to be archived")
    (inbox / "scan.pdf").write_bytes(variant(forged_scan, "second"))
    service.wait_final(2, timeout=300)
    service.wait(lambda: (inbox / "archive" / "scan (1).pdf").exists(), 30, "the second to be archived")
    assert (inbox / "archive" / "scan.pdf").read_bytes() == variant(forged_scan, "first")
    assert (inbox / "archive" / "scan (1).pdf").read_bytes() == variant(forged_scan, "second")


def test_hostile_and_broken_input(service, forged_scan, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    service.settings = service.settings.model_copy(update={"max_pages": 3, "max_pixels": 12_000_000})
    inbox = service.settings.inbox
    good = forged_scan.read_bytes()
    blank = Image.fromarray(np.full((200, 150), 255, np.uint8))
    files = {
        "empty.pdf": b"",
        "letter.pdf": "这不是PDF文件 / not a PDF".encode(),
        "truncated.pdf": good[: len(good) // 2],
    }
    for name, content in files.items():
        (incoming / name).write_bytes(content)
    subprocess.run(
        ["qpdf", "--encrypt", "pw", "pw", "256", "--", str(forged_scan), str(incoming / "locked.pdf")], check=True
    )
    blank.save(incoming / "thick.pdf", save_all=True, append_images=[blank] * 3)  # 4 pages > 3
    blank.save(incoming / "poster.pdf", resolution=0.5)  # 300 x 400 inch page
    Image.new("L", (4000, 4000), 255).save(incoming / "bomb.png")  # 16 Mpx > 12
    blank.save(incoming / "box.tif", save_all=True, append_images=[blank] * 4)  # 5 pages > 3
    odd = ["年度报告 2025 (终稿).pdf", "$(touch pwned); rm -rf ~ `id` 'q' \"x\".pdf", "scan ..\\..\\escape.pdf"]
    for i, name in enumerate(odd):
        (incoming / name).write_bytes(variant(forged_scan, f"odd{i}"))
    expected = {
        "empty.pdf": "empty file",
        "letter.pdf": "not a PDF",
        "truncated.pdf": "damaged PDF",
        "locked.pdf": "encrypted",
        "thick.pdf": "4 pages is over the limit of 3",
        "poster.pdf": "over the limit of 12000000 pixels",
        "bomb.png": "over the limit of 12000000 pixels",
        "box.tif": "5 pages is over the limit of 3",
    }
    for p in incoming.iterdir():
        if p.is_file():
            p.rename(inbox / p.name)
    service.watcher()
    service.workers(1)

    docs = {d.filename: d for d in service.wait_final(len(expected) + len(odd), timeout=240)}
    for name, reason in expected.items():
        assert docs[name].status == "failed" and reason in docs[name].error, (name, docs[name].error)
        assert Storage(service.settings.storage_root).path(docs[name].stored_path).exists()
    shown = ["年度报告 2025 (终稿).pdf", "$(touch pwned); rm -rf ~ `id` 'q' \"x\".pdf", "escape.pdf"]
    for name in shown:  # a path in a name is reduced to its last part; the rest is kept as it came
        assert docs[name].status == "done", (name, docs[name].error)
    service.wait(lambda: not [p for p in inbox.iterdir() if p.is_file()], 30, "the inbox to empty")
    for name, reason in expected.items():
        assert (inbox / "failed" / name).exists()
        assert reason in (inbox / "failed" / f"{name}.reason.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in (inbox / "archive").iterdir()) == sorted(odd)
    assert not list(Path("/").glob("pwned")) and not list(Path.cwd().rglob("pwned"))
