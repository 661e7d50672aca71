"""The end of an interview: the review list, submission, quote consent and withdrawal (each audited)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from assistant.interview.engine import effective_staff_turns, question_states
from assistant.interview.errors import AnswerError
from assistant.models import Interview, Participant, Turn, utcnow
from assistant.records.withdrawal import erase_participant
from assistant.rubric import Rubric
from assistant.security import audit, participant_actor


def submit(session: Session, interview: Interview, participant: Participant) -> None:
    """Submit the interview: its answers become evidence for synthesis. Idempotent."""
    if interview.state == "submitted":
        return
    if interview.state not in ("in_progress", "review"):
        raise AnswerError("This interview cannot be submitted.")
    before = interview.state
    interview.state = "submitted"
    interview.submitted_at = interview.updated_at = utcnow()
    session.add(interview)
    entity = f"interview:{participant.public_label}"  # the label its transcript's URL carries, never an id
    _record(session, participant, "interview.submit", entity, {"state": before}, {"state": "submitted"})


def set_quote_consent(session: Session, participant: Participant, allowed: bool) -> None:
    """Record whether the participant agrees to be quoted (without their name) in the report.

    Only people who agreed are ever quoted in a report or export; changeable at any time. Audited."""
    if participant.quote_consent == allowed:
        return
    before = participant.quote_consent
    participant.quote_consent = allowed
    session.add(participant)
    _record(
        session,
        participant,
        "participant.quote_consent",
        f"participant:{participant.public_label}",
        {"quote_consent": before},
        {"quote_consent": allowed},
    )


def withdraw(session: Session, participant: Participant, interview: Interview | None) -> None:
    """Withdraw: the participant's words are erased from every table at once (``assistant.records.withdrawal``:
    turns, segments, cached vectors, theme words, proposal quotes, export files, LLM replies, audit
    values), in the same commit that records the withdrawal."""
    participant.withdrawn_at = utcnow()
    session.add(participant)
    before = interview.state if interview else None
    if interview is not None:
        interview.state = "withdrawn"
        interview.updated_at = utcnow()
        session.add(interview)
    erased = erase_participant(session, participant)
    _record(
        session,
        participant,
        "participant.withdraw",
        f"participant:{participant.public_label}",
        {"state": before},
        {"state": "withdrawn", "erased": erased.as_dict()},
    )


@dataclass
class ReviewItem:
    """One planned question with its current answers, for the review page."""

    question_id: str
    component: str
    component_name: str
    question: str
    status: str
    answers: list[Turn]
    probes: dict[int, str]  # probe number -> the follow-up question that an answer responds to


def review_items(interview: Interview, turns: list[Turn], rubric: Rubric) -> list[ReviewItem]:
    """Every planned question with the staff turns that stand now (edits applied)."""
    states = question_states(interview.plan, turns)
    latest = effective_staff_turns(turns)
    items = []
    for qid in interview.plan:
        comp, question = rubric.question(qid)
        answers = [t for t in latest if t.question_id == qid]
        probes = {t.probe_index: t.text for t in turns if t.kind == "probe" and t.question_id == qid}
        # the topic in the words the chat used (its staff name), not the rubric's component name
        items.append(ReviewItem(qid, comp.id, comp.staff_label, question.text, states[qid].status, answers, probes))
    return items


def _record(session: Session, participant: Participant, action: str, entity: str, before: dict, after: dict) -> None:
    """Audit a participant's own change to their interview or consent, as them, then commit it with
    the change (the person sees it kept before the reply is sent)."""
    audit(
        session,
        action,
        actor=participant_actor(participant),
        engagement_id=participant.engagement_id,
        entity=entity,
        before=before,
        after=after,
    )
    session.commit()
