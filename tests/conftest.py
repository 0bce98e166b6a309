"""Shared fixtures: real Redis (started if nothing answers), real SQLite and PostgreSQL, forged scans."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from redis import Redis

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _redis_ok(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis database of its own for this test run: the local server, or one started here."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    proc = None
    if not _redis_ok(url):
        from tablescan.up import start_private_redis

        proc, url = start_private_redis(tmp_path_factory.mktemp("redis"))
        url = url.rsplit("/", 1)[0] + "/15"
    yield url
    if proc:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def redis(redis_url):
    r = Redis.from_url(redis_url)
    yield r
    r.close()


@pytest.fixture
def make_settings(tmp_path, redis_url):
    """Settings for one test: its own storage root and its own RQ queue, so test runs sharing one Redis
    never see each other's jobs."""
    from worker.settings import Settings

    def make(**kw):
        base = dict(
            redis_url=redis_url,
            storage_root=tmp_path / "storage",
            inbox=tmp_path / "inbox",
            database_url=f"sqlite:///{tmp_path / 'test.db'}",
            queue_name=f"test-{uuid.uuid4().hex[:12]}",
            allowed_hosts="127.0.0.1,localhost,testserver",
        )  # testserver: FastAPI's TestClient
        return Settings(**{**base, **kw})

    return make


def _pg_available() -> bool:
    from sqlalchemy import create_engine, text

    try:
        with create_engine(PG_ADMIN_URL).connect() as c:
            c.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_available():
    return _pg_available()


def _fresh_pg_database() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"tablescan_test_{uuid.uuid4().hex[:10]}"
    eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from schemas.database import engine_for

    engine_for(url).dispose()
    name = make_url(url).database
    eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, pg_available):
    """An empty database: a SQLite file, or a new database on the local PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not pg_available:
        pytest.skip(f"PostgreSQL does not answer at {PG_ADMIN_URL}")
    url = _fresh_pg_database()
    yield url
    _drop_pg_database(url)


@pytest.fixture(scope="session")
def forged_scan(tmp_path_factory) -> Path:
    """A one-page scanned PDF with two of the report's ruled tables (office profile), and its truth."""
    from tests.forged import forge_table_page

    out = tmp_path_factory.mktemp("forged")
    return forge_table_page(out / "office-page.pdf", profile="office", seed=3)
