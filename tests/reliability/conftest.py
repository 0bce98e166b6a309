"""A real service for fault injection: worker and watcher processes, a private Redis we may kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from schemas.database import sessions, upgrade
from schemas.models import FINAL_STATUSES, Attempt, Document
from tablescan.up import free_port
from worker.settings import Settings


def tree(root: Path, skip: set[Path]) -> dict[str, tuple[int, int]]:
    """path -> (size, mtime_ns) of every file under root, outside the folders in skip."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(dirpath, d) not in skip]
        for f in files:
            st = os.lstat(Path(dirpath, f))
            out[str(Path(dirpath, f).relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


class Service:
    """The processes of one tablescan installation, started and killed by a test. They run in an
    empty working directory of their own, beside the inbox, the storage root and the database."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.procs: dict[str, subprocess.Popen] = {}
        upgrade(settings.database_url)
        self.Session = sessions(settings.database_url)
        settings.inbox.mkdir(parents=True, exist_ok=True)
        self.root = settings.storage_root.parent
        self.workdir = self.root / "workdir"
        self.workdir.mkdir(exist_ok=True)
        self.logs = self.root / "logs"
        self.logs.mkdir(exist_ok=True)
        self._outside = self.outside()

    def outside(self) -> dict[str, tuple[int, int]]:
        """The files beside the service's own: not in the inbox, the storage root, the logs, the
        database or a test's Redis."""
        own = {self.settings.inbox, self.settings.storage_root, self.logs, self.root / "redis"}
        db = Path(self.settings.database_url.removeprefix("sqlite:///"))
        return {p: v for p, v in tree(self.root, own).items() if not (self.root / p).name.startswith(db.name)}

    def written_outside(self) -> dict[str, tuple]:
        """What changed outside the inbox and the storage root since the service was made: path ->
        (before, after); None where a file was missing."""
        now = self.outside()
        return {
            p: (self._outside.get(p), now.get(p))
            for p in set(now) | set(self._outside)
            if self._outside.get(p) != now.get(p)
        }

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **self.settings.as_env()}

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "tablescan.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.workdir,
        )
        return self.procs[name]

    def workers(self, n: int, prefix: str = "worker") -> None:
        for i in range(n):
            self.start(f"{prefix}{i}", "worker")

    def watcher(self, *args: str) -> None:
        """The folder watcher, once it is watching (its file events set up)."""
        self.start("watcher", "watch", *args)
        self.wait(
            lambda: "watching" in (self.logs / "watcher.log").read_text(errors="replace"),
            60,
            "the watcher to start watching",
        )

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        p = self.procs.pop(name)
        os.killpg(p.pid, sig)  # the worker and its work horse
        p.wait(30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            p = self.procs.pop(name)
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)

    def documents(self) -> list[Document]:
        with self.Session() as s:
            return list(s.scalars(select(Document).order_by(Document.id)))

    def attempts(self, **where) -> list[Attempt]:
        with self.Session() as s:
            q = select(Attempt).order_by(Attempt.id)
            for k, v in where.items():
                q = q.where(getattr(Attempt, k) == v)
            return list(s.scalars(q))

    def wait(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            assert not dead, f"{dead} exited while waiting for {what}"
            time.sleep(0.3)
        raise AssertionError(
            f"timed out after {timeout:.0f} s waiting for {what}; documents: "
            f"{[(d.id, d.filename, d.status, d.error) for d in self.documents()]}\n"
            f"attempts: {[(a.document_id, a.kind, a.page_number, a.outcome, a.error) for a in self.attempts()]}\n"
            + "".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.logs.glob("*.log")))
        )

    def wait_final(self, n: int, timeout: float = 600) -> list[Document]:
        def final():
            docs = self.documents()
            return docs if len(docs) >= n and all(d.status in FINAL_STATUSES for d in docs) else None

        return self.wait(final, timeout, f"{n} documents to be final")


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, which the test may flush, kill and restart."""
    port = free_port()
    workdir = tmp_path / "redis"
    workdir.mkdir()

    def start():
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
        for _ in range(100):
            try:
                if Redis(port=port).ping():
                    return proc
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    state = {"proc": start()}

    class Handle:
        url = f"redis://127.0.0.1:{port}/0"

        @staticmethod
        def restart():
            state["proc"].kill()
            state["proc"].wait()
            state["proc"] = start()

    yield Handle
    state["proc"].kill()
    state["proc"].wait()


@pytest.fixture
def service(make_settings, tmp_path, private_redis):
    svc = Service(
        make_settings(
            redis_url=private_redis.url, settle_seconds=1.0, poll_seconds=0.5, reconcile_seconds=2.0, tables_only=True
        )
    )
    yield svc
    svc.stop_all()


@pytest.fixture(scope="session")
def forged_report(tmp_path_factory) -> Path:
    """A multi-page scan with all three tables, clean profile."""
    from tests.forged import forge_table_page

    return forge_table_page(
        tmp_path_factory.mktemp("report") / "report.pdf", profile="clean", seed=5, tables=("two", "three", "four")
    )
