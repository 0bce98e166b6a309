"""The database unreachable for a while: workers retry with backoff, nothing is half-written."""

import socket
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from schemas.models import Cell, Page, Table
from tests.reliability.test_crashes import assert_each_page_once, submit


class CuttableProxy:
    """A TCP proxy to PostgreSQL that a test can cut (refusing and dropping connections) and mend."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        self.up = False
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.conns = []

    def mend(self):
        self.up = True


def test_database_outage_mid_batch(service, forged_scan, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the outage is staged on the PostgreSQL connection")
    url = make_url(database_url)
    proxy = CuttableProxy(url.port or 5432)
    service.settings = service.settings.model_copy(
        update={"database_url": url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)}
    )
    from schemas.database import sessions, upgrade

    upgrade(database_url)
    service.Session = sessions(database_url)  # the test reads directly, the workers through the proxy
    ids = submit(service, forged_scan, copies=3)
    service.workers(2)
    service.wait(lambda: any(d.status == "done" for d in service.documents()), 180, "a first document")
    proxy.cut()
    time.sleep(8)
    proxy.mend()
    docs = service.wait_final(3, timeout=400)
    assert [d.status for d in docs] == ["done"] * 3
    assert_each_page_once(service, ids)
    with service.Session() as s:  # every page whole: the same scan gives the same number of cells
        cells = [
            s.scalar(select(func.count()).select_from(Cell).join(Table).join(Page).where(Page.document_id == i))
            for i in ids
        ]
    assert len(set(cells)) == 1 and cells[0] > 0
    failures = [a for a in service.attempts() if a.outcome != "ok"]
    assert all(a.outcome == "abandoned" for a in failures)
    logs = "".join((service.logs / f"worker{i}.log").read_text() for i in range(2))
    assert "OperationalError" in logs  # the outage was felt, and outlived
