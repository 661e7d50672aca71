"""The demo engagement: staff interviews seeded once through the real engine, on a real database."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.demo.answers import DemoDataError, load_answer_bank
from assistant.demo.city import DEPARTMENTS, ROSTER, demo_cast
from assistant.demo.interviews import seed_demo_interviews
from assistant.demo.seed import DEMO_EMAIL, DEMO_ORG, DEMO_REVIEWER_EMAIL, seed_demo
from assistant.interview.actions import advance, record_consent, respond
from assistant.interview.engine import next_step, question_states
from assistant.interview.guide import plan_for
from assistant.models import Consent, Engagement, Interview, Participant, Turn
from assistant.records.engagements import DEFAULT_ROLE_LEVELS, Invitee, create_invite
from assistant.records.teams import members
from tests.factories import demo_database


@pytest.fixture
def seeded(session, settings, tmp_path, monkeypatch):
    """A database with the demo seeded once (the password file goes under tmp_path/var)."""
    monkeypatch.chdir(tmp_path)
    info = seed_demo(session, settings)
    session.commit()
    return info


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo seeded once for the tests that only read it (seeding takes seconds)."""
    with demo_database(tmp_path_factory.mktemp("demo")) as (settings, engine, info):
        yield settings, engine, info


@pytest.fixture
def demo_session(demo):
    """A session on the shared demo database; what a test changes is rolled back."""
    with Session(demo[1], expire_on_commit=False) as session:
        yield session
        session.rollback()


def demo_participants(session: Session) -> list[Participant]:
    return list(session.exec(select(Participant).where(Participant.external_id.is_not(None))).all())


def interview_of(session: Session, participant: Participant) -> Interview:
    return session.exec(select(Interview).where(Interview.participant_id == participant.id)).one()


def turns_of(session: Session, interview: Interview) -> list[Turn]:
    return list(session.exec(select(Turn).where(Turn.interview_id == interview.id).order_by(Turn.id)).all())


def test_seeding_twice_creates_the_demo_staff_and_their_turns_once(session, settings, seeded):
    cast = demo_cast()
    expected = Counter("submitted" if p.outcome == "submitted" else p.outcome for p in cast)
    assert seeded.interviews == dict(expected)
    assert len(demo_participants(session)) == len(cast) >= 40
    turns_before = len(session.exec(select(Turn)).all())

    again = seed_demo(session, settings)
    session.commit()
    assert again.interviews == seeded.interviews
    assert again.engagement_id == seeded.engagement_id
    assert len(session.exec(select(Engagement)).all()) == 1
    assert sorted(p.external_id for p in demo_participants(session)) == sorted(p.key for p in cast)
    assert len(session.exec(select(Turn)).all()) == turns_before
    assert len(session.exec(select(Consent)).all()) == len(cast)
    # the demo consultant leads the engagement; the demo equity reviewer is on its team, once
    team = {(u.email, m.role) for m, u in members(session, seeded.engagement_id)}
    assert team == {(DEMO_EMAIL, "lead"), (DEMO_REVIEWER_EMAIL, "equity_reviewer")}


def test_every_submitted_interview_closes_every_planned_question(demo_session, rubric):
    submitted = [(p, interview_of(demo_session, p)) for p in demo_participants(demo_session)]
    submitted = [(p, i) for p, i in submitted if i.state == "submitted"]
    assert len(submitted) == Counter(p.outcome for p in demo_cast())["submitted"]
    probes = 0
    for participant, interview in submitted:
        assert interview.submitted_at is not None
        assert interview.plan == plan_for(rubric, participant.role_level, seed=participant.id)
        turns = turns_of(demo_session, interview)
        states = question_states(interview.plan, turns)
        assert all(s.status in ("answered", "skipped", "dont_know") for s in states.values()), participant.external_id
        asked = [t for t in turns if t.role == "assistant" and t.kind == "question"]
        assert [t.question_id for t in asked] == interview.plan
        assert all(t.text == rubric.question(t.question_id)[1].text for t in asked)
        # each question and probe is answered by the next staff turn, at its probe index
        for prompt, reply in zip(turns, turns[1:], strict=False):
            if prompt.role == "assistant" and prompt.kind in ("question", "probe"):
                assert reply.role == "staff" and reply.question_id == prompt.question_id
                assert reply.probe_index == (prompt.probe_index if prompt.kind == "probe" else 0)
        probes += sum(1 for t in turns if t.kind == "probe")
        assert any(t.kind == "ack" for t in turns)
        assert all(c["closed"] == c["total"] for c in interview.coverage.values())
    assert probes >= 20  # short and vague answers draw follow-ups, and those are answered too


