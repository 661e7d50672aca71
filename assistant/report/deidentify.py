"""What may leave the consulting team in a report or export: names replaced, quotes only with consent.

Rules:
- every staff text shown in a report or export passes ``deidentify``: emails, phone numbers and
  the engagement's names (the roster names in its settings and the names in invite emails) are
  replaced, names by "[colleague]" (``assistant.privacy.redact`` does the matching; a helper
  elsewhere is building wider name detection, which will plug in here);
- a quote is used only when its author agreed to be quoted (``Participant.quote_consent``), has
  not withdrawn, and the segment is still active (``quotable``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session, col, select

from assistant.engagements import settings_of
from assistant.evidence import counted_segments
from assistant.models import Engagement, Participant, Segment
from assistant.privacy import NAME, redact

COLLEAGUE = "[colleague]"


def engagement_names(session: Session, engagement: Engagement) -> list[str]:
    """Names that must not appear in a report: the roster names and the names in invite emails
    ("maria.lopez@city.gov" gives "Maria" and "Lopez")."""
    names = [n for n in settings_of(engagement).roster_names if n.strip()]
    emails = session.exec(
        select(Participant.email).where(Participant.engagement_id == engagement.id, col(Participant.email).is_not(None))
    ).all()
    for email in emails:
        local = str(email).split("@", 1)[0]
        parts = [p for p in re.split(r"[._\-+0-9]+", local) if len(p) >= 3 and p.isalpha()]
        if len(parts) >= 2:  # "jsmith" alone is not a name we can tell from a word
            names.extend(p.capitalize() for p in parts)
            names.append(" ".join(p.capitalize() for p in parts))
    return sorted(set(names))


def deidentify(text: str, names: Iterable[str]) -> str:
    """``text`` with emails, phone numbers and the given names replaced (names by "[colleague]")."""
    return redact(text or "", names).replace(NAME, COLLEAGUE)


def quotable(session: Session, engagement_id: int, segment_ids: Iterable[int]) -> dict[int, Segment]:
    """{id: segment} for the ids whose author agreed to be quoted and has not withdrawn, and whose
    segment is still active; every other id is left out."""
    ids = sorted({int(i) for i in segment_ids})
    if not ids:
        return {}
    rows = session.exec(
        counted_segments(Segment, engagement_id=engagement_id).where(
            col(Segment.id).in_(ids), col(Participant.quote_consent).is_(True)
        )
    ).all()
    return {s.id: s for s in rows}
