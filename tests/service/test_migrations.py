"""The Alembic migration creates exactly the schema the models declare, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from schemas.database import alembic_config, engine_for, sessions, upgrade
from schemas.models import Base, Document


def test_migration_matches_models(database_url):
    upgrade(database_url)
    eng = engine_for(database_url)
    with eng.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"documents", "pages", "tables", "cells", "validation_errors", "figures", "attempts"} <= tables


def test_upgrade_twice_keeps_the_record_at_head(database_url):
    upgrade(database_url)
    with sessions(database_url).begin() as s:
        s.add(Document(filename="kept.pdf", stored_path="originals/kept.pdf", sha256="0" * 64, size=1,
                       source="cli", status="done"))
    upgrade(database_url)
    with engine_for(database_url).connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    with sessions(database_url)() as s:
        assert s.scalars(select(Document.filename)).all() == ["kept.pdf"]
