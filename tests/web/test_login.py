"""Signing in to the dashboard in headless Chromium, against `tablescan serve` as its own process: the
sign-in page, an httpOnly SameSite=Strict session cookie that no script (and no localStorage) holds, a
correction recorded under the name signed in, changes refused without the session's CSRF token or from
another site, sign-out ending the session for good, and Swagger UI working with no network beyond
the server. The archive copy downloads with the session. No page breaks the Content Security Policy."""

import http.server
import json
import socket
import threading

import httpx
import pytest
from pikepdf.pdfa import validate_written
from sqlalchemy import select

from schemas.database import sessions
from schemas.models import Correction, Document
from tests.pdftext import pdf_words, px_to_pt, squeezed, text_inside
from tests.web.conftest import CHROMIUM, cli, seed_document

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture
def other_site():
    """A page on another site (localhost is another site than 127.0.0.1) that posts a change to the service
    as soon as it loads, the way a hostile page would."""
    pages: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def publish(path: str, html: str) -> str:
        pages[path] = html.encode()
        return f"http://localhost:{port}{path}"

    yield publish
    server.shutdown()


def test_sign_in_correct_refuse_forgeries_and_sign_out(make_settings, serve, browser, other_site, tmp_path):
    settings = make_settings()
    ids = seed_document(settings)
    password = tmp_path / "password"
    password.write_text("correct horse battery")
    assert cli(settings, "user", "add", "bob", "--role", "reviewer", "--password-file", str(password)).returncode == 0
    served = serve(settings)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    violations, script_errors = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: script_errors.append(str(e)))

    page.goto(served.url + f"/#/doc/{ids['document']}")
    assert "/login" in page.url  # no session: the sign-in page
    page.fill("#login-name", "bob")
    page.fill("#login-password", "wrong password!")
    page.click("#login-button")
    page.wait_for_selector(".failed", state="visible")
    page.fill("#login-name", "bob")
    page.fill("#login-password", "correct horse battery")
    page.click("#login-button")
    page.wait_for_selector("#who:has-text('bob')")
    page.goto(served.url + f"/#/doc/{ids['document']}")

    [cookie] = [c for c in context.cookies() if c["name"] == "tablescan_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "tablescan_session" not in page.evaluate("document.cookie")
    me = page.evaluate("fetch('/auth/me').then(r => r.json())")
    stored = page.evaluate("JSON.stringify(localStorage)")
    assert cookie["value"] not in stored and me["csrf_token"] not in stored

    # a correction in the dashboard is recorded under the name signed in
    page.click(f'rect[data-cell="{ids["review"]}"]')
    assert page.locator("#cell-by").input_value() == "bob"
    page.fill("#cell-text", "6")
    page.click("#cell-save")
    page.wait_for_selector("#cell-history li")
    with sessions(settings.database_url)() as s:
        assert [(c.new_text, c.corrected_by) for c in s.scalars(select(Correction))] == [("6", "bob")]

    # the archive copy's button downloads with the session cookie, the correction in its text layer
    with page.expect_download() as download:
        page.click("#archive-pdf")
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert validate_written(archive, "2b").passed
    assert squeezed(text_inside(pdf_words(archive), 1, px_to_pt([150, 100, 280, 200], 100))) == "6"
    assert httpx.get(served.url + f"/documents/{ids['document']}/archive.pdf").status_code == 401

    # the session's cookie alone does not make a change: the CSRF token must come with it
    url = f"/documents/{ids['document']}/reviewed"
    forged = page.evaluate(
        f"fetch('{url}', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, "
        "body: '{}'}).then(r => r.status)"
    )
    assert forged == 403
    with_token = page.evaluate(
        f"fetch('{url}', {{method: 'POST', headers: {{'Content-Type': 'application/json', "
        f"'X-CSRF-Token': '{me['csrf_token']}'}}, body: '{{}}'}}).then(r => r.json())"
    )
    assert with_token["reviewed_by"] == "bob"

    # a page on another site that posts to the service while bob is signed in changes nothing
    attack = other_site(
        "/attack.html",
        f"""<form method="post" action="{served.url}/documents/{ids["document"]}/reprocess">
        </form><script>document.forms[0].submit()</script>""",
    )
    other = context.new_page()
    with other.expect_response(lambda r: "/reprocess" in r.url) as answer:
        other.goto(attack)
    assert answer.value.status in (401, 403)
    with sessions(settings.database_url)() as s:
        assert s.get(Document, ids["document"]).status == "done"

    page.click("#logout-button")
    page.wait_for_url("**/login*")
    stolen = {"Cookie": f"tablescan_session={cookie['value']}"}
    assert httpx.get(served.url + "/documents", headers=stolen).status_code == 401  # ended, not just forgotten
    assert violations == [] and script_errors == []


def test_swagger_ui_works_with_nothing_but_this_server(make_settings, serve, browser, tmp_path):
    settings = make_settings()
    password = tmp_path / "password"
    password.write_text("correct horse battery")
    assert cli(settings, "user", "add", "ann", "--role", "viewer", "--password-file", str(password)).returncode == 0
    served = serve(settings)
    context = browser.new_context()
    elsewhere = []

    def only_here(route):
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(served.url + "/docs")
    page.fill("#login-name", "ann")
    page.fill("#login-password", "correct horse battery")
    page.click("#login-button")
    page.wait_for_selector(".opblock-summary-path[data-path='/documents']", timeout=30_000)
    assert page.locator(".opblock").count() > 10
    assert elsewhere == [] and violations == [], (elsewhere, violations)
    assert json.loads(page.evaluate("fetch('/openapi.json').then(r => r.text())"))["info"]["title"] == "tablescan"
