"""Nothing personal reaches the LLM: a recording OpenAI-compatible server on loopback receives every
probe, theme-label and rating request of a real engagement, and none carries a person's name, an
email address, a phone number or a street address. With the engagement's LLM switched off it
receives nothing at all.

The server is real HTTP (stdlib ``http.server`` in a thread) speaking the chat-completions protocol;
it answers each task with a valid reply built from the request, so the stages run to the end.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.engines import engines_for
from assistant.models import Engagement, RatingProposal, Theme, Turn
from assistant.rating.run import propose_for_engagement
from assistant.records.engagements import Invitee, create_engagement, create_invite, set_llm_enabled, set_roster_names
from assistant.synthesis.run import synthesize
from assistant.web.app import create_app
from tests.factories import csrf_of, field
from tests.synthesis.seed import DEPTS, ROLES, TOPICS, VARIANTS, add_person

ROSTER_NAME = "Dana Whitfield"  # typed by a consultant into the engagement's staff names
INVITEE_NAME = "Priya Shah"  # given with an invite
INVITEE_EMAIL = "marcus.oyelaran@riverton.gov"  # an invitee's email: "Marcus" and "Oyelaran" follow from it
EMAIL = "records@riverton.gov"
PHONE = "(555) 123-4567"
ADDRESS = "1200 Main Street"
# What must never be sent, in any case.
SECRETS = ["Dana", "Whitfield", "Priya", "Shah", "Marcus", "Oyelaran", "riverton.gov", "123-4567", "Main Street"]
PERSONAL = f"ask {ROSTER_NAME} or {INVITEE_NAME} (cc Marcus Oyelaran, {EMAIL}, {PHONE}) at {ADDRESS} for the files"


class Recorder:
    """An OpenAI-compatible chat-completions server that records every request body."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorder.requests.append(body)
                reply = json.dumps(_completion(_answer(body))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def tasks(self) -> list[str]:
        return [r["response_format"]["json_schema"]["name"] for r in self.requests]

    def sent(self) -> str:
        """Everything the server received, as one string."""
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _answer(body: dict) -> dict:
    """A valid reply for the task the request asks for (named by its output schema)."""
    task = body["response_format"]["json_schema"]["name"]
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    if task == "ProbeOut":
        return {"probe": "Could you give one example of how that works?"}
    if task == "ThemeLabel":
        first = re.search(r"^id (\d+):", user, re.MULTILINE)
        return {
            "label": "Where the files are kept",
            "summary": "Staff describe where the files are kept.",
            "cited_ids": [int(first.group(1))],
        }
    if task == "LLMRating":
        indicators = re.findall(r"^- ([a-z_]+): ", user, re.MULTILINE)
        return {
            "indicators": [
                {"indicator_id": i, "evidence_level": None, "judgment": "no_evidence", "citations": []}
                for i in indicators
            ],
            "level": None,
            "rationale": "No indicator has evidence.",
            "confidence": 0.1,
        }
    raise AssertionError(f"unexpected task {task}")


def _completion(content: dict) -> dict:
    return {
        "id": "chatcmpl-recorder",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "recorder",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(content)}}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def llm_on(settings: Settings, recorder: Recorder) -> Settings:
    """The test settings with the recording server as the LLM (redaction on, as by default)."""
    return settings.model_copy(
        update={
            "llm_base_url": recorder.base_url,
            "llm_model": "recorder",
            "llm_timeout_s": 5.0,
            "interview_relatedness": False,
        }
    )


def _engagement(session: Session) -> Engagement:
    """An engagement that knows its people: a roster name, an invitee's name, an invitee's email."""
    engagement = create_engagement(session, "City of Riverton", list(DEPTS), ROLES + ["supervisor", "executive"])
    set_roster_names(session, engagement, [ROSTER_NAME, "Lee Chen"])
    create_invite(session, engagement, Invitee(DEPTS[0], "frontline", name=INVITEE_NAME))
    create_invite(session, engagement, Invitee(DEPTS[1], "manager", email=INVITEE_EMAIL))
    session.commit()
    return engagement


