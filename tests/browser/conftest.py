"""Browser fixtures: one live server on a temporary database (SQLite file, or PostgreSQL: tests/databases.py),
headless Chromium, fresh pages.

The server is a real ``uvicorn`` process (as in production) on a free loopback port; the tests
set up their own starting state through the stage functions on the same database file, so each
test knows exactly which engagement, invite links and accounts exist.

Chromium comes from the system (Debian's ``chromium``); ``playwright install`` cannot download
browsers here. Without it the tests are skipped, unless ``CI`` is set, where a missing browser
is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.models import Engagement, Interview, Membership, Participant, Turn, utcnow
from assistant.records.accounts import create_user
from assistant.records.engagements import Invitee, create_engagement, create_invite
from assistant.security import token_hash
from tests.browser.helpers import DEPARTMENTS, PASSWORD
from tests.databases import drop_database, fresh_database_url
from tests.servers import start_app, stop_app

CHROMIUM = os.environ.get("DM3_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# how long a click, fill or goto waits (Playwright's own default; expect() keeps its own 5 s): a page that
# loads a model on its first request (the name scrubber for staff text, the synthesis stack) took over 10 s
# on a busy 2-core machine, and a click waits for the navigation it starts
TIMEOUT_MS = 30_000


def _chromium_or_skip() -> str:
    path = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if path and os.access(path, os.X_OK):
        return path
    message = (
        f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
        "(or `scripts/setup.sh test`), or point DM3_CHROMIUM at a Chromium binary."
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """The running app: its base URL and an engine on the same database file."""

    url: str
    engine: Engine
    log: Path

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``uvicorn --factory assistant.web.app:create_app`` on a free port, offline, with a fixed secret."""
    _chromium_or_skip()  # no point starting a server without a browser
    folder = tmp_path_factory.mktemp("browser")
    db_url = fresh_database_url(folder)
    port = _free_port()
    env = dict(
        DM3_DATABASE_URL=db_url,
        DM3_SECRET_KEY="browser-secret-0123456789",
        DM3_BASE_URL=f"http://127.0.0.1:{port}",
        # the off-topic rule loads the embedding model; it has its own test, and would make probes here less predictable
        DM3_INTERVIEW_RELATEDNESS="false",
        DM3_LLM_BASE_URL="",
        DM3_LLM_MODEL="",
        HF_HUB_OFFLINE="1",
    )
    log = folder / "server.log"
    proc = start_app(port, env, log)
    url = f"http://127.0.0.1:{port}"
    engine = make_engine(db_url)
    try:
        yield LiveServer(url, engine, log)
    finally:
        engine.dispose()
        stop_app(proc)
        drop_database(db_url)


@pytest.fixture(scope="session")
def browser(live_server: LiveServer):
    """One headless Chromium for the whole run (each test gets its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium_or_skip(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_context(browser, live_server: LiveServer) -> Iterator[Callable]:
    """Open a fresh browser context (another device: no cookies); all are closed after the test."""
    opened = []

    def make(**kwargs):
        ctx = browser.new_context(base_url=live_server.url, **kwargs)
        ctx.set_default_timeout(TIMEOUT_MS)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context with JavaScript on."""
    return new_context().new_page()


@dataclass
class World:
    """A known starting state for one test: an engagement, and helpers for invites and accounts."""

    server: LiveServer
    engagement: Engagement
    tokens: list[str] = field(default_factory=list)

    def invite(self, department: str = "Public Works", role: str = "frontline", email: str | None = None) -> str:
        """A new personal link token (returned once by the stage function, as in the product)."""
        with self.server.session() as s:
            engagement = s.get(Engagement, self.engagement.id)
            token = create_invite(s, engagement, Invitee(department, role, email)).token
            s.commit()
        self.tokens.append(token)
        return token

    def staff_turns(self, token: str) -> list[Turn]:
        """Every stored staff turn of this link's interview (edits included), oldest first."""
        with self.server.session() as s:
            participant = s.exec(select(Participant).where(Participant.token_hash == token_hash(token))).one()
            return list(
                s.exec(
                    select(Turn)
                    .join(Interview, Interview.id == Turn.interview_id)
                    .where(Interview.participant_id == participant.id, Turn.role == "staff")
                    .order_by(Turn.id)
                ).all()
            )

    def expire(self, token: str) -> None:
        """Move the link's expiry into the past."""
        with self.server.session() as s:
            participant = s.exec(select(Participant).where(Participant.token_hash == token_hash(token))).one()
            participant.expires_at = utcnow() - timedelta(days=1)
            s.add(participant)
            s.commit()

    def consultant(self, role: str = "lead") -> str:
        """A new account on this engagement's team in ``role`` (lead, consultant, equity_reviewer; None:
        on no team); returns its email (the password is ``PASSWORD``)."""
        email = f"{role or 'outsider'}-{uuid.uuid4().hex[:8]}@example.org"
        with self.server.session() as s:
            kind = "equity_reviewer" if role == "equity_reviewer" else "consultant"
            user = create_user(s, email, PASSWORD, role=kind)
            if role is not None:
                s.add(Membership(engagement_id=self.engagement.id, user_id=user.id, role=role))
            s.commit()
        return email


@pytest.fixture
def world(live_server: LiveServer) -> World:
    """A new engagement with a unique name on the live server's database."""
    with live_server.session() as s:
        engagement = create_engagement(s, f"Town of Testville {uuid.uuid4().hex[:6]}", list(DEPARTMENTS))
        s.commit()
    return World(live_server, engagement)
