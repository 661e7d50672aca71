"""The phone chat (360 px) of issue 15, against its own live server with the off-topic rule ON (the real
embedding model on ONNX Runtime), and a restart of that server with a new signing secret."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import select

from assistant.db import make_engine
from assistant.models import Interview, Participant, Turn
from assistant.records.engagements import Invitee, create_engagement, create_invite
from assistant.rubric import get_rubric
from assistant.security import token_hash
from tests.browser.conftest import TIMEOUT_MS, LiveServer, _free_port
from tests.browser.helpers import DEPARTMENTS, consent, detailed, last_prompt, progress_done, prompt_in_sight, send
from tests.databases import drop_database, fresh_database_url
from tests.servers import ROOT, start_app, stop_app

PHONE = {"viewport": {"width": 360, "height": 740}}
EXAMPLE = (
    "Last spring I noticed the same street was patched four times in a year and told my supervisor. Nothing came of it."
)


def _start(db_url: str, port: int, secret: str, log: Path) -> subprocess.Popen:
    env = dict(
        DM3_DATABASE_URL=db_url,
        DM3_SECRET_KEY=secret,
        DM3_BASE_URL=f"http://127.0.0.1:{port}",
        DM3_INTERVIEW_RELATEDNESS="true",
        DM3_INTERVIEW_ENCODER="onnx-int8",
        DM3_MODEL_CACHE_DIR=str(ROOT / "var" / "models"),
        DM3_LLM_BASE_URL="",
        DM3_LLM_MODEL="",
        HF_HUB_OFFLINE="1",
    )
    return start_app(port, env, log, timeout=90)


class Server(LiveServer):
    """A live server this module can restart (same port and database, another secret)."""

    proc: subprocess.Popen
    port: int
    db_url: str

    def restart(self, secret: str) -> None:
        stop_app(self.proc)
        self.proc = _start(self.db_url, self.port, secret, self.log)


@pytest.fixture(scope="module")
def server(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("phone")
    db_url = fresh_database_url(folder)
    port = _free_port()
    log = folder / "server.log"
    proc = _start(db_url, port, "first-secret-0123456789", log)
    srv = Server(f"http://127.0.0.1:{port}", make_engine(db_url), log)
    srv.proc, srv.port, srv.db_url = proc, port, db_url
    # the first answer waits for the model; load it now, off the clock of any test
    httpx.get(f"{srv.url}/healthz", timeout=5)
    try:
        yield srv
    finally:
        srv.engine.dispose()
        stop_app(srv.proc)
        drop_database(db_url)


@pytest.fixture
def phone(browser, server: Server):
    ctx = browser.new_context(base_url=server.url, **PHONE)
    ctx.set_default_timeout(TIMEOUT_MS * 3)  # the first answer may wait for the model to load
    yield ctx.new_page()
    ctx.close()


def _invite(server: Server) -> str:
    with server.session() as s:
        engagement = create_engagement(s, f"Town of Phoneville {uuid.uuid4().hex[:6]}", list(DEPARTMENTS))
        token = create_invite(s, engagement, Invitee("Public Works", "frontline")).token
        s.commit()
    return token


def _staff(server: Server, token: str) -> list[Turn]:
    with server.session() as s:
        participant = s.exec(select(Participant).where(Participant.token_hash == token_hash(token))).one()
        return list(
            s.exec(
                select(Turn)
                .join(Interview, Interview.id == Turn.interview_id)
                .where(Interview.participant_id == participant.id, Turn.role == "staff")
            ).all()
        )


def test_yes_draws_a_request_to_say_more_and_an_example_to_a_follow_up_is_accepted(server, phone):
    token = _invite(server)
    consent(phone, token)
    expect(phone.locator("#progress")).to_contain_text("Topic 1 of 6: how data moves in your work")
    first_question = last_prompt(phone)
    send(phone, text="yes")
    say_more = last_prompt(phone)
    assert say_more != first_question
    # one of the rubric's requests to say more, not a sub-question that assumes an answer
    assert say_more in get_rubric().probes.short, say_more
    send(phone, text="It depends, kind of the usual stuff.")
    example_request = last_prompt(phone)
    assert example_request != say_more  # vague: asked for an example, in other words
    send(phone, text=EXAMPLE)
    # accepted: the interviewer acknowledges and asks the next main question, not "return to ..."
    assert phone.locator("#transcript li.msg.assistant.question").count() == 2
    assert "return to" not in last_prompt(phone).lower() and "coming back" not in last_prompt(phone).lower()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_edit_returns_to_the_current_question_on_a_phone(server, phone):
    token = _invite(server)
    consent(phone, token)
    for n in range(1, 5):
        send(phone, text=detailed(n))
    current = last_prompt(phone)
    phone.locator("#transcript li.msg.staff", has_text=detailed(1)).get_by_role("link", name="Edit").click()
    phone.fill("#answer", "Edited: every week 3 reports go from Accela into Excel, then to finance by email.")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save").click()
    assert last_prompt(phone) == current
    assert prompt_in_sight(phone), "after an edit the page shows the current question"
    expect(phone.get_by_role("textbox", name="Your answer")).to_be_visible()  # the box keeps its name at 360 px
    assert progress_done(phone)[0] == 4


def test_a_send_after_a_server_restart_shows_a_message_and_keeps_the_draft(server, phone):
    token = _invite(server)
    consent(phone, token)
    send(phone, text=detailed(1))
    draft = "We also keep a paper log at the front desk, 20 entries a day, typed up on Fridays."
    server.restart("second-secret-0123456789")  # a new signing secret: the page's form token is no longer valid
    try:
        phone.fill("#answer", draft)
        with phone.expect_response(lambda r: r.url.endswith("/respond")) as reply:
            phone.get_by_role("button", name="Send", exact=True).click()
        assert reply.value.status == 403
        status = phone.locator("#send-status")
        expect(status).to_be_visible()
        expect(status).to_contain_text("not sent")
        assert phone.input_value("#answer") == draft
        # reloading (a fresh form token) brings the draft back into the box, and it can be sent
        phone.reload()
        expect(phone.locator("#answer")).to_have_value(draft)
        send(phone)
        assert draft in [t.text for t in _staff(server, token)]
    finally:
        server.restart("first-secret-0123456789")
