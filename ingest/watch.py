"""The watched upload folder (a scanner's drop point).

A file is taken once no process is writing it and its size and modification time have held still for
`settle_seconds`. On a local disk inotify tells who is writing: a file written to is being written until
its close-write (or until it is renamed, moved-to, which is how careful copiers put a file in place), so
a copy that pauses for longer than the settle time is not taken half-written. The same events wake the
loop early; the watcher does not subscribe to opens and reads, so its own hashing never wakes it. A full
re-scan every `poll_seconds` covers network shares, where no events arrive and the settle time alone
decides, and whatever was missed while the watcher was down. Subfolders are watched; the relative
folder becomes the document's collection.

The file stays in the inbox until its document is final in the database. Then it moves to `archive/`
(done, or a duplicate) or to `failed/` with a `.reason.txt` beside it; nothing is ever overwritten. A
file that changed after it was taken is not moved: what is there now is taken as a new document. A file
in `failed/` that changes afterwards (a copy that went on after it was taken half-written) goes back to
its place in the inbox and is taken again; the record links the new document to the failed one. A file
the record cannot take yet (the database down, say) is tried again after 1, 2, 4 ... 60 seconds.
The document's archive copy, when the workers made one (ARCHIVE_PDF), goes beside a done file as
`<name>.pdfa.pdf`.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from ingest.intake import Intake
from schemas.statuses import DocumentStatus
from worker.storage import sha256_of, write_new

log = logging.getLogger(__name__)

IGNORE = (
    ".*",
    "~*",
    "*~",
    "._*",
    "Thumbs.db",
    "desktop.ini",
    "*.part",
    "*.partial",
    "*.crdownload",
    "*.download",
    "*.tmp",
    "*.temp",
    "*.swp",
    "*.reason.txt",
)
DONE_DIRS = ("archive", "failed")
MAX_RETRY_SECONDS = 60.0
STALL_SECONDS = 3600.0  # a file open for writing this long without a change is said in the log


class Record(Protocol):
    def accept(self, path: Path, rel: str, collection: str | None) -> Intake: ...
    def outcomes(self, doc_ids: list[int]) -> dict[int, tuple[str, str | None]]: ...
    def moved(self, doc_id: int, inbox_path: str | None) -> None: ...
    def archive_copy(self, doc_id: int) -> Path | None: ...
    def failed_files(self) -> list[tuple[int, str, str, str]]: ...


@dataclass(frozen=True)
class Stamp:
    """A file as seen from outside: its size and modification time."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Stamp:
        return cls(st.st_size, st.st_mtime_ns)


@dataclass
class Seen:
    stamp: Stamp
    since: float  # monotonic time at which the stamp last changed


@dataclass
class Taken:
    """A file the record took as a document, as the file was then."""

    doc_id: int
    sha256: str
    stamp: Stamp


@dataclass
class Failed:
    """A file in failed/ whose document failed, kept an eye on: if it changes, it is taken again."""

    taken: Taken
    home: Path  # its place in the inbox


@dataclass
class Retry:
    """Backing off from something that keeps failing: the next try after 1, 2, 4 ... MAX_RETRY_SECONDS."""

    failures: int = 0
    at: float = 0.0  # monotonic time of the next try

    def due(self, now: float) -> bool:
        return now >= self.at

    def failed(self, now: float) -> bool:
        """Note a failure. Whether to say so: the 1st, 2nd, 4th, 8th ... time only."""
        self.failures += 1
        self.at = now + self.delay
        return self.failures & (self.failures - 1) == 0

    @property
    def delay(self) -> float:
        return min(MAX_RETRY_SECONDS, 2.0 ** (self.failures - 1))


