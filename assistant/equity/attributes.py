"""Optional self-described attributes: read from the consent form, stored only with consent.

Rules: only the engagement's configured attributes, only one of the offered answers; an empty
answer or "prefer not to say" stores nothing (the question is always skippable); nothing is
stored when the person declines the interview.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from assistant.equity.config import equity_settings
from assistant.models import Engagement, Participant

FIELD_PREFIX = "attr-"


def record_attributes(
    session: Session, participant: Participant, answers: Mapping[str, object], consented: bool
) -> dict[str, str]:
    """Store the answers the person gave (``answers``: by attribute key, as the consent page's
    ``FIELD_PREFIX + key`` fields post them; see the module rules); returns what was stored."""
    engagement = session.get(Engagement, participant.engagement_id)
    if not consented or engagement is None:
        return {}
    stored: dict[str, str] = {}
    for attribute in equity_settings(engagement).attributes:
        answer = answers.get(attribute.key)
        if isinstance(answer, str) and answer in attribute.options:
            stored[attribute.key] = answer
    if stored:
        participant.attributes = {**(participant.attributes or {}), **stored}
        session.add(participant)
        session.commit()
    return stored
