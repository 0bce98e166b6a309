"""`tablescan up`: the whole service on one machine, as child processes that stop together."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from schemas.database import sessions, upgrade
from tablescan.settings import Settings


def redis_answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except (RedisError, OSError):
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_private_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server on a free loopback port (nothing kept on disk)."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        if redis_answers(url):
            return proc, url
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the private redis-server did not start")


def _child(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tablescan.cli", *args], env={**os.environ, **env},
                            start_new_session=True)


def run(settings: Settings, workers: int = 2, sample: Path | None = None, until_done: bool = False) -> int:
    procs: list[subprocess.Popen] = []
    private_redis: list[subprocess.Popen] = []
    if not redis_answers(settings.redis_url):
        if not shutil.which("redis-server"):
            print(f"nothing answers at {settings.redis_url} and redis-server is not installed", file=sys.stderr)
            return 1
        proc, url = start_private_redis(Path(settings.storage_root) / "redis")
        private_redis.append(proc)
        print(f"nothing answered at {settings.redis_url}: started a private Redis at {url}", flush=True)
        settings = settings.model_copy(update={"redis_url": url})
    upgrade(settings.database_url)
    env = settings.as_env()
    print(f"database   {settings.database_url}\nredis      {settings.redis_url}\n"
          f"storage    {Path(settings.storage_root).resolve()}\ninbox      {Path(settings.inbox).resolve()}",
          flush=True)
    for i in range(workers):
        procs.append(_child(["worker"], env))
    procs.append(_child(["watch"], env))
    procs.append(_child(["serve"], env))
    print(f"workers    {workers}\napi        http://{settings.api_host}:{settings.api_port}/docs\n"
          "Ctrl-C stops everything.", flush=True)
    try:
        if sample is not None:
            newest = _newest_document_id(settings)
            drop(sample, Path(settings.inbox))
            print(f"dropped {sample.name} into {settings.inbox}", flush=True)
            rc = follow(settings, newest)
            if until_done:
                return rc
        elif until_done:
            return follow(settings, _newest_document_id(settings))
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        print("a service process stopped; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(procs)
        stop(private_redis)  # last, once nothing uses it


def _newest_document_id(settings: Settings) -> int:
    from sqlalchemy import func, select

    from schemas.models import Document

    with sessions(settings.database_url)() as s:
        return s.scalar(select(func.max(Document.id))) or 0


def drop(sample: Path, inbox: Path) -> None:
    """Copy a file into the inbox the way a scanner should: under a temporary name, then renamed."""
    from ingest.watch import move_aside

    inbox.mkdir(parents=True, exist_ok=True)
    staging = inbox / f".{sample.name}.staging"   # hidden, so the watcher ignores it
    staging.mkdir(exist_ok=True)
    shutil.copyfile(sample, staging / sample.name)
    move_aside(staging / sample.name, inbox)     # never over a file of the same name
    staging.rmdir()


def follow(settings: Settings, after_id: int, timeout_seconds: float = 900) -> int:
    """Print the progress of the documents recorded after `after_id` until all are final, then their
    tables. Returns 0 when all are done."""
    from sqlalchemy import select

    from schemas.models import FINAL_STATUSES, Document
    from tablescan import records

    Session = sessions(settings.database_url)
    deadline = time.monotonic() + timeout_seconds
    last = None
    while time.monotonic() < deadline:
        with Session() as s:
            docs = list(s.scalars(select(Document).where(Document.id > after_id).order_by(Document.id)))
            line = ", ".join(f"#{d.id} {d.filename} {d.status} {d.pages_done}/{d.page_count or '?'} pages"
                             for d in docs)
            if line != last:
                print(f"status     {line or 'waiting for the watcher to pick it up'}", flush=True)
                last = line
            if docs and all(d.status in FINAL_STATUSES for d in docs):
                for d in docs:
                    export = records.document_export(s, d)
                    note = f" (a copy of document {d.duplicate_of_id})" if d.duplicate_of_id else ""
                    print(f"document {d.id}: {d.status}{note}, {export.page_count} pages, "
                          f"{len(export.validation_errors)} validation errors, {len(export.warnings)} warnings")
                    for t in export.tables:
                        pages = "+".join(str(p["page"]) for p in t.parts)
                        print(f"  page {pages}: table {t.template or ''} {t.n_rows}x{t.n_cols}, "
                              f"{len(t.cells)} cells, {sum(c.needs_review for c in t.cells)} to review")
                print(f"see it: tablescan export {docs[-1].id} --format html -o sample.html, or "
                      f"http://{settings.api_host}:{settings.api_port}/#/doc/{docs[-1].id}", flush=True)
                return 0 if all(d.status == "done" for d in docs) else 1
        time.sleep(1)
    print("timed out waiting for the documents to finish", file=sys.stderr)
    return 1


def stop(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
