"""`tablescan up`: the whole service on one machine, as child processes: a child that dies is started
again (with backoff), and SIGTERM or Ctrl-C stops them all, the private Redis last."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from schemas.database import sessions, upgrade
from schemas.statuses import DocumentStatus
from web.auth import exposure_refused
from worker.settings import Settings


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
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        if redis_answers(url):
            return proc, url
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the private redis-server did not start")


def _child(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tablescan.cli", *args], env={**os.environ, **env}, start_new_session=True
    )


class Stopped(Exception):
    """SIGTERM arrived: stop everything, as Ctrl-C does."""


def _on_sigterm(signum, frame):
    raise Stopped()


@dataclass
class Child:
    name: str
    args: list[str]
    proc: subprocess.Popen
    failures: int = 0  # deaths in a row, for the backoff
    started: float = field(default_factory=time.monotonic)
    restart_at: float | None = None


class Supervisor:
    """Keeps the service's children running: one that exits is started again after a backoff of 1, 2,
    4 ... up to max_backoff_seconds (reset once it has run stable_seconds), and each death is said."""

    def __init__(self, env: dict[str, str], max_backoff_seconds: float = 60.0, stable_seconds: float = 60.0):
        self.env, self.max_backoff, self.stable = env, max_backoff_seconds, stable_seconds
        self.children: list[Child] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, name: str, args: list[str]) -> None:
        self.children.append(Child(name, args, _child(args, self.env)))

    def check(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for c in self.children:
                if self._stop.is_set():
                    return
                code = c.proc.poll()
                if code is None:
                    if now - c.started >= self.stable:
                        c.failures = 0
                    continue
                if c.restart_at is None:
                    c.failures += 1
                    delay = min(self.max_backoff, 2.0 ** (c.failures - 1))
                    c.restart_at = now + delay
                    print(
                        f"{c.name} stopped (exit code {code}); starting it again in {delay:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
                elif now >= c.restart_at:
                    c.proc, c.started, c.restart_at = _child(c.args, self.env), now, None
                    print(f"{c.name} started again (pid {c.proc.pid})", file=sys.stderr, flush=True)

    def watch(self, every_seconds: float = 0.5) -> None:
        """Check in a thread until stop_all."""

        def loop():
            while not self._stop.wait(every_seconds):
                self.check()

        self._thread = threading.Thread(target=loop, name="supervisor", daemon=True)
        self._thread.start()

    def stop_all(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            stop([c.proc for c in self.children])


def run(settings: Settings, workers: int = 2, sample: Path | None = None, until_done: bool = False) -> int:
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _run(settings, workers, sample, until_done)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(settings: Settings, workers: int, sample: Path | None, until_done: bool) -> int:
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
    refused = exposure_refused(settings)
    if refused:
        print(refused, file=sys.stderr)
        stop(private_redis)
        return 2
    env = settings.as_env()
    print(
        f"database   {settings.database_url}\nredis      {settings.redis_url}\n"
        f"storage    {Path(settings.storage_root).resolve()}\ninbox      {Path(settings.inbox).resolve()}",
        flush=True,
    )
    supervisor = Supervisor(env)
    for i in range(workers):
        supervisor.start(f"worker {i + 1}", ["worker"])
    supervisor.start("watcher", ["watch"])
    supervisor.start("api", ["serve"])
    supervisor.watch()
    print(
        f"workers    {workers}\napi        http://{settings.api_host}:{settings.api_port}/docs\n"
        "Ctrl-C (or SIGTERM) stops everything; a process that dies is started again.",
        flush=True,
    )
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
        while True:
            time.sleep(1)
    except (KeyboardInterrupt, Stopped):
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the stopping short
        supervisor.stop_all()
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
    staging = inbox / f".{sample.name}.staging"  # hidden, so the watcher ignores it
    staging.mkdir(exist_ok=True)
    shutil.copyfile(sample, staging / sample.name)
    move_aside(staging / sample.name, inbox)  # never over a file of the same name
    staging.rmdir()


def follow(settings: Settings, after_id: int, timeout_seconds: float = 900) -> int:
    """Print the progress of the documents recorded after `after_id` until all are final, then their
    tables. Returns 0 when all are done."""
    from sqlalchemy import select

    from schemas.models import FINAL_STATUSES, Document
    from web import records

    Session = sessions(settings.database_url)
    deadline = time.monotonic() + timeout_seconds
    last = None
    while time.monotonic() < deadline:
        with Session() as s:
            docs = list(s.scalars(select(Document).where(Document.id > after_id).order_by(Document.id)))
            line = ", ".join(
                f"#{d.id} {d.filename} {d.status} {d.pages_done}/{d.page_count or '?'} pages" for d in docs
            )
            if line != last:
                print(f"status     {line or 'waiting for the watcher to pick it up'}", flush=True)
                last = line
            if docs and all(d.status in FINAL_STATUSES for d in docs):
                for d in docs:
                    export = records.document_export(s, d)
                    note = f" (a copy of document {d.duplicate_of_id})" if d.duplicate_of_id else ""
                    print(
                        f"document {d.id}: {d.status}{note}, {export.page_count} pages, "
                        f"{len(export.validation_errors)} validation errors, {len(export.warnings)} warnings"
                    )
                    for t in export.tables:
                        pages = "+".join(str(p["page"]) for p in t.parts)
                        print(
                            f"  page {pages}: table {t.template or ''} {t.n_rows}x{t.n_cols}, "
                            f"{len(t.cells)} cells, {sum(c.needs_review for c in t.cells)} to review"
                        )
                print(
                    f"see it: tablescan export {docs[-1].id} --format html -o sample.html, or "
                    f"http://{settings.api_host}:{settings.api_port}/#/doc/{docs[-1].id}",
                    flush=True,
                )
                return 0 if all(d.status == DocumentStatus.DONE for d in docs) else 1
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
