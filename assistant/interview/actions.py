"""Interview persistence: consent, answers, probes and edits (links in ``links.py``, the end of an
interview in ``closing.py``; all re-exported here).

Every staff turn is committed before anything else happens (the interviewer's reply is written
in a second transaction), so a crash after an answer loses nothing and ``advance`` resumes.

Several app processes may serve the same interview at once (a double submit, two tabs, a retry
after a restart). Each write of turns first takes the interview's row lock in the database
(``_hold``: an UPDATE of the interview row, a row lock on PostgreSQL and the write lock on SQLite,
released at commit) and then checks that no turn was written since the turns it decided on were
read; if one was, it decides again on what is stored now. No lock lives in a process. On SQLite the
lock, the check and the reply's change to the interview row (coverage, state) are one statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from assistant.interview.closing import ReviewItem, review_items, set_quote_consent, submit, withdraw
from assistant.interview.engine import (
    Step,
    coverage,
    current_prompt,
    latest_by_original,
    next_step,
    original_of,
)
from assistant.interview.errors import AnswerError, LinkError, StaleAnswer
from assistant.interview.guide import plan_for
from assistant.interview.links import Conversation, load, load_turns, open_for_turn, participant_for_token
from assistant.interview.probes import OfflineProber, Prober, instruction_reply, pick
from assistant.models import Consent, Engagement, Interview, Participant, Segment, Turn, utcnow
from assistant.rubric import Rubric

CONSENT_VERSION = "2026-11-v1"
STAFF_KINDS = ("answer", "skip", "dont_know")


EMPTY_ANSWER = "Please type an answer, or choose “Skip” or “I don't know”."
MOVED_ON = (
    "The conversation moved on in another window or device, so this answer was not saved. "
    "The current question is shown above; your text is still in the box: send it again if it answers "
    "this question, or change it."
)


def record_consent(session: Session, participant: Participant, given: bool, rubric: Rubric) -> Interview | None:
    """Record consent; on yes create the interview with its plan (idempotent), on no record only that."""
    existing = session.exec(select(Interview).where(Interview.participant_id == participant.id)).first()
    if existing is not None and existing.state != "declined":
        return existing
    session.add(Consent(participant_id=participant.id, given=given, version=CONSENT_VERSION))
    if not given:
        if existing is None:
            session.add(Interview(participant_id=participant.id, state="declined", plan=[]))
        session.commit()
        return None
    engagement = session.get(Engagement, participant.engagement_id)
    pulse = engagement.pulse_plan if engagement is not None else None
    plan = plan_for(rubric, participant.role_level, seed=participant.id or 0, pulse_plan=pulse)
    if existing is not None:
        existing.state, existing.plan = "in_progress", plan
        interview = existing
    else:
        interview = Interview(participant_id=participant.id, plan=plan)
    session.add(interview)
    try:
        session.commit()
    except IntegrityError:  # a double click created it already
        session.rollback()
        return session.exec(select(Interview).where(Interview.participant_id == participant.id)).one()
    return interview


# ``_hold``'s statements, built once: building and keying a statement costs more than running it
_ROW = update(Interview).where(Interview.id == bindparam("iid"))
_NEWEST = select(func.max(Turn.id)).where(Turn.interview_id == bindparam("iid"))
_LOCK = _ROW.values(updated_at=Interview.updated_at)  # writes nothing: the lock alone
_WRITE = _ROW.values(coverage=bindparam("new_coverage"), state=bindparam("new_state"), updated_at=bindparam("new_at"))
_LOCK_AND_CHECK = _LOCK.returning(_NEWEST.scalar_subquery())
_WRITE_AND_CHECK = _WRITE.returning(_NEWEST.scalar_subquery())


def _hold(session: Session, interview: Interview, turns: list[Turn], changes: RowChange | None = None) -> bool:
    """Take the interview's lock for this transaction, write ``changes`` to its row, and say whether
    ``turns`` are still all its turns.

    False (the transaction rolled back, the lock and ``changes`` undone) when another request wrote a
    turn since ``turns`` were read: what the caller decided on is out of date. The UPDATE must open
    the transaction (nothing written before it), so SQLite takes its write lock at once, waiting in
    its busy handler for a writer in another process, and reads the newest data after it. On True,
    ``changes`` are on ``interview`` as stored values (the commit writes them no second time).
    """
    expected = turns[-1].id if turns else None
    params: dict[str, object] = {"iid": interview.id}
    if changes is not None:
        params |= {"new_coverage": changes.coverage, "new_state": changes.state, "new_at": changes.updated_at}
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # one statement: SQLite takes the write lock before the statement reads, so the subquery sees
        # every committed turn
        latest = connection.execute(_LOCK_AND_CHECK if changes is None else _WRITE_AND_CHECK, params).scalar()
    else:
        # PostgreSQL evaluates a subquery with the snapshot taken before the row lock was waited for:
        # take the lock, then read in a statement of its own (a fresh snapshot under READ COMMITTED)
        connection.execute(_LOCK, params)
        latest = connection.execute(_NEWEST, params).scalar()
        if changes is not None and latest == expected:
            connection.execute(_WRITE, params)
    if latest != expected:
        session.rollback()
        return False
    if changes is not None:
        set_committed_value(interview, "coverage", changes.coverage)
        set_committed_value(interview, "state", changes.state)
        set_committed_value(interview, "updated_at", changes.updated_at)
    return True


@dataclass(frozen=True)
class RowChange:
    """What a reply changes on the interview row (written with its lock by ``_hold``)."""

    coverage: dict[str, dict[str, int]]
    state: str
    updated_at: datetime


def _assistant_turn(interview: Interview, kind: str, text: str, step: Step, engine: str, rubric: Rubric) -> Turn:
    component = rubric.question(step.question_id)[0].id if step.question_id else None
    return Turn(
        interview_id=interview.id,
        role="assistant",
        kind=kind,
        question_id=step.question_id,
        component=component,
        probe_index=step.probe_index if kind == "probe" else 0,
        text=text,
        engine=engine,
    )


def advance(
    session: Session,
    interview: Interview,
    rubric: Rubric,
    prober: Prober | None = None,
    relatedness: Callable[[str, str], float] | None = None,
    max_probes: int = 2,
    turns: list[Turn] | None = None,
) -> list[Turn]:
    """Write the interviewer's next message(s) after the latest staff turn; returns the new turns.

    Safe to call at any time: when the interviewer is waiting for an answer it writes nothing (no
    transaction is opened: the chat page calls it on every view).
    ``turns``: the interview's turns as just read or written in this session (saves re-reading them);
    read from the database when not given.
    """
    if interview.state not in ("in_progress", "review"):
        return []
    turns = load_turns(session, interview) if turns is None else turns
    step = next_step(interview.plan, turns, rubric, max_probes, relatedness)
    if step.kind == "await":
        return []
    new = _replies(interview, turns, step, rubric, prober or OfflineProber(rubric))
    # everything is decided before the lock is taken (the prober may call an LLM)
    covered = coverage(interview.plan, turns + new, rubric)
    state = "review" if step.kind == "done" else interview.state
    if not new and state == interview.state and covered == interview.coverage:
        return []  # done and already under review: nothing to write
    if not _hold(session, interview, turns, RowChange(covered, state, utcnow())):
        # another request replied meanwhile (a double submit served by two processes): decide again
        # on what is stored now, which usually means there is nothing left to write
        return advance(session, interview, rubric, prober, relatedness, max_probes)
    session.add_all(new)  # one flush at the commit writes every reply, in order
    session.commit()
    return new


def _replies(interview: Interview, turns: list[Turn], step: Step, rubric: Rubric, prober: Prober) -> list[Turn]:
    """The interviewer's turns for ``step`` (a follow-up; or an acknowledgement of the latest answer and
    the next question), not yet added to the session."""
    last_staff = next((t for t in reversed(turns) if t.role == "staff" and t.supersedes_id is None), None)
    if step.kind == "probe":
        comp, question = rubric.question(step.question_id)
        if step.instruction:
            probe = instruction_reply(rubric, question, comp.staff_label, step.probe_index)
        else:
            answer = last_staff.text if last_staff else ""
            probe = prober.probe(question, comp.staff_label, answer, step.reason or "short", step.probe_index)
        return [_assistant_turn(interview, "probe", probe.text, step, probe.engine, rubric)]
    new: list[Turn] = []
    if last_staff is not None and turns and turns[-1].role == "staff":
        ack = pick(rubric.probes.acknowledgements, f"{interview.id}:{last_staff.id}")
        if last_staff.kind == "skip":
            ack = "No problem, let's move on."
        elif last_staff.kind == "dont_know":
            ack = "That's fine, thank you for saying so."
        new.append(_assistant_turn(interview, "ack", ack, Step("ack", last_staff.question_id), "offline", rubric))
    if step.kind == "ask":
        _, question = rubric.question(step.question_id)
        new.append(_assistant_turn(interview, "question", question.text, step, "offline", rubric))
    return new


def _existing(session: Session, interview: Interview, client_turn_id: str) -> Turn | None:
    return session.exec(
        select(Turn).where(Turn.interview_id == interview.id, Turn.client_turn_id == client_turn_id)
    ).first()


# NUL and other control characters (not tab or line breaks): invisible, and unsafe in exports and logs
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_text(text: str, max_chars: int) -> str:
    """The answer as typed (never altered), or ``AnswerError`` when it is empty, too long or holds
    control characters (NUL and the like: the error's ``draft`` is the text without them, to check
    and send again; nothing is stored silently changed)."""
    if _CONTROL.search(text):
        raise AnswerError(
            "Your answer contained hidden control characters, which were removed. "
            "Please check the text in the box and send it again.",
            draft=_CONTROL.sub("", text),
        )
    if not text.strip():
        raise AnswerError(EMPTY_ANSWER)
    if len(text) > max_chars:
        raise AnswerError(
            f"Your answer is {len(text):,} characters; the limit is {max_chars:,}. "
            "Please shorten it (your text is still in the box)."
        )
    return text


def _staff_text(kind: str, text: str, max_chars: int) -> str:
    """What a staff turn stores: an answer as typed (``check_text`` refuses a bad one); "" for skip and don't know."""
    return check_text(text, max_chars) if kind == "answer" else ""


