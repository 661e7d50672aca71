"""Segments for synthesis: the stable segments of the staff answers that count as evidence, and the re-tagging of a
segment that clearly belongs to another component.

Rules:
- Evidence is every staff "answer" turn (probe answers included) that no later turn supersedes,
  from submitted interviews of participants who have not withdrawn, plus imported rows.
- Withdrawn participants' segments (and superseded turns' segments) are set inactive and never
  enter a run; an inactive segment leaves every theme at once.
- Segments are stable: the same turn and span give the same Segment row, so E-<id> citations
  survive re-runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import insert
from sqlmodel import Session, col, select

from assistant.embeddings import Embedder, embed_cached
from assistant.models import Participant, Segment, ThemeMember, Turn
from assistant.records.evidence import segment_values, submitted_answers
from assistant.rubric import Rubric
from assistant.sentences import is_non_answer
from assistant.synthesis.segment import segment

RETAG_MARGIN = 0.15  # how much closer to another component's description a segment must be to move
RETAG_MIN = 0.45  # and how close in absolute terms ("clearly belongs")


def active_segments(session: Session, engagement_id: int) -> list[Segment]:
    """The engagement's active segments (the evidence of a run), oldest first."""
    return list(
        session.exec(
            select(Segment)
            .where(Segment.engagement_id == engagement_id, col(Segment.active).is_(True))
            .order_by(Segment.id)
        ).all()
    )


def _evidence_turns(session: Session, engagement_id: int) -> list[tuple[Turn, Participant]]:
    superseded = select(Turn.supersedes_id).where(col(Turn.supersedes_id).is_not(None))
    query = submitted_answers(engagement_id, Turn, Participant).where(
        col(Turn.component).is_not(None), col(Turn.id).not_in(superseded)
    )
    return list(session.exec(query.order_by(Turn.id)).all())


def refresh_segments(
    session: Session, engagement_id: int, mode: str = "answer", counted: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Create segments for new evidence and deactivate segments that are no longer evidence.

    Returns counts: created, reactivated, deactivated, non_answers (skipped, per rule above).
    ``counted(done, total)`` hears how many answers are segmented, every 500.
    """
    stats = {"created": 0, "deactivated": 0, "reactivated": 0, "non_answers": 0}
    existing = session.exec(select(Segment).where(Segment.engagement_id == engagement_id)).all()
    by_key = {(s.turn_id, s.start, s.end): s for s in existing if s.turn_id is not None}
    keep: set[int] = set()
    created: list[dict[str, object]] = []
    turns = _evidence_turns(session, engagement_id)
    for done, (turn, participant) in enumerate(turns, start=1):
        if counted is not None and (done % 500 == 0 or done == len(turns)):
            counted(done, len(turns))
        for span in segment(turn.text, mode):
            if is_non_answer(span.text):
                stats["non_answers"] += 1
                continue
            seg = by_key.get((turn.id, span.start, span.end))
            if seg is None:
                created.append(
                    segment_values(
                        engagement_id,
                        participant.id,
                        turn.component,
                        span.start,
                        span.text,
                        source="interview",
                        turn_id=turn.id,
                        question_id=turn.question_id,
                    )
                )
                continue
            if not seg.active:
                seg.active = True
                session.add(seg)
                stats["reactivated"] += 1
            keep.add(seg.id)
    if created:  # one bulk insert: building an ORM row per segment was most of this stage's time
        session.execute(insert(Segment), created)
    stats["created"] = len(created)
    stats["deactivated"] = _deactivate(session, engagement_id, existing, keep)
    return stats


def _deactivate(session: Session, engagement_id: int, existing: Sequence[Segment], keep: set[int]) -> int:
    """Sets inactive the ``existing`` segments no longer evidence (not in ``keep``, or their person withdrew)
    and releases every inactive segment from its theme at once, so no page can show it. Returns how many
    segments went inactive."""
    withdrawn = set(
        session.exec(
            select(Participant.id).where(
                Participant.engagement_id == engagement_id, col(Participant.withdrawn_at).is_not(None)
            )
        ).all()
    )
    count = 0
    for seg in existing:
        gone = (seg.source != "import" and seg.id not in keep) or seg.participant_id in withdrawn
        if gone and seg.active:
            seg.active = False
            session.add(seg)
            count += 1
    inactive = select(Segment.id).where(Segment.engagement_id == engagement_id, col(Segment.active).is_(False))
    for member in session.exec(select(ThemeMember).where(col(ThemeMember.segment_id).in_(inactive))).all():
        session.delete(member)
    return count


def retag(
    session: Session, segments: list[Segment], vectors: np.ndarray, embedder: Embedder, rubric: Rubric | None
) -> int:
    """Move segments that clearly belong to another component (original kept). Returns how many moved."""
    if rubric is None or not segments:
        return 0
    comps = [c for c in rubric.components]
    # the descriptions' vectors are read back from the cache after the first run (the rubric rarely changes)
    desc, _ = embed_cached(session, embedder, [f"{c.name}: {c.description}" for c in comps])
    index = {c.id: i for i, c in enumerate(comps)}
    sims = vectors @ desc.T
    moved = 0
    for seg, row in zip(segments, sims, strict=False):
        if seg.component != seg.original_component or seg.original_component not in index:
            continue  # already moved (by a consultant or an earlier run)
        own = row[index[seg.original_component]]
        best = int(np.argmax(row))
        if comps[best].id != seg.component and row[best] >= RETAG_MIN and row[best] - own >= RETAG_MARGIN:
            seg.component = comps[best].id
            session.add(seg)
            moved += 1
    return moved