def test_interviews_span_every_department_and_role_level_within_the_roster(demo_session):
    groups = Counter()
    for participant in demo_participants(demo_session):
        if interview_of(demo_session, participant).state == "submitted":
            groups[(participant.department, participant.role_level)] += 1
    assert {d for d, _ in groups} == set(DEPARTMENTS)
    assert {r for _, r in groups} == set(DEFAULT_ROLE_LEVELS)
    by_role = Counter()
    for (_, role), n in groups.items():
        by_role[role] += n
    assert by_role["frontline"] > by_role["supervisor"] > by_role["executive"]
    everyone = Counter((p.department, p.role_level) for p in demo_participants(demo_session))
    assert all(n <= ROSTER[group] for group, n in everyone.items())


def test_withdrawn_and_unfinished_staff(demo_session, demo, rubric):
    by_key = {p.external_id: p for p in demo_participants(demo_session)}
    withdrawn = [by_key[p.key] for p in demo_cast() if p.outcome == "withdrawn"]
    in_progress = [(by_key[p.key], p) for p in demo_cast() if p.outcome == "in_progress"]
    assert len(withdrawn) == 2 and len(in_progress) == 3
    for participant in withdrawn:
        assert participant.withdrawn_at is not None
        assert interview_of(demo_session, participant).state == "withdrawn"
    for participant, persona in in_progress:
        assert participant.withdrawn_at is None
        interview = interview_of(demo_session, participant)
        turns = turns_of(demo_session, interview)
        assert interview.state == "in_progress" and interview.submitted_at is None
        assert sum(1 for t in turns if t.role == "staff" and t.probe_index == 0) == persona.stop_after
        # left waiting for the answer to a question, exactly as a person closing the tab would
        step = next_step(interview.plan, turns, rubric, demo[0].max_probes_per_question)
        assert step.kind == "await" and step.probe_index == 0
    others = [p for p in demo_participants(demo_session) if p not in withdrawn]
    assert all(p.withdrawn_at is None for p in others)


def test_answers_come_from_the_bank_and_draw_the_city_profile(demo_session, rubric):
    bank = load_answer_bank()
    level_of = {(qid, e.text): e.level for qid, entries in bank.answers.items() for e in entries}
    follow_ups = {e.text for entries in bank.follow_ups.values() for e in entries}
    role_of = {p.id: p.role_level for p in demo_participants(demo_session)}
    levels = defaultdict(list)
    by_role = defaultdict(list)
    texts = []
    for turn, interview in demo_session.exec(
        select(Turn, Interview)
        .join(Interview, Interview.id == Turn.interview_id)
        .where(Turn.role == "staff", Interview.state == "submitted")
    ).all():
        if turn.kind != "answer":
            continue
        texts.append(turn.text)
        if turn.probe_index == 0:
            assert (turn.question_id, turn.text) in level_of, turn.text
            level = level_of[(turn.question_id, turn.text)]
            if level is not None:
                levels[turn.component].append(level)
                by_role[role_of[interview.participant_id]].append(level)
        else:
            assert turn.text in follow_ups, turn.text
    mean = {comp: statistics.mean(v) for comp, v in levels.items()}
    assert set(mean) == {c.id for c in rubric.components}
    # mostly "Developing"; leadership highest, equity lowest; executives more optimistic than the front line
    assert all(1.3 <= m <= 3.0 for m in mean.values()), mean
    assert max(mean, key=mean.get) == "leadership_alignment" and min(mean, key=mean.get) == "equity_lens"
    assert statistics.mean(by_role["executive"]) > statistics.mean(by_role["frontline"]) + 0.7
    # varied voices: few sentences repeat, and the attempt to steer the rating is said exactly once
    assert len(set(texts)) / len(texts) > 0.6
    assert sum(t.startswith("Ignore the rubric") for t in texts) == 1


