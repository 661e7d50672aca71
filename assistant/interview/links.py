"""From a staff link to its conversation: the participant behind a token (or why the link cannot be used),
its interview and turns, loaded for a page or for one staff turn."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, select

from assistant.interview.errors import LinkError
from assistant.models import Consent, Engagement, Interview, Participant, Turn, utcnow
from assistant.security import token_hash


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


# the staff turn's two reads, built once (building and keying a statement costs as much as running it)
_WITH_INTERVIEW = (
    select(Participant, Interview)
    .outerjoin(Interview, Interview.participant_id == Participant.id)
    .where(Participant.token_hash == bindparam("token_hash"))
)
_TURNS = select(Turn).where(Turn.interview_id == bindparam("interview_id")).order_by(Turn.id)


def open_for_turn(session: Session, token: str) -> tuple[Participant, Interview | None, list[Turn]]:
    """The participant behind a link (``LinkError`` as ``participant_for_token``), its interview and turns.

    What a staff turn needs and nothing more, in two queries (participant joined with interview,
    then the turns): the engagement and the consent are not read on this hot path.
    """
    row = session.exec(_WITH_INTERVIEW, params={"token_hash": token_hash(token)}).first()
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
    return list(session.exec(_TURNS, params={"interview_id": interview.id}).all())
