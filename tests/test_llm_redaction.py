"""Nothing personal reaches the LLM: a recording OpenAI-compatible server on loopback receives every
probe, theme-label and rating request of a real engagement, and none carries a person's name, an
email address, a phone number or a street address. With the engagement's LLM switched off it
receives nothing at all.

The server is the suite's fake OpenAI-compatible server (real HTTP, tests/llm_fakes.py); it answers each
task with a valid reply built from the request, so the stages run to the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

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
from tests.llm_fakes import FakeOpenAIServer
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
# Colleagues nobody listed (issue 29): the named-entity model and the first-name gazetteer must find them.
UNLISTED = [
    "only Dave can run the export",
    "ask maria, she keeps the vendor file",
    "Will's report is the only copy",
    "Terrence does the data stuff on the side",  # the model alone reads neither as a person
    "Zach's macro breaks every time",
]
UNLISTED_SECRETS = ["Dave", "maria", "Will's", "Terrence", "Zach"]


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


@pytest.fixture
def recorder() -> Iterator[FakeOpenAIServer]:
    """The fake server answering every task with a valid reply built from the request."""
    server = FakeOpenAIServer(answer=_answer)
    yield server
    server.close()


@pytest.fixture
def llm_on(settings: Settings, recorder: FakeOpenAIServer) -> Settings:
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
                answers[(comp, f"{comp}.q{j}")] = f"{text[:-1]}; {PERSONAL}. {UNLISTED[(i + j) % len(UNLISTED)]}."
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
    unlisted = [s for s in UNLISTED_SECRETS if re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", sent, re.IGNORECASE)]
    assert unlisted == [], f"a colleague nobody listed was sent to the LLM: {unlisted}"
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
