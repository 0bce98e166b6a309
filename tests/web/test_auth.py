"""Who may see and change what, against `tablescan serve` as its own process: with auth configured every
route but /healthz needs it; users with roles, argon2 passwords and API tokens made with the CLI; the
correction trail names who signed in; API_TOKEN stays an admin's token; the API refuses to listen beyond
loopback with no auth; unknown Host headers, security headers, Swagger UI from local files."""

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from schemas.database import sessions, upgrade
from schemas.models import Correction, Document, User
from tests.web.conftest import cli, seed_document, worker_env

SECRET_WORDS = ("东风区", "合计", "seed.pdf")  # what the seeded record holds; no refused answer may show it


def get_routes(served, headers) -> list[str]:
    """Every GET path of the API (from its own OpenAPI description) with real ids filled in."""
    spec = httpx.get(served.url + "/openapi.json", headers=headers).json()
    return [p for p, ops in spec["paths"].items() if "get" in ops]


def fill(path: str, ids: dict) -> str:
    return (
        path.replace("{doc_id}", str(ids["document"]))
        .replace("{cell_id}", str(ids["review"]))
        .replace("{number}", "1")
        .replace("{fmt}", "csv")
    )


def test_with_auth_configured_every_route_but_healthz_needs_it(make_settings, serve):
    settings = make_settings(api_token="s3cret")
    ids = seed_document(settings)
    served = serve(settings)
    token = {"Authorization": "Bearer s3cret"}
    paths = [fill(p, ids) for p in get_routes(served, token)]
    paths += [
        "/",
        "/docs",
        "/openapi.json",
        "/ui/app.js",
        "/ui/index.html",
        "/docs-assets/swagger-ui-bundle.js",
        f"/documents/{ids['document']}/pages/1.png?overlay=1",
    ]
    assert {"/metrics", "/review", "/documents", "/exports/reports.csv", "/accuracy", "/auth/me"} <= set(paths)
    refused = {}
    for path in paths:
        if path == "/healthz":
            continue
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Cookie": "tablescan_session=forged"}):
            r = httpx.get(served.url + path, headers=headers)
            refused[path] = r.status_code
            assert r.status_code in (401, 303), (path, headers, r.status_code)
            assert r.status_code == 401 or r.headers["location"].startswith("/login"), path
            assert not any(w in r.text for w in SECRET_WORDS), path
        # the archive copy is built on request: on a busy machine that takes longer than httpx's 5 s
        assert httpx.get(served.url + path, headers=token, timeout=120).status_code == 200, path
    assert refused["/"] == 303 and refused["/docs"] == 303 and refused["/metrics"] == 401
    assert httpx.get(served.url + "/healthz").status_code == 200
    for method, path in [
        ("POST", "/documents"),
        ("PATCH", f"/cells/{ids['review']}"),
        ("POST", f"/documents/{ids['document']}/reprocess"),
        ("POST", f"/documents/{ids['document']}/reviewed"),
    ]:
        assert httpx.request(method, served.url + path, json={}).status_code == 401, path


