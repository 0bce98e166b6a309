"""The Alembic migration creates exactly the schema the models declare, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from schemas.database import engine_for, upgrade
from schemas.models import Base


def test_migration_matches_models(database_url):
    upgrade(database_url)
    eng = engine_for(database_url)
    with eng.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"documents", "pages", "tables", "cells", "validation_errors", "figures", "attempts"} <= tables


def test_upgrade_twice_is_harmless(database_url):
    upgrade(database_url)
    upgrade(database_url)
