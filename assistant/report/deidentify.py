"""What may leave the consulting team in a report or export: quotes only with consent.

Rules:
- every staff text shown in a report or export passes the engagement's scrubber
  (``assistant.records.engagements.scrubber_for``: its names, invitees' names, the named-entity model, emails,
  phones, street addresses), the same one every page uses;
- a quote is used only when its author agreed to be quoted (``Participant.quote_consent``), has
  not withdrawn, and the segment is still active (``quotable``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col

from assistant.models import Participant, Segment
from assistant.records.evidence import counted_segments

COLLEAGUE = "[colleague]"


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
