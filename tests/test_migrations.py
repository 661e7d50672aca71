"""The migrations build exactly the schema in assistant/models/ (every table module)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from assistant import models  # noqa: F401


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_migrating_twice_is_harmless(settings, engine):
    from assistant.db import migrate

    migrate(settings.database_url)
    assert "turn" in inspect(engine).get_table_names()
