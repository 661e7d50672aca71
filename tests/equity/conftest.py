"""Fixtures of the equity tests: a migrated database the ``dm3`` command uses."""

from __future__ import annotations

import pytest

from assistant.config import get_settings
from assistant.db import make_engine, migrate


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """``DM3_DATABASE_URL`` on a fresh, migrated SQLite file; yields an engine on it."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DM3_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    get_settings.cache_clear()
