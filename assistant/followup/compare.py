"""What changed between two assessments of one organisation, read from stored rows.

Rules:
- levels: per component, each assessment's decided level, compared only when both were decided
  against the same rubric version (``Engagement.rubric_version``); otherwise shown apart, with a note;
- themes: each component's live top themes (not "other voices") matched by their centres
  (``match.py``): the centroid synthesis stored on the ``Theme`` row, or, for a theme made by hand,
  the mean of its counted segments' cached embeddings; the consultant's corrections (``ThemeMatch``
  rows) win; a change is reported only beyond ``margin``, the re-run noise measured on the same
  data (``noise`` on the page; ``match.DEFAULT_MARGIN`` until measured);
- people: a theme's people are the distinct people (not withdrawn) whose counted segments it holds,
  of the people heard on that component; every figure leaves here raw and is suppressed by whoever
  shows it (``suppression.count_or_none`` / ``difference_or_none`` with the engagement's k);
- roadmap: the later assessment's roadmap (carried over with its progress), each item's status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlmodel import Session, col, func, select

from assistant.followup.match import DEFAULT_MARGIN, THRESHOLD, Change, Correction, ThemeSide, match
from assistant.followup.progress import tracked_items
from assistant.models import Embedding, Engagement, Segment, Theme, ThemeMatch, ThemeMember, User
from assistant.records.evidence import counted_members, counted_segments, live_themes
from assistant.records.review import ReviewError, decided_levels
from assistant.rubric import Rubric
from assistant.security import audit_by


@dataclass(frozen=True)
class LevelRow:
    component: str
    name: str
    a: int | None
    b: int | None


@dataclass(frozen=True)
class RoadmapRow:
    key: str
    title: str
    component: str
    status: str
    owner: str
    done_at: datetime | None


@dataclass(frozen=True)
class Comparison:
    """Two assessments side by side: levels (``comparable`` False: different rubric versions), theme
    changes per component with each side's themes, the roadmap between them, and the margin used."""

    a: Engagement
    b: Engagement
    comparable: bool
    levels: list[LevelRow]
    changes: dict[str, list[Change]]
    themes: dict[int, ThemeSide]  # every theme on either side, by id
    labels: dict[int, str]
    roadmap: list[RoadmapRow]
    margin: float
    threshold: float = THRESHOLD
    notes: list[str] = field(default_factory=list)


def _centres(session: Session, themes: list[Theme]) -> dict[int, np.ndarray]:
    """Each theme's unit centre: its stored centroid, else the mean of its counted segments' cached embeddings."""
    out = {t.id: np.frombuffer(t.centroid, dtype=np.float32) for t in themes if t.centroid}
    for theme in themes:
        if theme.id in out:
            continue
        hashes = session.exec(counted_members(Segment.text_hash).where(ThemeMember.theme_id == theme.id)).all()
        vectors = session.exec(select(Embedding.vector).where(col(Embedding.text_hash).in_(hashes))).all()
        if vectors:
            mean = np.mean([np.frombuffer(v, dtype=np.float32) for v in vectors], axis=0)
            out[theme.id] = mean / (np.linalg.norm(mean) or 1.0)
    return out


def theme_sides(session: Session, engagement_id: int, component: str) -> tuple[list[ThemeSide], dict[int, str]]:
    """The component's live top themes as matching reads them (a theme with no centre is left out),
    and every theme's label."""
    themes = [t for t in session.exec(live_themes(engagement_id, component, other=False)) if t.parent_id is None]
    centres = _centres(session, themes)
    heard = session.exec(
        counted_segments(func.count(func.distinct(Segment.participant_id)), engagement_id=engagement_id).where(
            Segment.component == component
        )
    ).one()
    people = dict(
        session.exec(
            counted_members(ThemeMember.theme_id, func.count(func.distinct(Segment.participant_id)))
            .where(col(ThemeMember.theme_id).in_([t.id for t in themes]))
            .group_by(ThemeMember.theme_id)
        ).all()
    )
    sides = [ThemeSide(t.id, t.label, centres[t.id], people.get(t.id, 0), heard) for t in themes if t.id in centres]
    return sides, {t.id: t.label for t in themes}


def corrections(session: Session, a: Engagement, b: Engagement) -> list[Correction]:
    """The consultant's matches between ``a``'s and ``b``'s themes, newest first (the newest wins)."""
    rows = session.exec(
        select(ThemeMatch)
        .where(ThemeMatch.engagement_id == b.id, ThemeMatch.previous_id == a.id)
        .order_by(col(ThemeMatch.id).desc())
    ).all()
    return [Correction(r.a_theme_id, r.b_theme_id) for r in rows]


