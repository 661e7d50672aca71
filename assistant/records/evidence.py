"""Which stored words count as evidence, as queries every stage and page shares, so a withdrawal or a
superseded answer drops out of every count at once.

- An answer can be evidence when it is a staff "answer" turn of a submitted interview by a person of
  the engagement who has not withdrawn (``submitted_answers``).
- A theme is live until it is archived (merged away, emptied, or replaced by a later run):
  ``live_themes``.
- A flow of the data-flow map counts when its author confirmed it and has not withdrawn
  (``counted_flows``); the roadmap reads the manual hand-offs among them (``manual_handoff_people``)
  without importing the map's stage, and the rating cites its manual bottlenecks as evidence
  (``records.handoffs.bottleneck_evidence``: one item per bottleneck described by at least k people, the rest pooled).
- A segment counts when it is active and its author has not withdrawn (``counted_segments``); a theme
  member counts when its segment does (``counted_members``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql import Select
from sqlmodel import Session, col, func, select

from assistant.embeddings import text_hash
from assistant.models import MANUAL_METHODS, Flow, Interview, Participant, Segment, Theme, ThemeMember, Turn


def submitted_answers(engagement_id: int, *columns: Any) -> Select:
    """A query for ``columns`` over the staff answer turns of submitted interviews by people of the
    engagement who have not withdrawn: the answers that can be evidence (synthesis narrows it to the
    latest answer per question; the staleness banner counts what arrived since a run)."""
    return (
        select(*columns)
        .join(Interview, Interview.id == Turn.interview_id)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(
            Participant.engagement_id == engagement_id,
            col(Participant.withdrawn_at).is_(None),
            Interview.state == "submitted",
            Turn.role == "staff",
            Turn.kind == "answer",
        )
    )


def counted_segments(*columns: Any, engagement_id: int | None = None) -> Select:
    """A query for ``columns`` over the segments that count: active, by a person who has not withdrawn
    (``Participant`` is joined, so callers may filter on it); only ``engagement_id``'s when given."""
    query = (
        select(*columns)
        .select_from(Segment)
        .join(Participant, Participant.id == Segment.participant_id)
        .where(col(Segment.active).is_(True), col(Participant.withdrawn_at).is_(None))
    )
    return query if engagement_id is None else query.where(Segment.engagement_id == engagement_id)


def counted_members(*columns: Any) -> Select:
    """A query for ``columns`` over theme members whose segment counts (``counted_segments``'s rule;
    ``Segment`` and ``Participant`` are joined)."""
    return (
        select(*columns)
        .select_from(ThemeMember)
        .join(Segment, Segment.id == ThemeMember.segment_id)
        .join(Participant, Participant.id == Segment.participant_id)
        .where(col(Segment.active).is_(True), col(Participant.withdrawn_at).is_(None))
    )


def live_themes(engagement_id: int, component: str | None = None, other: bool | None = None) -> Select:
    """A query for the engagement's live (not archived) themes, of ``component`` when given; ``other``
    True keeps only "other voices", False only real themes, None both."""
    query = select(Theme).where(Theme.engagement_id == engagement_id, col(Theme.archived).is_(False))
    if component is not None:
        query = query.where(Theme.component == component)
    return query if other is None else query.where(col(Theme.is_other).is_(other))


def segment_values(
    engagement_id: int, participant_id: int, component: str | None, start: int, text: str, **source: object
) -> dict[str, object]:
    """The column values of a new evidence segment of ``text`` found at ``start`` in its source (for a
    bulk insert; ``new_segment`` makes the row from them).

    The rules every source shares: the span ends where the text does, the text hash is the embedding
    cache's key, and the component a consultant may later change starts as the original one.
    ``source``: where it came from (``source="interview", turn_id=..., question_id=...`` or
    ``source="import", import_id=..., active=...``).
    """
    return {
        "engagement_id": engagement_id,
        "participant_id": participant_id,
        "start": start,
        "end": start + len(text),
        "text": text,
        "text_hash": text_hash(text),
        "component": component,
        "original_component": component,
        **source,
    }


def new_segment(
    engagement_id: int, participant_id: int, component: str | None, start: int, text: str, **source: object
) -> Segment:
    """A new evidence segment (``segment_values``' rules), not yet added to a session."""
    return Segment(**segment_values(engagement_id, participant_id, component, start, text, **source))


def counted_flows(engagement_id: int, *columns: Any) -> Select:
    """A query for ``columns`` over the engagement's confirmed flows by people who have not withdrawn
    (``Participant`` is joined)."""
    return (
        select(*columns)
        .select_from(Flow)
        .join(Participant, Participant.id == Flow.participant_id)
        .where(
            Flow.engagement_id == engagement_id, col(Flow.confirmed).is_(True), col(Participant.withdrawn_at).is_(None)
        )
    )


def manual_handoff_people(session: Session, engagement_id: int) -> int:
    """How many people describe at least one manual hand-off (re-typed, paper, email, export/import,
    shared drive) on the engagement's data-flow map: what raises the roadmap's priority for the
    activities that remove them (``addresses_handoffs`` in the rubric)."""
    query = counted_flows(engagement_id, func.count(func.distinct(Flow.participant_id))).where(
        col(Flow.method).in_(MANUAL_METHODS)
    )
    return int(session.exec(query).one())
