"""`tablescan up` left unattended: a child that dies is started again, and SIGTERM (how systemd and
docker stop a service) stops every child and the private Redis, and exits 0. A real `tablescan up`,
real processes, real signals."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.waiting import wait_for


def children(pid: int) -> dict[int, str]:
    """pid -> command line of the direct children of pid, from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError, IndexError):
            continue
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


def test_a_dead_worker_is_started_again_and_sigterm_stops_everything(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'up.db'}",
        "STORAGE_ROOT": str(tmp_path / "st"),
        "INBOX": str(tmp_path / "inbox"),
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing there: private Redis
        "API_PORT": "0",
        "QUEUE_NAME": "up-test",
    }
    log = open(tmp_path / "up.log", "wb")
    up = subprocess.Popen(
        [sys.executable, "-m", "tablescan.cli", "up", "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:

        def workers():
            kids = children(up.pid)
            found = [p for p, cmd in kids.items() if cmd.endswith("tablescan.cli worker")]
            return found if len(found) == 2 and any("redis-server" in c for c in kids.values()) else None

        first = wait_for(workers, 60, "two workers and the private Redis")
        everything = set(children(up.pid))
        os.killpg(first[0], signal.SIGKILL)  # a worker dies hard
        again = wait_for(lambda: (w := workers()) and first[0] not in w and w, 30, "the worker to start again")
        assert up.poll() is None and first[1] in again
        assert "started again" in (tmp_path / "up.log").read_text()

        everything |= set(children(up.pid))
        up.send_signal(signal.SIGTERM)
        assert up.wait(60) == 0
        wait_for(lambda: not any(alive(p) for p in everything), 30, "every child to be gone")
    finally:
        if up.poll() is None:
            up.kill()
        log.close()