def level_rows(session: Session, a: Engagement, b: Engagement, rubric: Rubric) -> list[LevelRow]:
    """Each rubric component's decided level in ``a`` and in ``b`` (None: none decided)."""
    da, db = decided_levels(session, a.id), decided_levels(session, b.id)
    return [LevelRow(c.id, c.name, da.get(c.id), db.get(c.id)) for c in rubric.components]


def same_rubric(a: Engagement, b: Engagement) -> bool:
    """Whether the two assessments' levels were decided against the same rubric version (a version not
    recorded, from before follow-ups existed, counts as the other's)."""
    return not a.rubric_version or not b.rubric_version or a.rubric_version == b.rubric_version


def roadmap_rows(session: Session, b: Engagement) -> list[RoadmapRow]:
    """The later assessment's roadmap items with their status, owner and when they were done."""
    owners = dict(session.exec(select(User.id, User.email)).all())
    return [
        RoadmapRow(
            t.item.key,
            t.item.title,
            t.item.component,
            t.status,
            owners.get(t.owner_id, t.item.owner) if t.owner_id else t.item.owner,
            t.done_at,
        )
        for t in tracked_items(session, b)
    ]


def compare(
    session: Session,
    a: Engagement,
    b: Engagement,
    rubric: Rubric,
    *,
    margin: float = DEFAULT_MARGIN,
    threshold: float = THRESHOLD,
) -> Comparison:
    """``a`` (earlier) and ``b`` (later) side by side (see the module rules)."""
    fixes = corrections(session, a, b)
    changes: dict[str, list[Change]] = {}
    themes: dict[int, ThemeSide] = {}
    labels: dict[int, str] = {}
    for comp in rubric.components:
        side_a, labels_a = theme_sides(session, a.id, comp.id)
        side_b, labels_b = theme_sides(session, b.id, comp.id)
        themes.update({t.id: t for t in side_a + side_b})
        labels.update(labels_a | labels_b)
        if side_a or side_b:
            changes[comp.id] = match(side_a, side_b, threshold=threshold, margin=margin, corrections=fixes)
    comparable = same_rubric(a, b)
    notes = (
        []
        if comparable
        else [
            f"The levels were decided against different rubric versions ({a.rubric_version} and "
            f"{b.rubric_version}): they are shown apart, not compared."
        ]
    )
    return Comparison(
        a,
        b,
        comparable,
        level_rows(session, a, b, rubric),
        changes,
        themes,
        labels,
        roadmap_rows(session, b),
        margin,
        threshold,
        notes,
    )


def correct_match(
    session: Session, a: Engagement, b: Engagement, a_theme_id: int | None, b_theme_id: int | None, user: User
) -> ThemeMatch:
    """Record the consultant's match: ``a_theme_id`` (of ``a``) is ``b_theme_id`` (of ``b``); either None
    for gone or appeared. Earlier corrections naming either theme give way. Audited."""
    if a_theme_id is None and b_theme_id is None:
        raise ReviewError("choose a theme of at least one of the two assessments")
    for theme_id, engagement in ((a_theme_id, a), (b_theme_id, b)):
        if theme_id is not None:
            theme = session.get(Theme, theme_id)
            if theme is None or theme.engagement_id != engagement.id or theme.archived:
                raise ReviewError("that theme is not a live theme of this assessment; reload the comparison")
    for old in session.exec(select(ThemeMatch).where(ThemeMatch.engagement_id == b.id, ThemeMatch.previous_id == a.id)):
        if (a_theme_id is not None and old.a_theme_id == a_theme_id) or (
            b_theme_id is not None and old.b_theme_id == b_theme_id
        ):
            session.delete(old)
    row = ThemeMatch(
        engagement_id=b.id,
        previous_id=a.id,
        a_theme_id=a_theme_id,
        b_theme_id=b_theme_id,
        change="same" if a_theme_id and b_theme_id else "gone" if a_theme_id else "appeared",
        corrected_by=user.id,
    )
    session.add(row)
    session.flush()
    audit_by(
        session,
        "compare.match",
        user,
        role="consultant",
        engagement_id=b.id,
        entity=f"engagement:{a.id}",
        after={"a_theme": a_theme_id, "b_theme": b_theme_id},
    )
    return row
