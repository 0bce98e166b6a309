"""The watched upload folder (a scanner's drop point).

A file is picked up once its size and modification time have held still for `settle_seconds`. Native
file events (watchdog) wake the loop early; a full re-scan every `poll_seconds` covers network shares
where events never arrive, and whatever was missed while the watcher was down. Subfolders are watched;
the relative folder becomes the document's collection.

The file stays in the inbox until its document is final in the database. Then it moves to `archive/`
(done, or a duplicate) or to `failed/` with a `.reason.txt` beside it; nothing is ever overwritten.
"""
from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from worker.storage import write_new

log = logging.getLogger(__name__)

IGNORE = (".*", "~*", "*~", "._*", "Thumbs.db", "desktop.ini", "*.part", "*.partial", "*.crdownload",
          "*.download", "*.tmp", "*.temp", "*.swp", "*.reason.txt")
DONE_DIRS = ("archive", "failed")


class Record(Protocol):
    def accept(self, path: Path, rel: str, collection: str | None) -> int: ...
    def outcomes(self, doc_ids: list[int]) -> dict[int, tuple[str, str | None]]: ...
    def moved(self, doc_id: int) -> None: ...


@dataclass
class Seen:
    size: int
    mtime: float
    since: float          # monotonic time at which (size, mtime) last changed


@dataclass
class FolderWatcher:
    inbox: Path
    record: Record
    settle_seconds: float = 2.0
    poll_seconds: float = 5.0
    ignore: tuple[str, ...] = IGNORE
    use_events: bool = True
    seen: dict[Path, Seen] = field(default_factory=dict)
    waiting: dict[Path, int] = field(default_factory=dict)   # accepted file -> its document id
    refused: set[Path] = field(default_factory=set)          # not regular files: said once, then left alone
    _wake: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self.inbox = Path(self.inbox).resolve()
        for d in DONE_DIRS:
            (self.inbox / d).mkdir(parents=True, exist_ok=True)

    def ignored(self, path: Path) -> bool:
        rel = path.relative_to(self.inbox)
        if rel.parts[0] in DONE_DIRS:
            return True
        return any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in self.ignore)

    def candidates(self) -> list[Path]:
        out = []
        for root, dirs, files in os.walk(self.inbox):
            rootp = Path(root)
            dirs[:] = [d for d in dirs if not self.ignored(rootp / d)]
            out += [rootp / f for f in files if not self.ignored(rootp / f)]
        return out

    def scan(self, now: float | None = None) -> list[Path]:
        """One pass: note sizes, accept every settled file not yet accepted. Returns those accepted."""
        now = time.monotonic() if now is None else now
        accepted, present = [], set()
        for path in self.candidates():
            if path in self.waiting:
                continue
            try:
                st = path.lstat()               # a link is judged as a link, never by what it points at
            except FileNotFoundError:
                continue
            present.add(path)
            if not stat.S_ISREG(st.st_mode):
                if path not in self.refused:
                    self.refused.add(path)
                    log.warning("left alone: %s is %s, not a regular file", path.relative_to(self.inbox),
                                _kind_of(st.st_mode))
                continue
            prev = self.seen.get(path)
            if prev is None or (prev.size, prev.mtime) != (st.st_size, st.st_mtime):
                self.seen[path] = Seen(st.st_size, st.st_mtime, now)
                continue
            if now - prev.since < self.settle_seconds:
                continue
            rel = path.relative_to(self.inbox)
            collection = None if len(rel.parts) == 1 else rel.parent.as_posix()
            try:
                self.waiting[path] = self.record.accept(path, rel.as_posix(), collection)
            except Exception as e:  # noqa: BLE001 - e.g. the database is down: the file waits for the next pass
                log.warning("could not accept %s yet: %s", rel, e)
                continue
            self.seen.pop(path, None)
            accepted.append(path)
        for gone in set(self.seen) - present:
            self.seen.pop(gone, None)
        self.refused &= present
        return accepted

    def settle_outcomes(self) -> list[Path]:
        """Move the files whose documents are final out of the inbox. Returns where they went."""
        if not self.waiting:
            return []
        try:
            final = self.record.outcomes(list(self.waiting.values()))
        except Exception as e:  # noqa: BLE001
            log.warning("could not read outcomes: %s", e)
            return []
        moved = []
        for path, doc_id in list(self.waiting.items()):
            if doc_id not in final:
                continue
            status, error = final[doc_id]
            rel_dir = path.parent.relative_to(self.inbox)
            if path.exists():
                target = "failed" if status == "failed" else "archive"
                folder = self.inbox / target / rel_dir
                if not self._inside(folder):
                    log.error("not moving %s: %s leads out of the inbox", path.name, folder)
                    continue
                dest = move_aside(path, folder)
                if status == "failed":
                    write_reason(dest, f"document {doc_id} failed: {error}\n")
                moved.append(dest)
            self.record.moved(doc_id)
            del self.waiting[path]
        return moved

    def _inside(self, folder: Path) -> bool:
        """Whether a folder under the inbox is reached without a symbolic link (then it is made)."""
        if any(p.is_symlink() for p in [folder, *folder.parents] if p.is_relative_to(self.inbox)):
            return False
        folder.mkdir(parents=True, exist_ok=True)
        return folder.resolve().is_relative_to(self.inbox)

    def step(self) -> None:
        self.scan()
        self.settle_outcomes()

    def run(self, stop: threading.Event) -> None:
        """Watch until `stop` is set."""
        observer = self._start_events() if self.use_events else None
        try:
            while not stop.is_set():
                self.step()
                wait = self.settle_seconds / 2 if self.seen else self.poll_seconds
                self._wake.wait(timeout=max(0.1, min(wait, self.poll_seconds)))
                self._wake.clear()
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)

    def _start_events(self):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        wake = self._wake

        class Wake(FileSystemEventHandler):
            def on_any_event(self, event):
                wake.set()

        observer = Observer()
        try:
            observer.schedule(Wake(), str(self.inbox), recursive=True)
            observer.start()
        except OSError as e:  # e.g. inotify limits: polling still covers everything
            log.warning("file events unavailable (%s); polling every %.0f s", e, self.poll_seconds)
            return None
        return observer


def _kind_of(mode: int) -> str:
    return ("a symbolic link" if stat.S_ISLNK(mode) else "a FIFO" if stat.S_ISFIFO(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISBLK(mode) or stat.S_ISCHR(mode) else
            "a special file")


def write_reason(dest: Path, text: str) -> Path:
    """The failure reason beside a failed file, in a new file (never through a link, never overwriting)."""
    n = 0
    while True:
        reason = dest.with_name(dest.name + (".reason.txt" if n == 0 else f".reason ({n}).txt"))
        try:
            write_new(reason, text)
            return reason
        except FileExistsError:
            n += 1


def move_aside(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` under its own name, adding a counter instead of overwriting."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = path.stem, path.suffix
    n = 0
    while True:
        dest = folder / (path.name if n == 0 else f"{stem} ({n}){suffix}")
        try:
            fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # claim the name atomically
        except FileExistsError:
            n += 1
            continue
        os.close(fd)
        shutil.move(str(path), str(dest))
        return dest
