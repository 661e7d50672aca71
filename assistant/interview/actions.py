"""Interview persistence: consent, answers, probes, edits, submission and withdrawal.

Every staff turn is committed before anything else happens (the interviewer's reply is written
in a second transaction), so a crash after an answer loses nothing and ``advance`` resumes.

Several app processes may serve the same interview at once (a double submit, two tabs, a retry
after a restart). Each write of turns first takes the interview's row lock in the database
(``_hold``: a no-op UPDATE, a row lock on PostgreSQL and the write lock on SQLite, released at
commit) and then checks that no turn was written since the turns it decided on were read; if one
was, it decides again on what is stored now. No lock lives in a process.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from assistant.interview.engine import Step, coverage, current_prompt, effective_staff_turns, next_step, question_states
from assistant.interview.guide import plan_for
from assistant.interview.probes import OfflineProber, Prober, instruction_reply, pick
from assistant.models import Consent, Engagement, Interview, Participant, Segment, Turn, utcnow
from assistant.rubric import Rubric
from assistant.security import audit, token_hash

CONSENT_VERSION = "2026-11-v1"
STAFF_KINDS = ("answer", "skip", "dont_know")


class LinkError(Exception):
    """An interview link that cannot be used: ``status`` 404 (unknown) or 410 (expired, withdrawn)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class AnswerError(ValueError):
    """A staff submission that cannot be stored as it is; the message says what to change.

    ``draft``: the text to put back in the answer box when it is not what was sent (control
    characters removed); None means the text as sent.
    """

    def __init__(self, message: str, draft: str | None = None) -> None:
        super().__init__(message)
        self.draft = draft


class StaleAnswer(AnswerError):
    """An answer sent from a page that showed an earlier question (another tab or device moved on).

    Nothing is stored: the person is shown the current question with their text kept in the box.
    """


EMPTY_ANSWER = "Please type an answer, or choose “Skip” or “I don't know”."
MOVED_ON = (
    "The conversation moved on in another window or device, so this answer was not saved. "
    "The current question is shown above; your text is still in the box: send it again if it answers "
    "this question, or change it."
)


@dataclass
class Conversation:
    """Everything a staff page needs: who, the interview, its turns and what happens next."""

    participant: Participant
    engagement: Engagement
    interview: Interview | None
    turns: list[Turn]
    consent: Consent | None


def participant_for_token(session: Session, token: str) -> Participant:
    """The participant behind a personal link, or ``LinkError`` (unknown, expired, withdrawn)."""
    participant = session.exec(select(Participant).where(Participant.token_hash == token_hash(token))).first()
    return _usable(participant)


def _usable(participant: Participant | None) -> Participant:
    """``participant`` when its link may be used now; ``LinkError`` when unknown, withdrawn or expired."""
    if participant is None:
        raise LinkError(
            404,
            "We could not find an interview for this link. Check that you copied the whole link from your invitation.",
        )
    if participant.withdrawn_at is not None:
        raise LinkError(
            410, "You withdrew from this assessment, and your answers are no longer used. Thank you for your time."
        )
    if participant.expires_at is not None and participant.expires_at < utcnow():
        raise LinkError(410, "This interview link has expired. Ask the person who invited you for a new one.")
    return participant


def open_for_turn(session: Session, token: str) -> tuple[Participant, Interview | None, list[Turn]]:
    """The participant behind a link (``LinkError`` as ``participant_for_token``), its interview and turns.

    What a staff turn needs and nothing more, in two queries (participant joined with interview,
    then the turns): the engagement and the consent are not read on this hot path.
    """
    row = session.exec(
        select(Participant, Interview)
        .outerjoin(Interview, Interview.participant_id == Participant.id)
        .where(Participant.token_hash == token_hash(token))
    ).first()
    participant = _usable(row[0] if row else None)
    interview = row[1] if row else None
    return participant, interview, load_turns(session, interview) if interview else []


def load(session: Session, participant: Participant) -> Conversation:
    """The whole conversation of ``participant``: engagement, interview, turns in order, latest consent."""
    engagement = session.get(Engagement, participant.engagement_id)
    interview = session.exec(select(Interview).where(Interview.participant_id == participant.id)).first()
    turns = load_turns(session, interview) if interview else []
    consent = session.exec(
        select(Consent).where(Consent.participant_id == participant.id).order_by(Consent.id.desc())
    ).first()
    return Conversation(participant, engagement, interview, turns, consent)


def load_turns(session: Session, interview: Interview) -> list[Turn]:
    """The interview's turns in the order they were written."""
    return list(session.exec(select(Turn).where(Turn.interview_id == interview.id).order_by(Turn.id)).all())


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
    plan = plan_for(rubric, participant.role_level, seed=participant.id or 0)
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


def _hold(session: Session, interview: Interview, turns: list[Turn]) -> bool:
    """Take the interview's lock for this transaction and say whether ``turns`` are still all its turns.

    False (the transaction rolled back, the lock released) when another request wrote a turn since
    ``turns`` were read: what the caller decided on is out of date. The no-op UPDATE must open the
    transaction (nothing written before it), so SQLite takes its write lock at once, waiting in its
    busy handler for a writer in another process, and reads the newest data after it.
    """
    session.connection().execute(
        update(Interview).where(Interview.id == interview.id).values(updated_at=Interview.updated_at)
    )
    latest = session.exec(select(func.max(Turn.id)).where(Turn.interview_id == interview.id)).one()
    if latest != (turns[-1].id if turns else None):
        session.rollback()
        return False
    return True