def _staff_turn(
    interview: Interview,
    kind: str,
    text: str,
    client_turn_id: str,
    question_id: str | None,
    component: str | None,
    probe_index: int,
    supersedes: Turn | None = None,
) -> Turn:
    """A staff turn (answer, skip or don't know) at its place in the conversation; ``supersedes``: the
    answer it edits (kept, and no longer shown or analysed)."""
    return Turn(
        interview_id=interview.id,
        role="staff",
        kind=kind,
        question_id=question_id,
        component=component,
        probe_index=probe_index,
        text=text,
        client_turn_id=client_turn_id,
        supersedes_id=supersedes.id if supersedes is not None else None,
    )


def respond(
    session: Session,
    interview: Interview,
    rubric: Rubric,
    kind: str,
    text: str,
    client_turn_id: str,
    max_chars: int,
    turns: list[Turn] | None = None,
    prompt_id: int | None = None,
) -> tuple[Turn, bool]:
    """Store the staff member's response to the current question; returns (turn, created).

    A repeated ``client_turn_id`` returns the stored turn (a double submit stores one turn: a
    repeat is found among ``turns``, and one racing in from a second request is stopped by the
    unique (interview, client_turn_id) constraint). The turn is committed before this returns.
    ``turns``: the interview's turns as read at the start of this request; read here when not given.
    ``prompt_id``: the interviewer turn (question or follow-up) the page showed; an answer to any other
    than the current one raises ``StaleAnswer`` and stores nothing (it would land under a question the
    person never saw). Forms from before this rule carry none and are taken as before.
    """
    if kind not in STAFF_KINDS:
        raise AnswerError("Unknown action.")
    if not client_turn_id or len(client_turn_id) > 64:
        raise AnswerError("This form is missing its id. Reload the page and try again.")
    if turns is None:
        turns = load_turns(session, interview)
    while True:
        existing = next((t for t in turns if t.client_turn_id == client_turn_id), None)
        if existing is not None:
            return existing, False
        if interview.state != "in_progress":
            raise AnswerError("This interview is not taking new answers. You can still review and edit your answers.")
        text = _staff_text(kind, text, max_chars)
        step = next_step(interview.plan, turns, rubric, max_probes=99)
        prompt = current_prompt(turns)
        if step.kind != "await" or (prompt_id is not None and (prompt is None or prompt.id != prompt_id)):
            raise StaleAnswer(MOVED_ON)
        if _hold(session, interview, turns):
            break
        # a turn was written since ``turns`` were read (this answer from a second request, or the
        # reply to it): decide again on what is stored now
        session.refresh(interview)
        turns = load_turns(session, interview)
    comp, _ = rubric.question(step.question_id)
    turn = _staff_turn(interview, kind, text, client_turn_id, step.question_id, comp.id, step.probe_index)
    session.add(turn)
    try:
        session.commit()
    except IntegrityError:  # the same client id raced in from a second request
        session.rollback()
        existing = _existing(session, interview, client_turn_id)
        if existing is None:
            raise
        return existing, False
    return turn, True


