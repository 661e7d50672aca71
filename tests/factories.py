"""Factories for engagements, participants, consultants and evidence segments on the real test database."""

from __future__ import annotations

import os
import re
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.db import make_engine
from assistant.demo.seed import DemoInfo, seed_demo
from assistant.embeddings import text_hash
from assistant.models import Engagement, Interview, Membership, Participant, Segment, Turn, User, utcnow
from assistant.records.accounts import create_user
from assistant.records.engagements import Invitee, create_engagement, create_invite
from assistant.records.teams import membership
from tests.databases import drop_database, fresh_database_url

PASSWORD = "correct horse battery"
DEPARTMENTS = ["Public Works", "Finance", "Parks"]


DEFAULT_CONSULTANT = "consultant@example.org"


def offline_settings(database_url: str) -> Settings:
    """The tests' settings on ``database_url``: no LLM, a fixed secret, no .env file read."""
    return Settings(
        database_url=database_url,
        secret_key="test-secret-0123456789",
        llm_base_url=None,
        llm_model=None,
        _env_file=None,
    )


@contextmanager
def demo_database(folder: Path, relatedness: bool = True) -> Iterator[tuple[Settings, Engine, DemoInfo]]:
    """A fresh database (tests/databases.py) with the demo seeded as ``dm3 demo`` seeds it, for the tests of
    one module to share (seeding takes seconds); the demo's password file goes under ``folder``/var.
    ``relatedness`` off seeds without the off-topic model (faster; the follow-ups then differ)."""
    settings = offline_settings(fresh_database_url(folder))
    settings.interview_relatedness = relatedness
    here = os.getcwd()
    engine = make_engine(settings.database_url)
    try:
        os.chdir(folder)
        try:
            with Session(engine, expire_on_commit=False) as session:
                info = seed_demo(session, settings)
                session.commit()
        finally:
            os.chdir(here)
        yield settings, engine, info
    finally:
        engine.dispose()
        drop_database(settings.database_url)


def lead_every_engagement(session: Session) -> None:
    """The tests' convention: the default consultant (``consultant_client``) leads every engagement
    of the test database, whichever of the two was made first. Other accounts join teams explicitly
    (``join``), so access tests see real non-members."""
    user = session.exec(select(User).where(User.email == DEFAULT_CONSULTANT)).first()
    if user is None:
        return
    for engagement in session.exec(select(Engagement)).all():
        if membership(session, engagement.id, user.id) is None:
            session.add(Membership(engagement_id=engagement.id, user_id=user.id, role="lead"))
    session.commit()


def join(session: Session, engagement: Engagement, user: User, role: str) -> Membership:
    """Put ``user`` on the engagement's team in ``role``."""
    row = Membership(engagement_id=engagement.id, user_id=user.id, role=role)
    session.add(row)
    session.commit()
    return row


def make_consultant(session: Session, email: str = DEFAULT_CONSULTANT, role: str = "consultant") -> User:
    user = create_user(session, email, PASSWORD, role=role)
    session.commit()
    lead_every_engagement(session)
    return user


def make_engagement(session: Session, organisation: str = "Town of Testville") -> Engagement:
    engagement = create_engagement(session, organisation, list(DEPARTMENTS))
    session.commit()
    lead_every_engagement(session)
    return engagement


def invite(
    session: Session,
    engagement: Engagement,
    department: str = "Public Works",
    role: str = "frontline",
    email: str | None = None,
) -> str:
    """A fresh personal link token for a new participant."""
    token = create_invite(session, engagement, Invitee(department, role, email)).token
    session.commit()
    return token


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"page has no field {name}"
    return match.group(1)