def _assistant_turn(
    session: Session, interview: Interview, kind: str, text: str, step: Step, engine: str, rubric: Rubric
) -> Turn:
    component = rubric.question(step.question_id)[0].id if step.question_id else None
    turn = Turn(
        interview_id=interview.id,
        role="assistant",
        kind=kind,
        question_id=step.question_id,
        component=component,
        probe_index=step.probe_index if kind == "probe" else 0,
        text=text,
        engine=engine,
    )
    session.add(turn)
    session.flush()
    return turn


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

    Safe to call at any time: when the interviewer is waiting for an answer it writes nothing.
    ``turns``: the interview's turns as just read or written in this session (saves re-reading them);
    read from the database when not given.
    """
    if interview.state not in ("in_progress", "review"):
        return []
    prober = prober or OfflineProber(rubric)
    turns = load_turns(session, interview) if turns is None else turns
    step = next_step(interview.plan, turns, rubric, max_probes, relatedness)
    last_staff = next((t for t in reversed(turns) if t.role == "staff" and t.supersedes_id is None), None)
    probe = None
    if step.kind == "probe":  # the prober may call an LLM: before the interview's lock is taken
        comp, question = rubric.question(step.question_id)
        if step.instruction:
            probe = instruction_reply(rubric, question, comp.name, step.probe_index)
        else:
            answer = last_staff.text if last_staff else ""
            probe = prober.probe(question, comp.name, answer, step.reason or "short", step.probe_index)
    if step.kind != "await" and not _hold(session, interview, turns):
        # another request replied meanwhile (a double submit served by two processes): decide again
        # on what is stored now, which usually means there is nothing left to write
        return advance(session, interview, rubric, prober, relatedness, max_probes)
    new: list[Turn] = []
    if probe is not None:
        new.append(_assistant_turn(session, interview, "probe", probe.text, step, probe.engine, rubric))
    elif step.kind in ("ask", "done"):
        if last_staff is not None and turns and turns[-1].role == "staff":
            ack = pick(rubric.probes.acknowledgements, f"{interview.id}:{last_staff.id}")
            if last_staff.kind == "skip":
                ack = "No problem, let's move on."
            elif last_staff.kind == "dont_know":
                ack = "That's fine, thank you for saying so."
            new.append(
                _assistant_turn(session, interview, "ack", ack, Step("ack", last_staff.question_id), "offline", rubric)
            )
        if step.kind == "ask":
            _, question = rubric.question(step.question_id)
            new.append(_assistant_turn(session, interview, "question", question.text, step, "offline", rubric))
        else:
            interview.state = "review"
    all_turns = turns + new
    interview.coverage = coverage(interview.plan, all_turns, rubric)
    interview.updated_at = utcnow()
    session.add(interview)
    session.commit()
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
        if kind == "answer":
            text = check_text(text, max_chars)
        else:
            text = ""
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
    turn = Turn(
        interview_id=interview.id,
        role="staff",
        kind=kind,
        question_id=step.question_id,
        component=comp.id,
        probe_index=step.probe_index,
        text=text,
        client_turn_id=client_turn_id,
    )
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
    current = {t.supersedes_id or t.id: t for t in effective_staff_turns(load_turns(session, interview))}
    root = original
    while root.supersedes_id is not None:
        root = session.get(Turn, root.supersedes_id)
    latest = current.get(root.id)
    if latest is None:
        raise AnswerError("That answer was not found in your interview.")
    if kind == "answer":
        text = check_text(text, max_chars)
    else:
        text = ""
    turn = Turn(
        interview_id=interview.id,
        role="staff",
        kind=kind,
        question_id=latest.question_id,
        component=latest.component,
        probe_index=latest.probe_index,
        text=text,
        client_turn_id=client_turn_id,
        supersedes_id=latest.id,
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
    audit(
        session,
        "interview.submit",
        actor=f"participant P-{participant.id}",
        engagement_id=participant.engagement_id,
        entity=f"interview:{interview.id}",
        before={"state": before},
        after={"state": "submitted"},
    )
    session.commit()


def set_quote_consent(session: Session, participant: Participant, allowed: bool) -> None:
    """Record whether the participant agrees to be quoted (without their name) in the report.

    Only people who agreed are ever quoted in a report or export; changeable at any time. Audited."""
    if participant.quote_consent == allowed:
        return
    before = participant.quote_consent
    participant.quote_consent = allowed
    session.add(participant)
    audit(
        session,
        "participant.quote_consent",
        actor=f"participant P-{participant.id}",
        engagement_id=participant.engagement_id,
        entity=f"participant:{participant.id}",
        before={"quote_consent": before},
        after={"quote_consent": allowed},
    )
    session.commit()


def withdraw(session: Session, participant: Participant, interview: Interview | None) -> None:
    """Withdraw: the participant's answers leave all later synthesis (segments deactivated now)."""
    participant.withdrawn_at = utcnow()
    session.add(participant)
    before = interview.state if interview else None
    if interview is not None:
        interview.state = "withdrawn"
        interview.updated_at = utcnow()
        session.add(interview)
    for seg in session.exec(select(Segment).where(Segment.participant_id == participant.id)).all():
        seg.active = False
        session.add(seg)
    audit(
        session,
        "participant.withdraw",
        actor=f"participant P-{participant.id}",
        engagement_id=participant.engagement_id,
        entity=f"participant:{participant.id}",
        before={"state": before},
        after={"state": "withdrawn"},
    )
    session.commit()


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
        items.append(ReviewItem(qid, comp.id, comp.name, question.text, states[qid].status, answers, probes))
    return items
