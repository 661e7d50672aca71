"""The demo staff take their interviews through the real interview engine.

Each persona gives consent, hears the questions planned for their role, answers from the answer
bank (``answers``), answers the probes the engine asks, and submits (or leaves, or withdraws,
as the cast says). Choices are seeded, so every fresh demo database holds the same conversations,
and seeding is idempotent: a persona whose interview already reached its final state is left
alone, and one cut off half-way is resumed.
"""

from __future__ import annotations

import random
from collections import Counter

from sqlmodel import Session, select

from assistant.config import Settings
from assistant.demo.answers import Chooser, load_answer_bank
from assistant.demo.city import DEMO_SEED, Persona, demo_cast
from assistant.interview.actions import advance, load_turns, record_consent, respond, submit, withdraw
from assistant.interview.engine import next_step
from assistant.models import Engagement, Interview, Participant, Turn
from assistant.records.engagements import Invitee, create_invite
from assistant.rubric import Rubric, get_rubric


def _take_interview(
    session: Session,
    rubric: Rubric,
    settings: Settings,
    chooser: Chooser,
    participant: Participant,
    persona: Persona,
) -> Interview:
    """Consent, then answer question after question (and every probe) until the persona's stop."""
    interview = record_consent(session, participant, True, rubric)
    rng = random.Random(f"{DEMO_SEED}:{persona.key}")
    max_probes = settings.max_probes_per_question
    anchors: dict[str, float | None] = {}  # question id -> level of the persona's answer to it
    while interview.state == "in_progress":
        turns = load_turns(session, interview)
        step = next_step(interview.plan, turns, rubric, max_probes)
        if step.kind != "await":
            advance(session, interview, rubric, max_probes=max_probes)  # writes the ack and the next question or probe
            continue
        staff = [t for t in turns if t.role == "staff"]
        answered = sum(1 for t in staff if t.probe_index == 0)
        if step.probe_index == 0 and persona.stop_after is not None and answered >= persona.stop_after:
            break  # left the interview open at this question
        component = rubric.question(step.question_id)[0].id
        if step.probe_index == 0:
            entry = chooser.answer(step.question_id, component, persona, rng)
            anchors[step.question_id] = entry.level if entry.level is not None else chooser.target(component, persona)
        else:
            anchor = anchors.get(step.question_id, chooser.target(component, persona))
            entry = chooser.follow_up(step.question_id, step.probe_index, anchor, persona, rng, {t.text for t in staff})
        respond(
            session,
            interview,
            rubric,
            entry.kind,
            entry.text,
            f"{persona.key}-{len(staff) + 1}",
            settings.max_answer_chars,
        )
    return interview


def seed_demo_interviews(session: Session, settings: Settings, engagement: Engagement) -> dict[str, int]:
    """Bring every demo persona of ``engagement`` to its final state; returns interview counts by state.

    Idempotent: personas are found by ``external_id``; finished ones are skipped, one interrupted
    half-way is resumed, and answers already given count as said.
    """
    rubric = get_rubric(str(settings.rubric_path))
    cast = demo_cast()
    existing = {
        p.external_id: p
        for p in session.exec(
            select(Participant).where(
                Participant.engagement_id == engagement.id, Participant.external_id.in_([c.key for c in cast])
            )
        ).all()
    }
    states = {
        i.participant_id: i.state
        for i in session.exec(
            select(Interview).where(Interview.participant_id.in_([p.id for p in existing.values()]))
        ).all()
    }
    finished = {"submitted": {"submitted"}, "withdrawn": {"withdrawn"}}
    todo = [
        c
        for c in cast
        if c.key not in existing
        or (
            existing[c.key].withdrawn_at is None
            and states.get(existing[c.key].id) not in finished.get(c.outcome, set())
        )
    ]
    if todo:
        used: Counter = Counter()  # what earlier runs had the demo staff say already
        for turn in session.exec(
            select(Turn)
            .join(Interview, Interview.id == Turn.interview_id)
            .where(Interview.participant_id.in_(list(states)), Turn.role == "staff")
        ).all():
            used[turn.text if turn.kind == "answer" else f"{turn.kind}:{turn.question_id}"] += 1
        chooser = Chooser(load_answer_bank(), used)
        for persona in todo:
            participant = existing.get(persona.key)
            if participant is None:
                invitee = Invitee(persona.department, persona.role_level)
                participant = create_invite(session, engagement, invitee).participant
                participant.external_id = persona.key
                session.add(participant)
                session.flush()
            interview = _take_interview(session, rubric, settings, chooser, participant, persona)
            if persona.outcome == "in_progress":
                continue
            if persona.stop_after is None:
                submit(session, interview, participant)
            if persona.outcome == "withdrawn":
                withdraw(session, participant, interview)
    counts = Counter(
        session.exec(
            select(Interview.state)
            .join(Participant, Participant.id == Interview.participant_id)
            .where(Participant.engagement_id == engagement.id, Participant.external_id.in_([c.key for c in cast]))
        ).all()
    )
    return dict(counts)