def edit(
    session: Session,
    interview: Interview,
    rubric: Rubric,
    turn_id: int,
    kind: str,
    text: str,
    client_turn_id: str,
    max_chars: int,
) -> Turn:
    """Replace an earlier answer (or a skip) with a new turn that supersedes it; the old one is kept."""
    if interview.state not in ("in_progress", "review"):
        raise AnswerError("This interview was submitted; answers can no longer be changed.")
    existing = _existing(session, interview, client_turn_id)
    if existing is not None:
        return existing
    original = session.get(Turn, turn_id)
    if original is None or original.interview_id != interview.id or original.role != "staff":
        raise AnswerError("That answer was not found in your interview.")
    turns = load_turns(session, interview)
    latest = latest_by_original(turns).get(original_of(turns, original.id))
    if latest is None:
        raise AnswerError("That answer was not found in your interview.")
    text = _staff_text(kind, text, max_chars)
    turn = _staff_turn(
        interview, kind, text, client_turn_id, latest.question_id, latest.component, latest.probe_index, latest
    )
    session.add(turn)
    session.flush()
    # evidence drawn from the replaced answer no longer counts
    for seg in session.exec(select(Segment).where(Segment.turn_id == latest.id)).all():
        seg.active = False
        session.add(seg)
    interview.coverage = coverage(interview.plan, load_turns(session, interview), rubric)
    interview.updated_at = utcnow()
    session.add(interview)
    session.commit()
    return turn


# the staff routes and the demo reach every interview operation through this module
__all__ = [
    "CONSENT_VERSION",
    "STAFF_KINDS",
    "AnswerError",
    "Conversation",
    "LinkError",
    "ReviewItem",
    "StaleAnswer",
    "advance",
    "check_text",
    "edit",
    "load",
    "load_turns",
    "open_for_turn",
    "participant_for_token",
    "record_consent",
    "respond",
    "review_items",
    "set_quote_consent",
    "submit",
    "withdraw",
]
