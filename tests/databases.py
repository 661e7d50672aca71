"""Which database engine the tests run on: a fresh SQLite file, or a fresh PostgreSQL database.

Set ``DM3_TEST_DATABASE_URL`` to a PostgreSQL server's URL (``scripts/pg.sh start DIR`` prints one;
``scripts/test.sh`` does this for its second pass) and every fixture that makes a database
(``settings``, ``engine``, ``cli_env``, the browser tests' live server, the LLM tests' settings)
gets its own new database on that server instead of a SQLite file. On either engine a database is a
copy of a template migrated once per test session (PostgreSQL: ``CREATE DATABASE ... TEMPLATE``;
SQLite: a copy of a migrated template file), so each test starts from the same empty schema at head
in a few milliseconds instead of running every Alembic migration again, and it is dropped when the
test ends. A migration test that must start from an older revision uses ``empty_database``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from assistant.db import make_engine, migrate

SERVER_URL = os.environ.get("DM3_TEST_DATABASE_URL", "")
# one template per pytest-xdist worker (scripts/test.sh runs the suite on two): a worker never drops another's
TEMPLATE = f"dm3_test_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
# how many databases ``fresh_database_url`` and ``empty_database`` have made in this session: the root
# conftest checks with it that a test which makes one is marked ``db`` (so the PostgreSQL pass runs it)
made = 0


def on_postgres() -> bool:
    """True when this test session runs on PostgreSQL."""
    return SERVER_URL.startswith("postgresql")


@lru_cache(maxsize=1)
def _admin() -> Engine:
    """An autocommit engine on the server's own database (CREATE/DROP DATABASE cannot run in a transaction)."""
    return make_engine(SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")


def _url_for(name: str) -> str:
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


@lru_cache(maxsize=1)
def _template() -> str:
    """The migrated template database, made once per session (a leftover from an earlier run is replaced)."""
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    url = _url_for(TEMPLATE)
    migrate(url)
    return TEMPLATE


@lru_cache(maxsize=1)
def _sqlite_template() -> Path:
    """A SQLite file migrated to head once per session, in one self-contained file: its write-ahead log is
    checkpointed into it and the journal mode set back to DELETE, so copying that one file copies the whole
    database (``make_engine`` turns WAL on again for each copy). Removed when the session ends."""
    folder = Path(tempfile.mkdtemp(prefix="dm3-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.db"
    migrate(f"sqlite:///{path}")
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    leftovers = [p.name for p in folder.iterdir() if p != path]
    assert not leftovers, f"the template database is not one file: {leftovers}"
    return path


def fresh_database_url(folder: Path, stem: str = "dm3") -> str:
    """The URL of a new database migrated to head, for one test (a copy of the session's template)."""
    global made
    made += 1
    if not on_postgres():
        path = folder / (stem + ".db")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}"
    name = f"t_{uuid.uuid4().hex[:16]}"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template()}"'))
    return _url_for(name)


def drop_database(url: str) -> None:
    """Drop a database made by ``fresh_database_url`` (connections still open are closed); SQLite: nothing."""
    if not url.startswith("postgresql"):
        return
    name = make_url(url).database
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def empty_database(folder: Path, stem: str = "old") -> Iterator[str]:
    """The URL of a new database with no schema at all, on the engine the tests run on, for a migration
    test that starts from an old revision (``migrate(url, "0001")``); dropped afterwards."""
    global made
    made += 1
    if not on_postgres():
        yield f"sqlite:///{folder / (stem + '.db')}"
        return
    name = f"t_{uuid.uuid4().hex[:16]}"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _url_for(name)
    try:
        yield url
    finally:
        drop_database(url)
