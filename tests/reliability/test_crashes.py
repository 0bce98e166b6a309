"""Crashes and lost infrastructure, really done: worker processes killed with SIGKILL mid-page, a Redis
flushed or restarted empty, everything killed mid-batch. Every document still ends exactly once, with
every page written once."""

import os
import signal
from collections import Counter

from redis import Redis
from sqlalchemy import func, select

from ingest.intake import accept_path
from schemas.models import Page
from worker.queue import queue_for
from worker.storage import Storage


def submit(service, path, copies=1):
    deps = dict(
        storage=Storage(service.settings.storage_root),
        Session=service.Session,
        queue=queue_for(service.settings, Redis.from_url(service.settings.redis_url)),
    )
    ids = []
    for i in range(copies):
        data = path.read_bytes() + f"\n% copy {i}\n".encode()  # distinct content: no duplicates
        copy = service.settings.storage_root.parent / f"{path.stem}-{i}.pdf"
        copy.write_bytes(data)
        ids.append(accept_path(copy, "cli", **deps).id)
    return ids


def running_page_attempt(service):
    return next((a for a in service.attempts(kind="page", outcome="running")), None)


def assert_each_page_once(service, doc_ids):
    with service.Session() as s:
        for doc_id in doc_ids:
            rows = s.execute(
                select(Page.number, func.count()).where(Page.document_id == doc_id).group_by(Page.number)
            ).all()
            assert rows and all(n == 1 for _, n in rows), rows
    ok = Counter((a.document_id, a.page_number) for a in service.attempts(kind="page", outcome="ok"))
    assert ok and set(ok.values()) == {1}, ok  # no page recognised twice


def test_work_horse_killed_mid_page(service, forged_report):
    service.settings = service.settings.model_copy(update={"tables_only": False})  # slower pages
    [doc_id] = submit(service, forged_report)
    service.workers(1)
    victim = service.wait(lambda: running_page_attempt(service), 120, "a page to be under way")
    os.kill(int(victim.worker.rsplit(":", 1)[1]), signal.SIGKILL)  # as the OOM killer would

    [doc] = service.wait_final(1, timeout=400)
    assert doc.status == "done" and doc.pages_done == doc.page_count > 1
    outcomes = [a.outcome for a in service.attempts(document_id=doc_id, kind="page", page_number=victim.page_number)]
    assert outcomes == ["abandoned", "ok"]
    assert_each_page_once(service, [doc_id])


def test_whole_worker_killed_mid_page_another_takes_over(service, forged_report):
    service.settings = service.settings.model_copy(update={"tables_only": False})
    [doc_id] = submit(service, forged_report)
    service.workers(1, prefix="doomed")
    service.wait(lambda: running_page_attempt(service), 120, "a page to be under way")
    service.kill("doomed0")  # SIGKILL to the worker and its work horse
    service.workers(1, prefix="rescuer")
    service.watcher()  # its reconciler notices the abandoned job
    [doc] = service.wait_final(1, timeout=400)
    assert doc.status == "done" and doc.pages_done == doc.page_count > 1
    assert_each_page_once(service, [doc_id])


def test_redis_flushed_mid_batch(service, forged_scan):
    ids = submit(service, forged_scan, copies=3)
    service.workers(1)
    service.watcher()
    service.wait(
        lambda: any(d.status in ("done", "done_with_errors") for d in service.documents()),
        120,
        "a first document to finish",
    )
    Redis.from_url(service.settings.redis_url).flushall()
    docs = service.wait_final(3, timeout=300)
    assert [d.status for d in docs] == ["done"] * 3
    assert_each_page_once(service, ids)


def test_redis_restarted_empty_and_everything_restarted(service, forged_scan, private_redis):
    ids = submit(service, forged_scan, copies=4)
    service.workers(2)
    service.watcher()
    service.wait(lambda: any(d.status == "done" for d in service.documents()), 120, "a first document")
    for name in list(service.procs):  # the machine loses power: every process at once
        service.kill(name)
    private_redis.restart()  # and Redis comes back empty
    service.workers(2)
    service.watcher()
    docs = service.wait_final(4, timeout=300)
    assert [d.status for d in docs] == ["done"] * 4
    assert_each_page_once(service, ids)
