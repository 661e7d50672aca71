"""The engine seam: which engine a run gets for which settings, engagement and ``--engine`` choice,
and which names its redaction knows. The recording-server test (tests/test_llm_redaction.py) shows
the same seam end to end."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.engines import EngineError, engine_name, engines_for, uses_llm
from assistant.interview.probes import LLMProber, OfflineProber
from assistant.models import AuditEvent, Engagement, Participant
from assistant.rating.offline import OfflineRater
from assistant.rating.propose import LLMRater
from assistant.records.engagements import Invitee, create_engagement, create_invite, set_llm_enabled, set_roster_names
from assistant.synthesis.label import LLMLabeller
from assistant.web.app import create_app
from tests.factories import DEPARTMENTS, PASSWORD, csrf_of, join, logged_in_client, make_consultant, make_engagement


@pytest.fixture
def online(settings: Settings) -> Settings:
    """Settings with an LLM configured (nothing listens there: these tests never call it)."""
    return settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "some-model"})


@pytest.fixture
def engagement(session: Session) -> Engagement:
    return make_engagement(session)  # led by the default consultant, as soon as that account exists


def test_no_llm_configured_means_offline_everywhere(settings, engine, rubric, embedder, engagement):
    engines = engines_for(settings, engine, rubric, engagement, embedder=embedder)
    assert not engines.uses_llm and engines.name == "offline" and engines.llm is None
    assert isinstance(engines.prober, OfflineProber)
    assert engines.labeller is None  # the offline keyword labels stay
    assert isinstance(engines.rater, OfflineRater)
    assert engine_name(settings, engagement) == "offline"


def test_an_engagement_id_offline_reads_nothing(settings, rubric):
    # the interview's hot path: no LLM configured, so not even the engagement row is read
    engines = engines_for(settings, None, rubric, 123456)
    assert isinstance(engines.prober, OfflineProber)


def test_a_configured_llm_drives_probes_labels_and_ratings(online, engine, rubric, engagement):
    engines = engines_for(online, engine, rubric, engagement.id)
    assert engines.uses_llm and engines.name == "some-model"
    assert isinstance(engines.prober, LLMProber) and isinstance(engines.labeller, LLMLabeller)
    assert isinstance(engines.rater, LLMRater) and engines.rater.engine == "some-model"
    # one client for the run, the same for every stage
    assert engines.prober.llm is engines.labeller.llm is engines.rater.llm is engines.llm
    assert engine_name(online, engagement) == "some-model"


def test_the_engagements_llm_off_holds_for_every_stage(online, engine, rubric, embedder, session, engagement):
    set_llm_enabled(session, engagement, False)
    session.commit()
    engines = engines_for(online, engine, rubric, engagement.id, embedder=embedder)
    assert not engines.uses_llm and engines.name == "offline"
    assert isinstance(engines.prober, OfflineProber) and engines.labeller is None
    assert isinstance(engines.rater, OfflineRater)
    assert engine_name(online, engagement) == "offline"
    with pytest.raises(EngineError, match="switched off for this engagement"):
        engines_for(online, engine, rubric, engagement, choice="llm")
    set_llm_enabled(session, engagement, True)
    session.commit()
    assert engines_for(online, engine, rubric, engagement.id).uses_llm


def test_explicit_choices(settings, online, engine, rubric, engagement):
    assert not uses_llm(online, engagement, "offline")
    assert uses_llm(online, engagement, "llm") and uses_llm(online, None, "auto")
    with pytest.raises(EngineError, match="DM3_LLM_BASE_URL"):
        engines_for(settings, engine, rubric, engagement, choice="llm")
    with pytest.raises(EngineError, match="unknown engine"):
        engines_for(online, engine, rubric, engagement, choice="gpt")
    with pytest.raises(EngineError, match="no engagement with id 999"):
        engines_for(online, engine, rubric, 999)


def test_the_redactor_knows_every_name_of_the_engagement(online, engine, rubric, session, engagement):
    set_roster_names(session, engagement, ["Dana Whitfield"])
    create_invite(session, engagement, Invitee(DEPARTMENTS[0], "frontline", name="Priya Shah"))
    create_invite(session, engagement, Invitee(DEPARTMENTS[1], "manager", email="marcus.oyelaran@town.gov"))
    create_invite(session, engagement, Invitee(DEPARTMENTS[0], "manager", email="public.works@town.gov"))
    other = create_engagement(session, "Elsewhere", ["Finance"])
    create_invite(session, other, Invitee("Finance", "frontline", name="Olga Ivanova"))
    session.commit()
    redactor = engines_for(online, engine, rubric, engagement.id).llm.redactor
    text = "Dana, Priya Shah and Marcus Oyelaran asked Olga; Public Works agreed."
    # another engagement's people are not this one's; a department mailbox is not a person
    assert redactor.redact(text) == "[name], [name] and [name] [name] asked Olga; Public Works agreed."
    # names given for input outside an engagement (a rating file) are bound the same way
    outside = engines_for(online, engine, rubric, None, names=["Olga Ivanova"])
    assert outside.llm.redactor.redact(text).count("[name]") == 1


# --- the engagement page: the engine in use, the LLM switch, staff names, named invites ----------


def _page(client: TestClient, engagement_id: int) -> str:
    r = client.get(f"/engagements/{engagement_id}")
    assert r.status_code == 200
    return r.text


def _logged_in(settings: Settings, session: Session) -> TestClient:
    settings.interview_relatedness = False
    make_consultant(session)
    return logged_in_client(create_app(settings))


@pytest.fixture
def online_client(online: Settings, engine, session: Session) -> TestClient:
    return _logged_in(online, session)


@pytest.fixture
def consultant_client(settings: Settings, engine, session: Session) -> TestClient:
    return _logged_in(settings, session)


def test_consultant_switches_the_llm_off_and_on_and_each_switch_is_audited(online_client, engine, engagement):
    page = _page(online_client, engagement.id)
    assert '<span id="engine-in-use">some-model</span>' in page and "Switch the LLM off" in page
    r = online_client.post(
        f"/engagements/{engagement.id}/llm",
        data={"enabled": "off", "csrf_token": online_client.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = _page(online_client, engagement.id)
    assert '<span id="engine-in-use">offline</span>' in page and "Switch the LLM on" in page
    assert "Engine: offline" in online_client.get(f"/engagements/{engagement.id}/review").text
    online_client.post(f"/engagements/{engagement.id}/llm", data={"enabled": "on", "csrf_token": online_client.csrf})
    assert '<span id="engine-in-use">some-model</span>' in _page(online_client, engagement.id)
    with Session(engine) as s:
        actions = [
            e.action
            for e in s.exec(
                select(AuditEvent).where(AuditEvent.engagement_id == engagement.id).order_by(AuditEvent.id)
            ).all()
        ]
    assert actions[-2:] == ["engagement.llm_off", "engagement.llm_on"]


def test_without_an_llm_the_page_says_nothing_leaves(consultant_client, engagement):
    page = _page(consultant_client, engagement.id)
    assert '<span id="engine-in-use">offline</span>' in page and "No LLM is configured" in page
    assert "Switch the LLM" not in page


def test_staff_names_are_saved_for_redaction_and_the_audit_keeps_only_a_count(consultant_client, engine, engagement):
    names = "Dana Whitfield\n  Lopez, Maria \n\ndana whitfield\n"
    r = consultant_client.post(
        f"/engagements/{engagement.id}/roster-names",
        data={"names": names, "csrf_token": consultant_client.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(engine) as s:
        assert s.get(Engagement, engagement.id).settings["roster_names"] == ["Dana Whitfield", "Lopez, Maria"]
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "engagement.roster_names")).one()
    assert event.after == {"names": 2} and "Whitfield" not in str(event.before) + str(event.after)
    assert "Dana Whitfield\nLopez, Maria</textarea>" in _page(consultant_client, engagement.id)
    too_long = "x" * 121
    r = consultant_client.post(
        f"/engagements/{engagement.id}/roster-names",
        data={"names": f"Ann Lee\n{too_long}", "csrf_token": consultant_client.csrf},
    )
    assert r.status_code == 422 and "longer than 120 characters" in r.text and too_long in r.text  # nothing lost
    with Session(engine) as s:
        assert s.get(Engagement, engagement.id).settings["roster_names"] == ["Dana Whitfield", "Lopez, Maria"]


def test_invites_carry_an_optional_name_one_at_a_time_and_from_csv(consultant_client, engine, engagement):
    r = consultant_client.post(
        f"/engagements/{engagement.id}/invites",
        data={
            "department": DEPARTMENTS[0],
            "role_level": "frontline",
            "email": "",
            "name": " Priya  Shah ",
            "csrf_token": consultant_client.csrf,
        },
    )
    assert r.status_code == 200 and "<td>Priya Shah</td>" in r.text
    csv_text = (
        "department,role_level,email,name\n"
        f"{DEPARTMENTS[1]},manager,m.o@town.gov,Marcus Oyelaran\n{DEPARTMENTS[2]},frontline,,\n"
    )
    r = consultant_client.post(
        f"/engagements/{engagement.id}/invites/import",
        data={"csrf_token": consultant_client.csrf},
        files={"file": ("staff.csv", csv_text.encode(), "text/csv")},
    )
    assert r.status_code == 200 and "2 invites created" in r.text
    with Session(engine) as s:
        names = [p.name for p in s.exec(select(Participant).order_by(Participant.id)).all()]
    assert names == ["Priya Shah", "Marcus Oyelaran", None]
    bad = f"{DEPARTMENTS[0]},frontline,a@b.org,Ann Lee,extra\n"
    r = consultant_client.post(
        f"/engagements/{engagement.id}/invites/import",
        data={"csrf_token": consultant_client.csrf},
        files={"file": ("staff.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422 and "expected 2 to 4 columns" in r.text


def test_equity_reviewers_never_see_the_staff_names(settings, engine, session, engagement):
    set_roster_names(session, engagement, ["Dana Whitfield"])
    create_invite(session, engagement, Invitee(DEPARTMENTS[0], "frontline", name="Priya Shah"))
    session.commit()
    reviewer = make_consultant(session, email="equity@example.org", role="equity_reviewer")
    join(session, engagement, reviewer, "equity_reviewer")  # on the team: the consultant pages are 403, not 404
    client = TestClient(create_app(settings))
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"email": "equity@example.org", "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/engagements/{engagement.id}")
    assert page.status_code == 403 and "Whitfield" not in page.text and "Priya" not in page.text
    r = client.post(f"/engagements/{engagement.id}/roster-names", data={"names": "X", "csrf_token": token})
    assert r.status_code == 403
