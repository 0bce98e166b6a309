"""The watched upload folder (a scanner's drop point).

A file is picked up once its size and modification time have held still for `settle_seconds`. Native
file events (watchdog) wake the loop early; a full re-scan every `poll_seconds` covers network shares
where events never arrive, and whatever was missed while the watcher was down. Subfolders are watched;
the relative folder becomes the document's collection. An accepted file moves to `archive/`, one that
could not be accepted to `failed/` with a `.reason.txt` beside it; neither is ever overwritten.
"""
from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

IGNORE = (".*", "~*", "*~", "._*", "Thumbs.db", "desktop.ini", "*.part", "*.partial", "*.crdownload",
          "*.download", "*.tmp", "*.temp", "*.swp")
DONE_DIRS = ("archive", "failed")


@dataclass
class Seen:
    size: int
    mtime: float
    since: float          # monotonic time at which (size, mtime) last changed


@dataclass
class FolderWatcher:
    inbox: Path
    accept: Callable[[Path, str | None], object]  # (file, collection) -> anything; raises to refuse
    settle_seconds: float = 2.0
    poll_seconds: float = 5.0
    ignore: tuple[str, ...] = IGNORE
    use_events: bool = True
    seen: dict[Path, Seen] = field(default_factory=dict)
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
        """One pass: note sizes, pick up every settled file. Returns the files handled."""
        now = time.monotonic() if now is None else now
        handled, present = [], set()
        for path in self.candidates():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            present.add(path)
            prev = self.seen.get(path)
            if prev is None or (prev.size, prev.mtime) != (st.st_size, st.st_mtime):
                self.seen[path] = Seen(st.st_size, st.st_mtime, now)
                continue
            if now - prev.since >= self.settle_seconds:
                self._handle(path)
                handled.append(path)
                self.seen.pop(path, None)
        for gone in set(self.seen) - present:
            self.seen.pop(gone, None)
        return handled

    def _handle(self, path: Path) -> None:
        rel_dir = path.parent.relative_to(self.inbox)
        collection = None if str(rel_dir) == "." else rel_dir.as_posix()
        try:
            self.accept(path, collection)
        except Exception as e:  # noqa: BLE001 - the file is set aside with the reason; the watcher goes on
            log.error("could not accept %s: %s", path, e)
            dest = move_aside(path, self.inbox / "failed" / rel_dir)
            dest.with_name(dest.name + ".reason.txt").write_text(f"{type(e).__name__}: {e}\n", encoding="utf-8")
            return
        move_aside(path, self.inbox / "archive" / rel_dir)

    def run(self, stop: threading.Event) -> None:
        """Watch until `stop` is set."""
        observer = self._start_events() if self.use_events else None
        try:
            while not stop.is_set():
                self.scan()
                wait = self.settle_seconds / 2 if self.seen else self.poll_seconds
                self._wake.wait(timeout=max(0.1, wait))
                self._wake.clear()
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)

    def _start_events(self):
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return None
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


def move_aside(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` under its own name, adding a counter instead of overwriting."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / path.name
    n = 1
    while dest.exists():
        dest = folder / f"{path.stem} ({n}){path.suffix}"
        n += 1
    shutil.move(str(path), str(dest))
    return dest
