"""Engine and sessions for DATABASE_URL, and the Alembic upgrade applied on start."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """The process's one engine for url."""
    if url not in _engines:
        _engines[url] = _new_engine(url)
    return _engines[url]


def _forget_inherited_connections() -> None:
    """In a forked child (an RQ work horse), drop the parent's pooled connections without closing them:
    a socket shared by two processes would carry both sides' queries, and a dead one would outlive an
    outage in every later child."""
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def _new_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # pysqlite's own transaction handling is turned off so that every transaction can begin
        # IMMEDIATE: concurrent workers then queue for the write lock instead of failing to upgrade.
        eng = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")  # readers don't block the workers' writes
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    return create_engine(url, pool_pre_ping=True)


def sessions(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at url to the newest schema."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
