"""Load: drop a batch of scans into the inbox at once and watch a real service take them all.

    python -m tests.reliability.load --docs 200 --duplicates 10 --broken 10 --workers 2   # make bench-load

Every file must end exactly once (done, a linked duplicate, or failed with a reason), none lost, none
processed twice. Prints throughput (documents and pages per minute), the longest queue wait and the
peak memory of the worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from schemas.models import Page


def rss_of_tree(pid: int) -> int:
    """Resident memory in bytes of a process and its descendants (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) * 1024
            for t in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (t / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def make_batch(folder: Path, scans: list[Path], docs: int, duplicates: int, broken: int, seed: int = 1) -> dict:
    """Write the batch into `folder`: `docs` distinct scans, `duplicates` extra copies of some, `broken` bad
    files. Returns the expected outcome per file name."""
    rng = random.Random(seed)
    expected, contents = {}, []
    for i in range(docs):
        data = scans[i % len(scans)].read_bytes() + f"\n% load {i}\n".encode()
        contents.append(data)
        (folder / f"scan-{i:04d}.pdf").write_bytes(data)
        expected[f"scan-{i:04d}.pdf"] = "done"
    for i in range(duplicates):
        (folder / f"again-{i:04d}.pdf").write_bytes(contents[rng.randrange(docs)])
        expected[f"again-{i:04d}.pdf"] = "duplicate"
    bad = [b"", b"not a pdf", scans[0].read_bytes()[:5000]]
    for i in range(broken):
        (folder / f"bad-{i:04d}.pdf").write_bytes(bad[i % len(bad)])
        expected[f"bad-{i:04d}.pdf"] = "failed"
    return expected


def run(service, scans: list[Path], docs: int, duplicates: int, broken: int, workers: int, timeout: float) -> dict:
    """Drop the batch, run the service until every file is final, check it, return the figures."""
    staging = Path(tempfile.mkdtemp(dir=service.settings.storage_root.parent))
    expected = make_batch(staging, scans, docs, duplicates, broken)
    service.workers(workers)
    service.watcher()
    peak = {"rss": 0}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.5):
            for name, p in list(service.procs.items()):
                if name.startswith("worker"):
                    peak["rss"] = max(peak["rss"], rss_of_tree(p.pid))

    threading.Thread(target=sample, daemon=True).start()
    t0 = time.monotonic()
    for f in staging.iterdir():  # all at once, each arriving whole (renamed in)
        os.rename(f, service.settings.inbox / f.name)
    try:
        final = service.wait_final(len(expected), timeout=timeout)
        service.wait(lambda: not [p for p in service.settings.inbox.iterdir() if p.is_file()], 60, "the inbox to empty")
    finally:
        stop.set()
    elapsed = time.monotonic() - t0
    by_name = {d.filename: d for d in final}
    assert len(final) == len(expected) and set(by_name) == set(expected), "a file was lost or recorded twice"
    copies: dict[str, list] = {}
    for name, outcome in expected.items():
        d = by_name[name]
        if outcome == "failed":
            assert d.status == "failed" and d.error, (name, d.status)
        else:
            assert d.status == "done", (name, d.status, d.error)
        copies.setdefault(d.sha256, []).append(d)
    for group in (g for g in copies.values() if g[0].status == "done"):
        [first] = [d for d in group if d.duplicate_of_id is None]  # whichever came first; the rest link to it
        assert all(d.duplicate_of_id == first.id and d.pages_done == 0 for d in group if d is not first), (
            "a copy was processed"
        )
    assert sum(len(g) - 1 for g in copies.values() if g[0].status == "done") == duplicates
    with service.Session() as s:
        per_page = Counter(s.execute(select(Page.document_id, Page.number)).all())
    assert per_page and set(per_page.values()) == {1}, "a page was written twice"
    ok = Counter((a.document_id, a.page_number) for a in service.attempts(kind="page", outcome="ok"))
    assert set(ok.values()) == {1}, "a page was recognised twice"
    pages = sum(d.pages_done for d in final)
    waits = [(d.started_at - d.created_at).total_seconds() for d in final if d.started_at]
    return {
        "files": len(expected),
        "documents_done": sum(d.status == "done" for d in final),
        "duplicates": duplicates,
        "failed": sum(d.status == "failed" for d in final),
        "pages": pages,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "documents_per_minute": round(len(expected) / elapsed * 60, 1),
        "pages_per_minute": round(pages / elapsed * 60, 1),
        "longest_queue_wait_seconds": round(max(waits), 1) if waits else None,
        "peak_worker_rss_mib": round(peak["rss"] / 2**20, 1),
    }


def main(argv=None) -> int:
    import sys

    from tablescan.up import start_private_redis
    from tests.conftest import SHARED
    from tests.forged import forge_table_page
    from tests.reliability.conftest import Service
    from worker.settings import Settings

    sys.path.insert(0, str(SHARED))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=180)
    ap.add_argument("--duplicates", type=int, default=10)
    ap.add_argument("--broken", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--full-text", action="store_true", help="also OCR page text (default: tables only)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tablescan-load-"))
    scans = [
        forge_table_page(work / f"forged-{i}.pdf", profile=p, seed=i)
        for i, p in enumerate(["clean", "office", "fax", "worn"])
    ]
    redis_proc, url = start_private_redis(work / "redis")
    try:
        settings = Settings(
            database_url=f"sqlite:///{work / 'load.db'}",
            redis_url=url,
            storage_root=work / "storage",
            inbox=work / "inbox",
            settle_seconds=1.0,
            poll_seconds=1.0,
            reconcile_seconds=10,
            tables_only=not args.full_text,
            queue_name=f"load-{uuid.uuid4().hex[:8]}",
        )
        settings.storage_root.mkdir(parents=True)
        service = Service(settings)
        try:
            figures = run(service, scans, args.docs, args.duplicates, args.broken, args.workers, timeout=7200)
        finally:
            service.stop_all()
    finally:
        redis_proc.terminate()
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
