"""Shared fixtures: settings on a temporary SQLite file, a migrated engine, sessions, and the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.config import Settings, get_settings
from assistant.db import make_engine, migrate
from assistant.rubric import get_rubric


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Offline settings on a fresh SQLite file (no LLM, fixed secret)."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'dm3.db'}",
        secret_key="test-secret",
        llm_base_url=None,
        llm_model=None,
        upload_dir=tmp_path / "uploads",
        _env_file=None,
    )


@pytest.fixture
def engine(settings: Settings):
    migrate(settings.database_url)
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="session")
def rubric():
    return get_rubric()


@pytest.fixture(scope="session")
def embedder():
    """The real embedding model, loaded once per test session (synthesis and relatedness tests)."""
    from assistant.embeddings import get_embedder

    return get_embedder(Settings(_env_file=None).embedding_model)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The environment a ``dm3`` command runs in: ``DM3_DATABASE_URL`` on a fresh, migrated SQLite
    file, no LLM configured (the offline engine, whatever the developer's shell says), the temporary
    folder as working directory, and the settings cache cleared on both sides.
    Yields an engine on that file, for setting up rows and checking what the command wrote."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DM3_DATABASE_URL", url)
    for var in ("DM3_LLM_BASE_URL", "DM3_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    migrate(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()
    get_settings.cache_clear()
