"""Nothing is read before authorisation: an upload without the token is refused before its body is
sent, and a request larger than REQUEST_MAX_BYTES is refused as soon as it says so. A real server
(uvicorn) and a raw socket that sends the headers of a 300 MiB upload and then waits."""

import socket
import threading
import time

import pytest
import uvicorn

from schemas.database import upgrade
from web.app import create_app


@pytest.fixture
def server(make_settings):
    def start(**kw):
        settings = make_settings(**kw)
        upgrade(settings.database_url)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not srv.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        servers.append((srv, thread))
        return port, settings

    servers = []
    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(10)


def answer_to_headers_only(port: int, headers: str) -> str:
    """Send a request's headers (announcing a large body), send no body, and read what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(headers.encode())
        reply = b""
        try:
            while chunk := s.recv(4096):  # the answer says connection: close; read all of it
                reply += chunk
        except TimeoutError:
            if not reply:
                return "no answer: the server is waiting for the body"
        return reply.decode(errors="replace")


BIG = 300 * 1024 * 1024


def test_an_upload_without_the_token_is_refused_before_its_body(server):
    port, settings = server(api_token="s3cret")
    reply = answer_to_headers_only(
        port,
        f"POST /documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {BIG}\r\n\r\n",
    )
    assert reply.startswith("HTTP/1.1 401")
    originals = settings.storage_root / "originals"
    assert not originals.exists() or not any(originals.iterdir())


def test_a_request_over_the_limit_is_refused_as_soon_as_it_says_so(server):
    port, _ = server(api_token="s3cret", request_max_bytes=10 * 1024 * 1024)
    reply = answer_to_headers_only(
        port,
        f"POST /documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer s3cret\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {BIG}\r\n\r\n",
    )
    assert reply.startswith("HTTP/1.1 413") and "larger than" in reply


def test_reads_and_healthz_are_not_affected(server):
    port, _ = server(api_token="s3cret")
    reply = answer_to_headers_only(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert reply.startswith("HTTP/1.1 200") or reply.startswith("HTTP/1.1 503")
