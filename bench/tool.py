"""Run one tool over the corpus as a subprocess: wall time, CPU time and peak memory of its process tree.

CPU time (user + system of the process and every reaped descendant) is kept beside wall time because
the machine may be shared: the 1-minute load average before and after each run is kept too.

Memory is read from /proc every POLL seconds (Linux only, no psutil needed):
  peak_rss_worker_mib  the largest process of the tree plus the Tesseract processes it started, at one moment
  peak_rss_tree_mib    the whole tree at one moment
  max_rss_proc_mib     exact peak of the largest single process (wait4's ru_maxrss, covers every reaped descendant)
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

POLL = 0.1
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


def _processes() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, RSS bytes) of every process on the machine."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(d)] = (int(fields[1]), name, int(fields[21]) * PAGE)
    return out


def _sample(root: int) -> tuple[int, int]:
    """(largest worker, whole tree) RSS in bytes; a Tesseract process counts towards the process that started it."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    workers: dict[int, int] = {}
    stack = [(root, root)]
    while stack:
        pid, owner = stack.pop()
        if pid not in procs:
            continue
        _, name, rss = procs[pid]
        if not name.startswith("tesseract"):
            owner = pid
        workers[owner] = workers.get(owner, 0) + rss
        stack.extend((c, owner) for c in children.get(pid, []))
    return max(workers.values(), default=0), sum(workers.values())


def run(cmd: list[str], log: Path, env: dict | None = None) -> dict:
    """Run cmd to the end with stdout and stderr to log; return its exit code, seconds and memory peaks."""
    peak = {"worker": 0, "tree": 0}
    load = os.getloadavg()[0]
    done = threading.Event()
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)

        def watch():
            while not done.is_set():
                w, t = _sample(proc.pid)
                peak["worker"], peak["tree"] = max(peak["worker"], w), max(peak["tree"], t)
                done.wait(POLL)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)  # ru_maxrss: KiB, max over the process and its reaped descendants
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        watcher.join()
    return {
        "cmd": cmd,
        "returncode": proc.returncode,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "peak_rss_worker_mib": round(peak["worker"] / MIB, 1),
        "peak_rss_tree_mib": round(peak["tree"] / MIB, 1),
        "max_rss_proc_mib": round(usage.ru_maxrss / 1024, 1),
    }
