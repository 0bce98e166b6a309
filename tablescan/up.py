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
    env = {k.upper(): str(v) for k, v in settings.model_dump().items() if v is not None}
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
            drop(sample, Path(settings.inbox))
            print(f"dropped {sample.name} into {settings.inbox}", flush=True)
        if until_done:
            return report_when_final(settings)
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        print("a service process stopped; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(procs)
        stop(private_redis)  # last, once nothing uses it


def drop(sample: Path, inbox: Path) -> None:
    """Copy a file into the inbox the way a scanner should: under a temporary name, then renamed."""
    inbox.mkdir(parents=True, exist_ok=True)
    tmp = inbox / f".{sample.name}.part"
    shutil.copyfile(sample, tmp)
    os.replace(tmp, inbox / sample.name)


def report_when_final(settings: Settings, timeout_seconds: float = 900) -> int:
    """Wait until at least one document exists and all are final; print them with their tables."""
    from sqlalchemy import select

    from schemas.models import FINAL_STATUSES, Document
    from tablescan import records

    Session = sessions(settings.database_url)
    deadline = time.monotonic() + timeout_seconds
    last = None
    while time.monotonic() < deadline:
        with Session() as s:
            docs = list(s.scalars(select(Document).order_by(Document.id)))
            line = ", ".join(f"#{d.id} {d.status} {d.pages_done}/{d.page_count or '?'}" for d in docs)
            if line != last:
                print(f"status     {line or 'waiting for the watcher'}", flush=True)
                last = line
            if docs and all(d.status in FINAL_STATUSES for d in docs):
                for d in docs:
                    export = records.document_export(s, d)
                    for t in export.tables:
                        pages = "+".join(str(p["page"]) for p in t.parts)
                        print(f"  document {d.id} page {pages}: table {t.n_rows}x{t.n_cols}, "
                              f"{len(t.cells)} cells, {sum(c.needs_review for c in t.cells)} to review")
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