def test_roles_tokens_and_the_correction_trail(make_settings, serve, tmp_path):
    settings = make_settings(api_token="s3cret")
    ids = seed_document(settings)
    password = tmp_path / "password"
    password.write_text("correct horse battery\n")
    for name, role in (("ann", "viewer"), ("bob", "reviewer"), ("cat", "admin")):
        run = cli(settings, "user", "add", name, "--role", role, "--password-file", str(password))
        assert run.returncode == 0, run.stderr
    tokens = {
        name: cli(settings, "user", "token", name, "--label", "a script").stdout.strip()
        for name in ("ann", "bob", "cat")
    }
    assert all(t.startswith("tsk_") for t in tokens.values())
    assert cli(settings, "user", "add", "bob", "--role", "admin", "--password-file", str(password)).returncode == 1
    listed = cli(settings, "user", "list").stdout
    assert re.search(r"^ann\tviewer\tpassword\t1 tokens$", listed, re.M), listed

    served = serve(settings)
    as_ = {name: {"Authorization": f"Bearer {t}"} for name, t in tokens.items()}
    cell, doc = f"{served.url}/cells/{ids['review']}", f"{served.url}/documents/{ids['document']}"
    assert httpx.get(cell, headers=as_["ann"]).status_code == 200
    assert httpx.patch(cell, json={"text": "6"}, headers=as_["ann"]).status_code == 403
    upload = httpx.post(
        served.url + "/documents", headers=as_["ann"], files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))]
    )
    assert upload.status_code == 403
    r = httpx.patch(cell, json={"text": "6", "by": "somebody else"}, headers=as_["bob"])
    assert r.status_code == 200 and r.json()["cell"]["corrected_by"] == "bob"
    assert httpx.post(doc + "/reviewed", json={}, headers=as_["bob"]).json()["reviewed_by"] == "bob"
    assert httpx.post(doc + "/reprocess", headers=as_["bob"]).status_code == 403  # reprocessing: admins
    assert httpx.get(doc, headers=as_["bob"]).json()["reading"] == 1
    r = httpx.patch(cell, json={"text": "7", "by": "王芳"}, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 200 and r.json()["cell"]["corrected_by"] == "王芳"  # API_TOKEN: an admin, as before
    with sessions(settings.database_url)() as s:
        assert [c.corrected_by for c in s.scalars(select(Correction).order_by(Correction.id))] == ["bob", "王芳"]
        hashes = s.scalars(select(User.password_hash)).all()
    assert httpx.post(doc + "/reprocess", headers=as_["cat"]).status_code == 202
    again = httpx.get(doc, headers=as_["ann"]).json()  # the trail outlives the reading, names kept
    assert again["reading"] == 2
    assert [(c["corrected_by"], c["new_text"], c["outcome"]) for c in again["earlier_corrections"]] == [
        ("bob", "6", "superseded"),
        ("王芳", "7", "not_reapplied"),
    ]
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    database = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        dump = "\n".join(db.iterdump())
    assert "correct horse" not in dump and not any(t in dump for t in tokens.values())

    assert cli(settings, "user", "revoke-tokens", "bob").returncode == 0
    assert httpx.get(doc, headers=as_["bob"]).status_code == 401
    assert cli(settings, "user", "remove", "ann").returncode == 0
    assert httpx.get(doc, headers=as_["ann"]).status_code == 401
    assert httpx.get(doc, headers=as_["cat"]).status_code == 200


def test_the_api_refuses_to_listen_beyond_loopback_with_no_auth(make_settings, serve, tmp_path):
    settings = make_settings()
    upgrade(settings.database_url)
    for command in (["serve"], ["up", "--workers", "0"]):
        run = subprocess.run(
            [sys.executable, "-m", "tablescan.cli", *command, "--api-host", "0.0.0.0", "--api-port", "1"],
            env=worker_env(settings),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 2 and "refusing to listen on 0.0.0.0" in run.stderr, (command, run.stderr)
    served = serve(settings, "--api-host", "0.0.0.0", "--insecure")  # said so explicitly: it listens
    assert httpx.get(served.url + "/documents").status_code == 200
    password = tmp_path / "password"
    password.write_text("correct horse battery")
    assert cli(settings, "user", "add", "admin", "--role", "admin", "--password-file", str(password)).returncode == 0
    served = serve(settings, "--api-host", "0.0.0.0")  # a user exists: auth is configured
    assert httpx.get(served.url + "/documents").status_code == 401


def test_unknown_hosts_are_refused_and_every_answer_has_security_headers(make_settings, serve):
    settings = make_settings(api_token="s3cret")
    served = serve(settings)
    rebinding = httpx.get(served.url + "/healthz", headers={"Host": "attacker.example"})
    assert rebinding.status_code == 400
    for path in ("/healthz", "/documents", "/login", "/ui/app.css"):
        r = httpx.get(served.url + path)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'self'" in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"


def test_the_openapi_ui_comes_from_this_server(make_settings, serve):
    settings = make_settings(api_token="s3cret")
    served = serve(settings)
    token = {"Authorization": "Bearer s3cret"}
    page = httpx.get(served.url + "/docs", headers=token)
    assert page.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs), refs
    for ref in refs:
        r = httpx.get(served.url + ref, headers=token)
        assert r.status_code == 200 and len(r.content) > 100, ref
    assert "<script>" not in page.text  # nothing inline for the CSP to allow


@pytest.mark.parametrize("chunks", [40])
def test_an_upload_cut_off_over_the_request_limit_keeps_nothing_and_says_so(make_settings, serve, chunks):
    settings = make_settings(api_token="s3cret", request_max_bytes=2 * 1024 * 1024)
    served = serve(settings)

    def body():  # a multipart upload of a good file, then one that never ends, no Content-Length
        yield (
            b'--x\r\nContent-Disposition: form-data; name="files"; filename="first.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4 first\r\n--x\r\n"
            b'Content-Disposition: form-data; name="files"; filename="second.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4 "
        )
        for _ in range(chunks):
            yield b"0" * (256 * 1024)

    r = httpx.post(
        served.url + "/documents",
        content=body(),
        timeout=60,
        headers={"Authorization": "Bearer s3cret", "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 413 and "nothing of it was kept" in r.json()["detail"]
    with sessions(settings.database_url)() as s:
        assert s.scalars(select(Document)).all() == []
    originals = settings.storage_root / "originals"
    assert not originals.exists() or not any(originals.iterdir())


def test_the_compose_migrate_step_makes_the_admin_from_its_secret(make_settings, serve, tmp_path):
    """docker/compose.yaml's own migrate command, run here with the secret where compose mounts it."""
    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker" / "compose.yaml").read_text())
    command = compose["services"]["migrate"]["command"]
    assert "admin_password" in compose["services"]["migrate"]["secrets"]
    secret = tmp_path / "admin_password"
    settings = make_settings()
    script = command[-1].replace("/run/secrets/admin_password", str(secret)).replace("${ADMIN_USER:-admin}", "admin")
    for password in ("first secret phrase", "second secret phrase"):  # the secret is the truth, each start
        secret.write_text(password + "\n")
        env = {**worker_env(settings), "PATH": f"{Path(sys.executable).parent}:{worker_env(settings)['PATH']}"}
        run = subprocess.run(command[:-1] + [script], env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    served = serve(settings, "--api-host", "0.0.0.0")  # a user exists: it may listen beyond loopback
    with httpx.Client(base_url=served.url) as client:
        assert client.get("/documents").status_code == 401
        client.post("/auth/login", data={"name": "admin", "password": "first secret phrase"})
        assert client.get("/auth/me").status_code == 401
        client.post("/auth/login", data={"name": "admin", "password": "second secret phrase"})
        assert client.get("/auth/me").json()["role"] == "admin"
