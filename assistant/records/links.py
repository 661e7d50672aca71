"""Linking a person's answers across two assessments of one organisation, only with their consent.

Rules:
- a participant of a follow-up is offered the link only when the assessment it follows has a
  participant with the same email address (invited by email, not withdrawn);
- ticking the box on the consent page records a linking consent (``Consent.purpose`` "link") on both
  of that person's participants, then the ``ParticipantLink``; the schema refuses a link without
  both consents (``models/followup.py``), so nothing links people who did not agree;
- a withdrawal on either side removes the link (``records/withdrawal.py``).
"""

from __future__ import annotations

from sqlmodel import Session, col, func, or_, select

from assistant.models import Consent, Engagement, Participant, ParticipantLink
from assistant.models.followup import LINK_PURPOSE

LINK_CONSENT_VERSION = "2026-12-link-v1"


def earlier_self(session: Session, participant: Participant) -> Participant | None:
    """The same person's participant in the assessment ``participant``'s engagement follows (by email), if any."""
    engagement = session.get(Engagement, participant.engagement_id)
    if engagement is None or engagement.previous_id is None or not participant.email:
        return None
    return session.exec(
        select(Participant).where(
            Participant.engagement_id == engagement.previous_id,
            func.lower(Participant.email) == participant.email.lower(),
            col(Participant.withdrawn_at).is_(None),
        )
    ).first()


def link_with_earlier(session: Session, participant: Participant) -> ParticipantLink | None:
    """Record the person's agreement on both participants and link them (None: nothing to link, or linked already)."""
    earlier = earlier_self(session, participant)
    if (
        earlier is None
        or session.exec(select(ParticipantLink).where(ParticipantLink.later_id == participant.id)).first()
    ):
        return None
    consents = [
        Consent(participant_id=p.id, given=True, version=LINK_CONSENT_VERSION, purpose=LINK_PURPOSE)
        for p in (earlier, participant)
    ]
    session.add_all(consents)
    session.flush()
    link = ParticipantLink(
        earlier_id=earlier.id,
        later_id=participant.id,
        earlier_consent_id=consents[0].id,
        later_consent_id=consents[1].id,
    )
    session.add(link)
    session.flush()
    return link


def unlink(session: Session, participant: Participant) -> int:
    """Remove every link naming ``participant`` (on withdrawal); returns how many."""
    rows = session.exec(
        select(ParticipantLink).where(
            or_(ParticipantLink.earlier_id == participant.id, ParticipantLink.later_id == participant.id)
        )
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)