def wait_for_run(client, engagement_id: int, kind: str, timeout: float = 180.0) -> str:
    """Poll a background run's panel as htmx does until the run ends; returns the final panel HTML.

    The last poll must tell the page to reload (``HX-Refresh``), as the browser relies on that.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"/engagements/{engagement_id}/runs/{kind}?watching=1", headers={"HX-Request": "true"})
        assert r.status_code == 200
        if "hx-trigger" not in r.text:
            assert r.headers.get("HX-Refresh") == "true"
            return r.text
        time.sleep(0.2)
    raise AssertionError(f"the {kind} run did not finish in {timeout} s")


def wait_for_progress_export(client, engagement_id: int, files: int, timeout: float = 180.0) -> str:
    """Reload the progress report's page (as its panel does) until it lists ``files`` downloads; returns
    the newest one's link."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(f"/engagements/{engagement_id}/progress-report").text
        assert "The last export failed" not in page, page[page.index("The last export failed") :][:300]
        links = re.findall(r'href="(/engagements/\d+/progress-report/exports/\d+)"', page)
        if len(links) >= files:
            return links[0]
        time.sleep(0.2)
    raise AssertionError(f"the progress report's export did not finish in {timeout} s")


def logged_in_client(app, email: str = DEFAULT_CONSULTANT, password: str = PASSWORD):
    """A TestClient logged in as ``email``, with ``.csrf`` holding the form token issued at login
    (the token is replaced at login, so the one from the login page no longer works)."""
    from fastapi.testclient import TestClient

    c = TestClient(app)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    c.csrf = csrf_of(c.get("/engagements").text)
    return c


def set_min_cell(session: Session, engagement: Engagement, k: int) -> None:
    """The lead sets the engagement's small-group threshold to ``k`` (through the settings writer)."""
    from assistant.records.engagements import change_settings, settings_of

    equity = settings_of(engagement).equity.model_dump(mode="json") | {"min_cell": k}
    change_settings(session, engagement, "engagement.equity_settings", None, {"equity": equity})
    session.commit()


def seed_groups(
    session: Session,
    engagement: Engagement,
    sizes: dict[str, int],
    *,
    role_level: str = "frontline",
    component: str = "data_life_cycle",
) -> list:
    """``sizes[department]`` people per department, each with one submitted interview holding one
    answer (on ``component``) and the active evidence segment cut from it; returns the participants."""
    from assistant.models import Interview, Participant, Turn, utcnow

    people = []
    for department, n in sizes.items():
        for i in range(n):
            text = f"In {department} we keep the records of case {i} in shared spreadsheets."
            person = Participant(
                engagement_id=engagement.id, department=department, role_level=role_level, source="invite"
            )
            session.add(person)
            session.flush()
            interview = Interview(participant_id=person.id, state="submitted", submitted_at=utcnow())
            session.add(interview)
            session.flush()
            turn = Turn(interview_id=interview.id, role="staff", kind="answer", component=component, text=text)
            turn.question_id = f"{component}.q0"
            session.add(turn)
            session.flush()
            answer_segment(session, engagement, person, turn)
            people.append(person)


def answer_segment(session: Session, engagement: Engagement, person: Participant, turn: Turn) -> Segment:
    """The one active evidence segment of a whole staff answer ``turn`` (its text, component and
    question); flushed, not committed."""
    text = turn.text
    segment = Segment(
        engagement_id=engagement.id,
        participant_id=person.id,
        turn_id=turn.id,
        question_id=turn.question_id,
        end=len(text),
        text=text,
        text_hash=text_hash(text),
        component=turn.component,
        original_component=turn.component,
    )
    session.add(segment)
    session.flush()
    return segment


def seed_segments(
    session: Session,
    engagement: Engagement,
    component: str | None,
    rows: list[tuple[str, ...]],
    people: dict | None = None,
    *,
    department: str = "Finance",
    quote_consent: bool = False,
    interviews: bool = False,
) -> dict:
    """Active evidence segments, the one seeder of the suite: ``rows`` are (name, role level, text), or
    (name, role level, text, component) where a row names its own component, else ``component``. One
    participant per distinct name (added to ``people``, which is returned: {name: Participant}). With
    ``interviews`` each participant also has a submitted interview and each segment the answer turn it
    came from (the review pages show evidence through them). Committed."""
    people = {} if people is None else people
    interview_of: dict[str, Interview] = {}
    for n, (name, role, text, *own) in enumerate(rows):
        this_component = own[0] if own else component
        if name not in people:
            p = Participant(
                engagement_id=engagement.id, department=department, role_level=role, quote_consent=quote_consent
            )
            session.add(p)
            session.flush()
            people[name] = p
        turn_id = None
        if interviews:
            if name not in interview_of:
                interview_of[name] = Interview(participant_id=people[name].id, state="submitted", submitted_at=utcnow())
                session.add(interview_of[name])
                session.flush()
            turn = Turn(  # each answer its own question, so its place in the transcript has its own anchor
                interview_id=interview_of[name].id,
                role="staff",
                kind="answer",
                component=this_component,
                question_id=f"q{n}",
                text=text,
            )
            session.add(turn)
            session.flush()
            turn_id = turn.id
        session.add(
            Segment(
                engagement_id=engagement.id,
                participant_id=people[name].id,
                turn_id=turn_id,
                text=text,
                text_hash=text_hash(text),
                component=this_component,
                original_component=this_component,
                start=0,
                end=len(text),
            )
        )
    session.commit()
    return people