def _seed_answers(session: Session, engagement: Engagement, people: int = 12) -> None:
    """Submitted interviews in which every answer carries the personal details."""
    for i in range(people):
        answers = {}
        for comp, topics in TOPICS.items():
            for j, template in enumerate(topics):
                text = template.format(x=VARIANTS[(i + 3 * j) % len(VARIANTS)])
                answers[(comp, f"{comp}.q{j}")] = f"{text[:-1]}; {PERSONAL}."
        add_person(session, engagement, DEPTS[i % len(DEPTS)], ROLES[(i // len(DEPTS)) % len(ROLES)], answers)
    session.commit()


def _interview_with_probes(settings: Settings, session: Session, engagement: Engagement) -> TestClient:
    """A staff member answers briefly (so each answer is probed) with personal details, over HTTP."""
    token = create_invite(session, engagement, Invitee(DEPTS[2], "frontline")).token
    session.commit()
    client = TestClient(create_app(settings))
    csrf = csrf_of(client.get(f"/i/{token}").text)
    client.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf})
    # under six words each, so each is probed; the third answers the question's last probe (no more)
    for text in (
        f"Ask {ROSTER_NAME}.",
        f"{INVITEE_NAME}: {PHONE}.",
        "Nothing more to add.",
        f"Marcus Oyelaran, {EMAIL}.",
        f"Go to {ADDRESS}.",
    ):
        page = client.get(f"/i/{token}").text
        r = client.post(
            f"/i/{token}/respond",
            data={
                "text": text,
                "action": "answer",
                "csrf_token": csrf,
                "client_turn_id": field(page, "client_turn_id"),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
    return client


def test_no_name_email_phone_or_address_reaches_the_llm(llm_on, engine, session, rubric, embedder, recorder):
    engagement = _engagement(session)
    _interview_with_probes(llm_on, session, engagement)
    probes = recorder.tasks().count("ProbeOut")
    assert probes == 4, recorder.tasks()  # every short answer was probed by the LLM
    with Session(engine) as s:
        assert {t.engine for t in s.exec(select(Turn).where(Turn.kind == "probe")).all()} == {"recorder"}

    _seed_answers(session, engagement)
    engines = engines_for(llm_on, engine, rubric, engagement.id, embedder=embedder)  # as the web app and CLI do
    synthesize(engine, engagement.id, embedder, settings=llm_on, rubric=rubric, labeller=engines.labeller)
    labels = recorder.tasks().count("ThemeLabel")
    assert labels >= 2
    with Session(engine) as s:
        assert "recorder" in {t.label_engine for t in s.exec(select(Theme)).all()}

    rows = propose_for_engagement(engine, engagement.id, engines.rater)
    assert recorder.tasks().count("LLMRating") >= 2  # the components with enough evidence went to the model
    assert {r.engine for r in rows} == {"recorder"} and not [r for r in rows if r.status == "failed"]

    sent = recorder.sent()
    leaked = [s for s in SECRETS if s.lower() in sent.lower()]
    assert leaked == [], f"sent to the LLM: {leaked}"
    # the details were there to leak: each reached the prompt as its marker
    for marker in ("[name]", "[email]", "[phone]", "[address]"):
        assert marker in sent, marker
    for request in recorder.requests:  # probes, labels and ratings alike
        body = json.dumps(request)
        assert "[name]" in body or "[email]" in body or "[phone]" in body or "[address]" in body


def test_with_the_llm_switched_off_the_server_receives_nothing(llm_on, engine, session, rubric, embedder, recorder):
    engagement = _engagement(session)
    set_llm_enabled(session, engagement, False)
    session.commit()
    _interview_with_probes(llm_on, session, engagement)
    _seed_answers(session, engagement)
    engines = engines_for(llm_on, engine, rubric, engagement.id, embedder=embedder)  # as the web app and CLI do
    synthesize(engine, engagement.id, embedder, settings=llm_on, rubric=rubric, labeller=engines.labeller)
    rows = propose_for_engagement(engine, engagement.id, engines.rater)
    assert recorder.requests == []
    with Session(engine) as s:
        probes = s.exec(select(Turn).where(Turn.kind == "probe")).all()
        labels = {t.label_engine for t in s.exec(select(Theme)).all()}
        stored = s.exec(select(RatingProposal)).all()
    assert probes and {p.engine for p in probes} == {"offline"}
    assert "recorder" not in labels
    assert {r.engine for r in rows} == {"offline"} == {r.engine for r in stored}