class Writers(FileSystemEventHandler):
    """The files some process is writing, as inotify tells: from a write (modify) until the writer
    closes the file (close-write) or renames it (moved-from, moved-to), or it is deleted. Every event
    wakes the watcher."""

    def __init__(self, wake: threading.Event):
        self.wake = wake
        self._writing: set[str] = set()
        self._lock = threading.Lock()

    def dispatch(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            with self._lock:
                path = os.fsdecode(event.src_path)
                if event.event_type == "modified":
                    self._writing.add(path)
                elif event.event_type in ("closed", "deleted", "moved"):
                    self._writing.discard(path)
                    self._writing.discard(os.fsdecode(event.dest_path))
        self.wake.set()

    def writing(self, path: Path) -> bool:
        with self._lock:
            return str(path) in self._writing


@dataclass
class FolderWatcher:
    inbox: Path
    record: Record
    settle_seconds: float = 2.0
    poll_seconds: float = 5.0
    ignore: tuple[str, ...] = IGNORE
    use_events: bool = True
    seen: dict[Path, Seen] = field(default_factory=dict)
    waiting: dict[Path, Taken] = field(default_factory=dict)  # taken, document not final yet
    failed: dict[Path, Failed] | None = None  # None until read from the record
    refused: set[Path] = field(default_factory=set)  # not regular files: said once, then left alone
    retry: dict[Path, Retry] = field(default_factory=dict)  # the record could not take them yet
    writers: Writers | None = None  # None: no events say who is writing
    stalled: set[Path] = field(default_factory=set)  # open for writing too long: said once
    _wake: threading.Event = field(default_factory=threading.Event)
    _observer: BaseObserver | None = None
    _reading_failed: Retry = field(default_factory=Retry)

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
        """One pass: note sizes, accept every settled file not yet accepted, and send back to the inbox
        the failed files that have changed since. Returns those accepted."""
        now = time.monotonic() if now is None else now
        accepted, present = [], set()
        for path in self.candidates():
            if path in self.waiting:
                continue
            present.add(path)
            st = self._regular(path)
            if st is None:
                continue
            if not self._ready(path, Stamp.of(st), now):
                continue
            if path in self.retry and not self.retry[path].due(now):
                continue
            rel = path.relative_to(self.inbox)
            try:
                intake = self.record.accept(path, as_text(rel), None if len(rel.parts) == 1 else as_text(rel.parent))
            except Exception as e:  # noqa: BLE001 - e.g. the database is down: the file waits, backing off
                retry = self.retry.setdefault(path, Retry())
                if retry.failed(now):
                    log.warning(
                        "could not take %s yet (%d tries): %s; trying again in %.0f s",
                        as_text(rel),
                        retry.failures,
                        e,
                        retry.delay,
                    )
                continue
            self.retry.pop(path, None)
            self.seen.pop(path, None)
            self.waiting[path] = Taken(intake.doc_id, intake.sha256, Stamp.of(st))
            accepted.append(path)
        present |= self._changed_failures(now)
        for gone in set(self.seen) - present:
            self.seen.pop(gone, None)
        self.refused &= present
        self.retry = {p: r for p, r in self.retry.items() if p in present}
        self.stalled &= present
        return accepted

    def _regular(self, path: Path) -> os.stat_result | None:
        """lstat of a regular file; None when it is gone or is not one (said once)."""
        try:
            st = path.lstat()  # a link is judged as a link, never by what it points at
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(st.st_mode):
            if path not in self.refused:
                self.refused.add(path)
                log.warning(
                    "left alone: %s is %s, not a regular file", path.relative_to(self.inbox), _kind_of(st.st_mode)
                )
            return None
        return st

    def _ready(self, path: Path, stamp: Stamp, now: float) -> bool:
        """Whether nobody is writing the file and it has held still for the settle time."""
        prev = self.seen.get(path)
        if prev is None or prev.stamp != stamp:
            self.seen[path] = Seen(stamp, now)
            return False
        if self.writers is not None and self.writers.writing(path):
            if now - prev.since > STALL_SECONDS and path not in self.stalled:
                self.stalled.add(path)
                log.warning(
                    "%s has been open for writing, unchanged, for %.0f s; it is taken once its writer closes it",
                    path.relative_to(self.inbox),
                    now - prev.since,
                )
            return False
        return now - prev.since >= self.settle_seconds

    def _changed_failures(self, now: float) -> set[Path]:
        """Files in failed/ that changed after their document failed go back to their place in the inbox,
        to be taken again. Returns the failed files changing right now."""
        if self.failed is None:
            if not self._reading_failed.due(now):
                return set()
            try:
                self.failed = {
                    self.inbox / where: Failed(Taken(doc_id, sha, Stamp(-1, -1)), self.inbox / home)
                    for doc_id, where, home, sha in self.record.failed_files()
                }
            except Exception as e:  # noqa: BLE001 - the database is down: read them later
                if self._reading_failed.failed(now):
                    log.warning("could not read the failed files from the record yet: %s", e)
                return set()
        changing = set()
        for path, f in list(self.failed.items()):
            st = self._regular(path)
            if st is None:  # removed or replaced by a person: no longer ours to watch
                del self.failed[path]
                continue
            stamp = Stamp.of(st)
            if stamp == f.taken.stamp:
                continue
            changing.add(path)
            if not self._ready(path, stamp, now):
                continue
            self.seen.pop(path, None)
            try:
                if sha256_of(path) == f.taken.sha256:  # touched, not changed
                    f.taken.stamp = stamp
                    continue
                if not self._inside(f.home.parent):
                    log.error("not taking %s again: %s leads out of the inbox", path.name, f.home.parent)
                    del self.failed[path]
                    continue
                back = move_aside(path, f.home.parent, f.home.name)
            except OSError as e:  # gone, or swapped for a link, meanwhile: the next pass sees
                log.warning("could not take %s back: %s", as_text(path.relative_to(self.inbox)), e)
                continue
            del self.failed[path]
            log.warning(
                "%s changed after document %d failed; back in the inbox as %s, to be taken again",
                as_text(path.relative_to(self.inbox)),
                f.taken.doc_id,
                as_text(back.relative_to(self.inbox)),
            )
        return changing

    def settle_outcomes(self) -> list[Path]:
        """Move the files whose documents are final out of the inbox. Returns where they went."""
        if not self.waiting:
            return []
        try:
            final = self.record.outcomes([t.doc_id for t in self.waiting.values()])
        except Exception as e:  # noqa: BLE001
            log.warning("could not read outcomes: %s", e)
            return []
        moved = []
        for path, taken in list(self.waiting.items()):
            if taken.doc_id not in final:
                continue
            status, error = final[taken.doc_id]
            rel_dir = path.parent.relative_to(self.inbox)
            dest = None
            st = self._regular(path)
            if st is not None and (
                Stamp.of(st) != taken.stamp or self.writers is not None and self.writers.writing(path)
            ):
                log.warning(
                    "%s changed after it was taken as document %d; it is taken again as it is now",
                    as_text(path.relative_to(self.inbox)),
                    taken.doc_id,
                )
            elif st is not None:
                target = "failed" if status == DocumentStatus.FAILED else "archive"
                folder = self.inbox / target / rel_dir
                if not self._inside(folder):
                    log.error("not moving %s: %s leads out of the inbox", path.name, folder)
                    continue
                dest = move_aside(path, folder)
                moved.append(dest)
                if status == DocumentStatus.FAILED:
                    write_reason(dest, f"document {taken.doc_id} failed: {error}\n")
                    if self.failed is not None:
                        self.failed[dest] = Failed(taken, path)
                elif (copy := self.record.archive_copy(taken.doc_id)) is not None:
                    moved.append(copy_aside(copy, folder, f"{dest.stem}.pdfa.pdf"))
            self.record.moved(taken.doc_id, None if dest is None else as_text(dest.relative_to(self.inbox)))
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
        if self.use_events and self._observer is None:
            self.start_events()
        try:
            while not stop.is_set():
                self.step()
                wait = self.settle_seconds / 2 if self.seen else self.poll_seconds
                self._wake.wait(timeout=max(0.1, min(wait, self.poll_seconds)))
                self._wake.clear()
        finally:
            if self._observer is not None:
                self._observer.stop()
                self._observer.join(timeout=5)
                self._observer = None

    def start_events(self) -> str:
        """Start file events: on Linux inotify's, which also say who is writing; elsewhere watchdog's
        own, which only wake the loop. Opens and reads are not subscribed to. Says which it got."""
        from watchdog.events import (
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
        )

        linux = sys.platform.startswith("linux")
        writers = Writers(self._wake)
        try:
            if linux:
                from watchdog.observers.inotify import InotifyObserver

                observer: BaseObserver = InotifyObserver(generate_full_events=True)  # a moved-in file is a moved-to
            else:
                observer = Observer()
            observer.schedule(
                writers,
                str(self.inbox),
                recursive=True,
                event_filter=[
                    FileCreatedEvent,
                    FileModifiedEvent,
                    FileClosedEvent,
                    FileMovedEvent,
                    FileDeletedEvent,
                    DirCreatedEvent,
                    DirMovedEvent,
                    DirDeletedEvent,
                ],
            )
            observer.start()
        except OSError as e:  # e.g. inotify limits: polling still covers everything
            log.warning("file events unavailable (%s); polling every %.0f s", e, self.poll_seconds)
            return "no file events: the settle time alone decides"
        self._observer = observer
        if linux:
            self.writers = writers
            return "inotify events: a file being written is taken once it is closed"
        return "file events wake the watcher; the settle time decides"


def as_text(rel: Path) -> str:
    """A path relative to the inbox as text the record can hold: bytes that are no UTF-8 as \\xNN."""
    return os.fsencode(rel.as_posix()).decode("utf-8", "backslashreplace")


def _kind_of(mode: int) -> str:
    return (
        "a symbolic link"
        if stat.S_ISLNK(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISBLK(mode) or stat.S_ISCHR(mode)
        else "a special file"
    )


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


def move_aside(path: Path, folder: Path, name: str | None = None) -> Path:
    """Move `path` into `folder` under its own name (or `name`), adding a counter instead of overwriting."""
    dest = _claim(folder, name or path.name)
    shutil.move(str(path), str(dest))
    return dest


def copy_aside(path: Path, folder: Path, name: str) -> Path:
    """Copy `path` into `folder` as `name`, adding a counter instead of overwriting."""
    dest = _claim(folder, name)
    shutil.copyfile(path, dest)
    return dest


def _claim(folder: Path, name: str) -> Path:
    """A new, empty file in `folder` named `name`, or `stem (n).suffix` when that is taken: the name is
    claimed atomically (O_EXCL), never through a link."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    n = 0
    while True:
        dest = folder / (name if n == 0 else f"{stem} ({n}){suffix}")
        try:
            fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW)
        except FileExistsError:
            n += 1
            continue
        os.close(fd)
        return dest