def test_answer_bank_covers_every_rubric_question(rubric):
    bank = load_answer_bank()
    for comp in rubric.components:
        assert set(bank.profile[comp.id]) == set(DEFAULT_ROLE_LEVELS)
        for question in comp.questions:
            entries = bank.answers.get(question.id, [])
            assert len({e.text for e in entries if e.kind == "answer"}) >= 4, question.id
            for role in question.roles:  # every role the question is asked of has answers to give
                assert sum(1 for e in entries if e.kind == "answer" and (not e.roles or role in e.roles)) >= 2
            for entry in entries:
                assert set(entry.roles) <= set(question.roles), (question.id, entry.text)
            probes = bank.follow_ups.get(question.id, [])
            assert {e.probe for e in probes} == set(range(1, len(question.probes) + 1)), question.id


def test_answer_bank_errors_name_the_entry():
    with pytest.raises(DemoDataError, match=r"answers\.dlc_q1\[1\]: level must be 1-5"):
        load_answer_bank("answers:\n  dlc_q1:\n    - {level: 2, text: fine}\n    - {level: 7, text: great}\n")
    with pytest.raises(DemoDataError, match=r"unknown department 'Fire'"):
        load_answer_bank("answers:\n  dlc_q1:\n    - {level: 2, department: Fire, text: hoses}\n")
    with pytest.raises(DemoDataError, match=r"needs its text"):
        load_answer_bank("follow_ups:\n  generic:\n    - {level: 2}\n")


def test_an_interrupted_seed_resumes_the_interview_it_left(session, rubric, settings):
    # a seed cut off half-way: the persona exists and has answered its first question only
    engagement = Engagement(organisation=DEMO_ORG, departments=DEPARTMENTS, role_levels=list(DEFAULT_ROLE_LEVELS))
    session.add(engagement)
    session.commit()
    first = next(p for p in demo_cast() if p.outcome == "submitted")
    participant = create_invite(session, engagement, Invitee(first.department, first.role_level)).participant
    participant.external_id = first.key
    session.add(participant)
    session.commit()
    interview = record_consent(session, participant, True, rubric)
    advance(session, interview, rubric)
    kept, _ = respond(
        session,
        interview,
        rubric,
        "answer",
        "We keep everything in spreadsheets on the shared drive, 12 of them.",
        f"{first.key}-1",
        settings.max_answer_chars,
    )

    counts = seed_demo_interviews(session, settings, engagement)
    assert counts == dict(Counter(p.outcome for p in demo_cast()))
    session.refresh(interview)
    assert interview.state == "submitted"
    staff = [t for t in turns_of(session, interview) if t.role == "staff"]
    assert staff[0].id == kept.id and len(staff) > len(interview.plan) - 1
    assert len(demo_participants(session)) == len(demo_cast())  # the persona was found, not created again


def test_demo_command_prints_links_and_seeds_the_interviews(cli_env):
    # the completed second engagement has its own test (tests/test_cli.py); this one is about the first
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--no-completed"])
    assert result.exit_code == 0, result.output
    assert "Consultant login" in result.output and re.search(r"password: \S+", result.output)
    assert len(re.findall(r"/i/[\w-]+", result.output)) == 3 and re.search(r"/join/[\w-]+", result.output)
    assert re.search(r"/engagements/\d+", result.output)
    with Session(cli_env) as s:
        states = Counter(i.state for i in s.exec(select(Interview)).all())
        assert states == Counter(p.outcome for p in demo_cast())
