"""Shared fixtures: settings on a temporary SQLite file, a migrated engine, sessions, and the app."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# pytest-xdist workers (scripts/test.sh runs two on two cores) each take one thread for their math (torch's
# encoding, OpenMP, BLAS), and so do the servers they start: with the libraries' default of one thread per
# core, two workers ran four threads on two cores, and the embedding-heavy tests (synthesis, relatedness,
# rating, demo vectors: 423 tests) took 99 s on two workers against 60 s with one thread each. Set here,
# before anything loads those libraries, whatever the shell says (the workers share the cores, however many
# there are); a run in one process keeps the defaults.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[_threads] = "1"
# templates fail on a name their context lacks (every app the tests create, browser servers included,
# reads it from Settings; the report's own environment is set here for the tests that render it
# without an app): a mistyped key fails a test instead of rendering blank
os.environ["DM3_STRICT_TEMPLATES"] = "1"

from assistant.config import Settings, get_settings
from assistant.db import make_engine
from assistant.rubric import get_rubric
from assistant.web.shell import use_strict_templates
from tests import databases
from tests.databases import drop_database, fresh_database_url
from tests.factories import offline_settings

use_strict_templates(True)

# The fixtures that give a test a database (directly or through ``settings``): a test that uses one, or a
# browser test (it drives the live, database-backed app), is marked ``db`` at collection. The PostgreSQL
# pass of scripts/test.sh runs only ``db`` tests: the others (pure functions, rubric, prompts, layers,
# embeddings) run the same code whatever the engine, so the SQLite pass covers them.
DATABASE_FIXTURES = frozenset(
    {"settings", "engine", "session", "cli_env", "live_server", "llm_settings", "exported", "demo_session"}
)


# every test under these folders carries the folder's marker, so no module can leave it out (the browser
# crawl did, and ran again in the PostgreSQL pass, which leaves browser tests out)
FOLDER_MARKERS = {"browser": pytest.mark.browser, "llm": pytest.mark.llm}
TESTS = Path(__file__).resolve().parent


# markers of the tests that take a minute or more of one worker each: their modules run first (``LongFirst``)
LONG = ("heavy", "llm", "demo", "browser")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LongFirst(), "dm3-long-first")


class LongFirst:
    """Orders the modules for pytest-xdist's ``--dist loadscope`` (scripts/test.sh, with
    ``--no-loadscope-reorder``), which hands whole modules to the workers in this order: the modules holding
    a ``LONG`` test that this run selected first, then the rest by their number of selected tests, most first
    (xdist's own order); each module's tests stay together and in order. Ordered by test count alone, a long
    module of one test (the schema fuzzer, the browser crawl, the real-server LLM tests) went last and ran
    while the other worker sat idle. It runs last, after ``-m`` deselected what this pass leaves out."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        module = {id(item): item.nodeid.split("::")[0] for item in items}
        count = Counter(module.values())
        long = {module[id(item)] for item in items if any(item.get_closest_marker(name) for name in LONG)}
        # a stable sort: modules with the same key keep their collection order, each still in one piece
        items.sort(key=lambda it: (module[id(it)] not in long, -count[module[id(it)]]))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path)).resolve()
        if path.is_relative_to(TESTS) and (mark := FOLDER_MARKERS.get(path.relative_to(TESTS).parts[0])):
            item.add_marker(mark)
        if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.db)
        # scripts/test.sh runs a heavy db test in the PostgreSQL pass only and a demo test in the SQLite pass
        # only: a test marked both would run in neither
        if item.get_closest_marker("demo") and item.get_closest_marker("heavy") and item.get_closest_marker("db"):
            raise pytest.UsageError(f"{item.nodeid} is marked demo and heavy: scripts/test.sh would run it in no pass")


@pytest.fixture(autouse=True)
def _a_test_that_makes_a_database_is_marked_db(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test that makes a database (``fresh_database_url``, ``empty_database``) without the ``db``
    marker: the PostgreSQL pass would leave it out, so it would never run on PostgreSQL."""
    before = databases.made
    yield
    if databases.made != before and request.node.get_closest_marker("db") is None:
        pytest.fail("this test makes a database but is not marked db: mark it @pytest.mark.db", pytrace=False)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Offline settings on a fresh database (a SQLite file, or a PostgreSQL database with
    ``DM3_TEST_DATABASE_URL``: see tests/databases.py), no LLM, a fixed secret."""
    url = fresh_database_url(tmp_path)
    yield offline_settings(url)
    drop_database(url)


@pytest.fixture
def engine(settings: Settings):
    """An engine on the ``settings`` database, already migrated to head (a copy of the session's template)."""
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
    """The environment a ``dm3`` command runs in: ``DM3_DATABASE_URL`` on a fresh, migrated database
    (SQLite file or PostgreSQL, as ``settings``), no LLM configured (the offline engine, whatever the
    developer's shell says), a signing secret, the temporary folder as working directory, and the settings
    cache cleared on both sides. Yields an engine on that database, for setting up rows and checking what
    the command wrote."""
    url = fresh_database_url(tmp_path, "cli")
    monkeypatch.setenv("DM3_DATABASE_URL", url)
    for var in ("DM3_LLM_BASE_URL", "DM3_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    # set here so that whatever a command puts there (``dm3 demo`` sets its own) is undone after the test
    monkeypatch.setenv("DM3_SECRET_KEY", "cli-test-secret-0123456789")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    eng = make_engine(url)
    yield eng
    eng.dispose()
    get_settings.cache_clear()
    drop_database(url)