def say(
    session: Session,
    engagement: Engagement,
    department: str,
    role: str,
    text: str,
    *,
    consent: bool = True,
    component: str = "data_life_cycle",
) -> int:
    """One new participant (an invitee of ``department`` and ``role``) and one active evidence segment of
    ``text``; flushed, not committed. Returns the segment's id (its citation is ``E-<id>``)."""
    person = Participant(
        engagement_id=engagement.id, department=department, role_level=role, source="invite", quote_consent=consent
    )
    session.add(person)
    session.flush()
    segment = Segment(
        engagement_id=engagement.id,
        participant_id=person.id,
        text=text,
        text_hash=text_hash(text),
        component=component,
        original_component=component,
    )
    session.add(segment)
    session.flush()
    return segment.id


def crawl(client, start: list[str], eid: int, limit: int = 400) -> dict[str, str]:
    """Every page and download under /engagements/{eid}/ reachable by links from ``start`` (GET only)."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        url = queue.popleft().split("#")[0]
        if url in seen:
            continue
        r = client.get(url)
        body = r.content.decode("utf-8", errors="replace")
        seen[url] = body
        if "html" not in r.headers.get("content-type", ""):
            continue
        for link in re.findall(r'href="(/engagements/[^"]+)"', body):
            link = link.replace("&amp;", "&")
            if link.startswith(f"/engagements/{eid}/") or link == f"/engagements/{eid}":
                queue.append(link)
    return seen


def make_person(session: Session, engagement: Engagement, department: str = "Public Works") -> Participant:
    """A participant of ``engagement`` (no link, no interview): enough for flows and mentions."""
    person = Participant(engagement_id=engagement.id, department=department, role_level="frontline")
    session.add(person)
    session.commit()
    return person


def add_flow(session: Session, engagement: Engagement, person: Participant, system: str, **given):
    """One flow saved as the staff form saves it (``dataflow.flows.save_flow``), committed; ``given``:
    source, target, method (default re-typed), frequency, minutes, fixes, note."""
    from assistant.dataflow.flows import FlowInput, save_flow

    saved = save_flow(session, engagement, person, FlowInput(system=system, **({"method": "retyped"} | given)))
    session.commit()
    return saved


def seed_city(
    session: Session,
    cells: dict[tuple[str, str], int],
    *,
    themes: int = 4,
    component: str = "data_life_cycle",
    seed: int = 0,
) -> tuple[Engagement, list[Participant]]:
    """An engagement whose roster is ``cells`` ((department, role level) -> people), everyone invited
    and submitted with one evidence segment in each of a few of ``themes`` themes of ``component``
    (chosen by ``seed``, everyone in the first one). Returns the engagement and its participants in
    invite order. Committed."""
    import random

    from assistant.models import Theme, ThemeMember

    rng = random.Random(seed)
    departments = sorted({d for d, _ in cells})
    from assistant.records.engagements import DEFAULT_ROLE_LEVELS

    roles = DEFAULT_ROLE_LEVELS + sorted({r for _, r in cells} - set(DEFAULT_ROLE_LEVELS))
    engagement = create_engagement(session, "City of Testville", departments, roles, roster=dict(cells))
    session.flush()
    rows = [Theme(engagement_id=engagement.id, component=component, label=f"theme {n}") for n in range(themes)]
    session.add_all(rows)
    session.flush()
    people = []
    for (department, role), n in sorted(cells.items()):
        for _ in range(n):
            person = Participant(engagement_id=engagement.id, department=department, role_level=role)
            session.add(person)
            session.flush()
            interview = Interview(participant_id=person.id, state="submitted", submitted_at=utcnow())
            session.add(interview)
            session.flush()
            spoken = [rows[0], *(t for t in rows[1:] if rng.random() < 0.5)]
            for q, theme in enumerate(spoken):
                text = f"We keep case files for {theme.label} in spreadsheets nobody can search ({q})."
                turn = Turn(
                    interview_id=interview.id,
                    role="staff",
                    kind="answer",
                    component=component,
                    question_id=f"{component}.q{q}",
                    text=text,
                )
                session.add(turn)
                session.flush()
                segment = answer_segment(session, engagement, person, turn)
                session.add(ThemeMember(theme_id=theme.id, segment_id=segment.id, score=rng.random()))
            people.append(person)
    session.commit()
    return engagement, people


def set_status(session: Session, person: Participant, status: str) -> None:
    """Put ``person`` in ``status``: "invited" (no interview), "started", "submitted" or "withdrawn"
    (through the interview's own withdrawal, which erases their words). Committed."""
    from assistant.interview.closing import withdraw

    interview = session.exec(select(Interview).where(Interview.participant_id == person.id)).first()
    if status == "withdrawn":
        withdraw(session, person, interview)
    elif status == "invited":
        if interview is not None:
            interview.state = "declined"
            session.add(interview)
    else:
        if interview is None:
            interview = Interview(participant_id=person.id)
        interview.state = "submitted" if status == "submitted" else "in_progress"
        interview.submitted_at = utcnow() if status == "submitted" else None
        session.add(interview)
    session.commit()


def make_roadmap_items(
    session: Session,
    engagement: Engagement,
    keys_phases: list[tuple[str, int]],
    *,
    made_at=None,
    component: str = "data_life_cycle",
) -> dict:
    """Planned roadmap items (key, phase) made at ``made_at`` (the roadmap's start); {key: RoadmapItem}. Committed."""
    from assistant.models import RoadmapItem

    made_at = made_at or utcnow()
    items = {}
    for position, (key, phase) in enumerate(keys_phases):
        item = RoadmapItem(
            engagement_id=engagement.id,
            key=key,
            component=component,
            title=f"Activity {key}",
            phase=phase,
            position=position,
            created_at=made_at,
            updated_at=made_at,
        )
        session.add(item)
        items[key] = item
    session.commit()
    return items


def decide_levels(session: Session, engagement: Engagement, levels: dict, user: User, rubric=None) -> None:
    """A proposal per component and the consultant's decision on it, through the real review code:
    accepted at ``levels[component]``, or rejected when that is None (no decided level). Committed."""
    from assistant.models import RatingProposal
    from assistant.records.review import decide
    from assistant.rubric import get_rubric

    rubric = rubric or get_rubric()
    for component, level in levels.items():
        proposal = RatingProposal(
            engagement_id=engagement.id,
            component=component,
            status="proposed",
            level=level or 2,
            rationale=f"Offline rationale for {component}.",
        )
        session.add(proposal)
        session.flush()
        if level is None:
            decide(session, rubric, proposal.id, user, "reject", rationale="the evidence is from one team only")
        else:
            decide(session, rubric, proposal.id, user, "accept")
    session.commit()


def make_theme(
    session: Session,
    engagement: Engagement,
    component: str,
    label: str,
    centre,
    people: int,
    *,
    quote_consent: bool = False,
):
    """A live machine theme of ``component`` whose stored centroid is ``centre`` (normalised here) and
    whose members are one answer each from ``people`` new participants. Committed; returns the Theme."""
    import numpy as np

    from assistant.models import Theme, ThemeMember

    vector = np.asarray(centre, dtype=np.float32)
    theme = Theme(
        engagement_id=engagement.id,
        component=component,
        label=label,
        centroid=(vector / np.linalg.norm(vector)).tobytes(),
    )
    session.add(theme)
    session.flush()
    rows = [(f"p{i}-{label}", "frontline", f"{label}: example answer {i}.") for i in range(people)]
    made = seed_segments(session, engagement, component, rows, quote_consent=quote_consent)
    segments = session.exec(
        select(Segment).where(
            Segment.engagement_id == engagement.id, Segment.participant_id.in_([p.id for p in made.values()])
        )
    ).all()
    for segment in segments:
        session.add(ThemeMember(theme_id=theme.id, segment_id=segment.id))
    theme.quote_ids = [segments[0].id] if segments else []
    session.add(theme)
    session.commit()
    return theme


SUMMARY_DEPARTMENTS = ["Finance", "Parks", "Planning", "Police"]
SUMMARY_QUOTE = "Our budget spreadsheets get emailed around and [colleague] fixes the versions by hand."


def level_names() -> dict[int, str]:
    """The rubric's maturity level names by level."""
    from assistant.rubric import get_rubric

    return {lvl.level: lvl.name for lvl in get_rubric().levels}


def executive_summary(quote: str = SUMMARY_QUOTE):
    """An offline executive summary as ``report/narrative.py`` writes it (two findings, one with a quote),
    for the LLM rewording's tests."""
    from assistant.report.model import Finding, Quote, Summary

    return Summary(
        overview=[
            "City of Riverton assessed how it collects, shares and uses data across the six components of the "
            "DM3 maturity model. 19 staff from 4 departments contributed evidence in March 2026.",
            "Consultants decided a level for 4 of 6 components; awaiting review: Data Use, Data Sharing.",
        ],
        findings=[
            Finding(
                "Data Life Cycle",
                "Data Life Cycle (level 2, Developing): 9 people from 2 departments and smaller groups spoke of "
                "‘spreadsheets emailed around’.",
                9,
                2,
                Quote("E-12", quote, 3),
            ),
            Finding(
                "Governance Structures",
                "Governance Structures (level 1, Initial): 6 people spoke of ‘nobody owns the data’.",
                6,
                None,
                None,
            ),
        ],
        profile=["Data Life Cycle: level 2 (Developing), target 3"],
        priorities_heading="Priorities for the first 6 months",
        priorities=["Maintain an organisation-wide inventory (Data Life Cycle)"],
        readiness="Overall readiness to carry out the roadmap is medium: funding low; staff capacity medium.",
    )


DLC = "data_life_cycle"


def axis(i: int, tilt: float = 0.0) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[i] = 1.0
    v[(i + 1) % 8] = tilt
    return v


def seed_organisation(session: Session, rubric) -> tuple[Engagement, Engagement, dict]:
    """2026: data life cycle at 2, governance at 3; themes on spreadsheets (10 people of 20 heard),
    paper forms (6), a records register (4). 2027 (a full follow-up): data life cycle at 3, governance
    at 3; spreadsheets (4 people of 20), paper forms split into "scanning" and "e-forms", an open-data
    portal that is new. Returns both and {name: Theme} with "lead" (the lead) and "items"."""
    from datetime import timedelta

    from assistant.followup.organisation import start_follow_up
    from assistant.followup.progress import StatusChange
    from assistant.followup.progress import set_status as set_item_status

    lead = make_consultant(session, "lead@example.org")
    first = make_engagement(session, "Testville 2026")
    join(session, first, lead, "lead")
    set_min_cell(session, first, 5)
    first.created_at = utcnow() - timedelta(days=365)
    session.add(first)
    decide_levels(session, first, {DLC: 2, "governance_structures": 3}, lead, rubric)
    items = make_roadmap_items(session, first, [("inventory", 0), ("register", 1)], made_at=first.created_at)
    themes = {
        "a_sheets": make_theme(session, first, DLC, "Spreadsheets everywhere", axis(0), 10),
        "a_paper": make_theme(session, first, DLC, "Paper forms", axis(2), 6),
        "a_register": make_theme(session, first, DLC, "No records register", axis(4), 4),
    }
    second = start_follow_up(session, first, "full", lead, rubric, "Testville 2027")
    session.commit()
    decide_levels(session, second, {DLC: 3, "governance_structures": 3}, lead, rubric)
    from assistant.roadmap.generate import items_of

    carried = {i.key: i for i in items_of(session, second.id)}
    set_item_status(session, second, carried["inventory"], StatusChange(status="done"), lead, "lead")
    themes |= {
        "b_sheets": make_theme(session, second, DLC, "Spreadsheets, fewer", axis(0, 0.1), 4),
        "b_scan": make_theme(session, second, DLC, "Scanning paper", axis(2, 0.45), 6),
        "b_eforms": make_theme(session, second, DLC, "Online forms", axis(2, -0.45), 6),
        "b_portal": make_theme(session, second, DLC, "Open data portal", axis(6), 4),
    }
    session.commit()
    return first, second, themes | {"lead": lead, "items": items}


def seed_answers(
    session: Session,
    engagement: Engagement,
    component: str,
    question,
    people: int,
    supporting: dict[str, int] | None = None,
    *,
    levels: dict[str, int] | None = None,
    wording: str | None = None,
) -> list[Participant]:
    """``people`` new participants, each with a submitted interview in which the assistant asked the rubric
    ``question`` (in its own words, or ``wording``) and they answered it (one counted segment). The first
    ``supporting[indicator]`` answers are evidence of that indicator in the component's rating (the proposal
    its latest decision was made on, else a new current one), at evidence level ``levels[indicator]``.
    Committed; returns the participants."""
    from assistant.models import RatingProposal
    from assistant.records.review import latest_decisions

    made, segments = [], []
    for i in range(people):
        person = Participant(engagement_id=engagement.id, department="Finance", role_level="frontline")
        session.add(person)
        session.flush()
        interview = Interview(participant_id=person.id, state="submitted", submitted_at=utcnow())
        session.add(interview)
        session.flush()
        asked = Turn(
            interview_id=interview.id,
            role="assistant",
            kind="question",
            component=component,
            question_id=question.id,
            text=wording or question.text,
        )
        text = f"Answer {i} to {question.id}: we keep the records in a shared drive."
        answer = Turn(
            interview_id=interview.id, role="staff", kind="answer", component=component, question_id=question.id
        )
        answer.text = text
        session.add_all([asked, answer])
        session.flush()
        segment = answer_segment(session, engagement, person, answer)
        made.append(person)
        segments.append(segment)
    decision = latest_decisions(session, engagement.id).get(component)
    proposal = session.get(RatingProposal, decision.proposal_id) if decision else None
    if proposal is None:
        proposal = RatingProposal(engagement_id=engagement.id, component=component, status="proposed", level=2)
    indicators = {i["indicator_id"]: dict(i) for i in proposal.indicators or []}
    for indicator, n in (supporting or {}).items():
        entry = indicators.setdefault(indicator, {"indicator_id": indicator, "judgment": "meets", "segment_ids": []})
        entry["segment_ids"] = entry["segment_ids"] + [f"E-{s.id}" for s in segments[:n]]
        entry["evidence_level"] = (levels or {}).get(indicator, entry.get("evidence_level"))
    proposal.indicators = list(indicators.values())
    session.add(proposal)
    session.commit()
    return made


def seed_pulse_questions(session: Session, rubric) -> tuple[Engagement, Engagement]:
    """The seeded organisation (k = 5 on both) with answers to four data life cycle questions:
    - dlc_q1 (flow, standards): 20 people each time; flow 5 then 15 supporting, standards 10 then 12;
    - dlc_q5 (use): 20 people each time, 10 then 15 supporting;
    - dlc_q2: asked in other words the second time (not the same question);
    - dlc_q4 (use, flow): 20 people then, 4 now, nobody's answer supporting either."""
    first, second, _themes = seed_organisation(session, rubric)
    q = {x.id: x for x in rubric.component(DLC).questions}
    seed_answers(session, first, DLC, q["dlc_q1"], 20, {"dlc_flow": 5, "dlc_standards": 10}, levels={"dlc_flow": 2})
    seed_answers(session, second, DLC, q["dlc_q1"], 20, {"dlc_flow": 15, "dlc_standards": 12}, levels={"dlc_flow": 3})
    seed_answers(session, first, DLC, q["dlc_q5"], 20, {"dlc_use": 10})
    seed_answers(session, second, DLC, q["dlc_q5"], 20, {"dlc_use": 15})
    seed_answers(session, first, DLC, q["dlc_q2"], 20, {"dlc_sharing": 10})
    seed_answers(session, second, DLC, q["dlc_q2"], 20, {"dlc_sharing": 10}, wording="Who do you ask for data?")
    seed_answers(session, first, DLC, q["dlc_q4"], 20)
    seed_answers(session, second, DLC, q["dlc_q4"], 4)
    return first, second
