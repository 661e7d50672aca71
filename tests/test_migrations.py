"""The migrations build exactly the schema in assistant/models/ (every table module)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
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


def test_a_database_at_head_is_left_alone_and_one_behind_is_upgraded(settings, engine, monkeypatch):
    from alembic import command
    from alembic.script import ScriptDirectory

    from assistant.db import MIGRATIONS_DIR, alembic_config, head_revision, migrate

    def versions() -> list[str]:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())

    assert versions() == [head_revision()]
    previous = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(head_revision()).down_revision
    command.downgrade(alembic_config(settings.database_url), previous)
    assert versions() == [previous]
    upgrades = []
    real_upgrade = command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda *a, **k: (upgrades.append(a[1]), real_upgrade(*a, **k)))
    migrate(settings.database_url)  # one behind: Alembic runs
    assert versions() == [head_revision()] and upgrades == ["head"]
    migrate(settings.database_url)  # at head: nothing to do, Alembic is not started
    assert upgrades == ["head"]
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
