"""What changed between two assessments of one organisation, read from stored rows.

Rules:
- levels: per component, each assessment's decided level, compared only when both were decided
  against the same rubric version (``Engagement.rubric_version``); otherwise shown apart, with a note;
- themes: each component's live top themes (not "other voices") matched by their centres
  (``match.py``): the centroid synthesis stored on the ``Theme`` row, or, for a theme made by hand,
  the mean of its counted segments' cached embeddings; the consultant's corrections (``ThemeMatch``
  rows) win; a change is reported only beyond ``margin``, the re-run noise measured on the same
  data (``noise`` on the page; ``match.DEFAULT_MARGIN`` until measured);
- stored: the matches are computed once and kept (``StoredMatch``) under a ``stamp`` of what they
  were computed from; a re-synthesis or curation of either assessment's themes, or a new correction,
  changes the stamp and the next read matches again;
- people: a theme's people are the distinct people (not withdrawn) whose counted segments it holds,
  of the people heard on that component; every figure leaves here raw and is suppressed by whoever
  shows it (``suppression.count_or_none`` / ``difference_or_none`` with the engagement's k);
- roadmap: the later assessment's roadmap (carried over with its progress), each item's status;
- questions: per indicator of each question both asked in the same words under one rubric version,
  the share of answers supporting it then and now with Cohen's h (``questions.py``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

from assistant.db import insert_unless_stored
from assistant.followup.match import (
    DEFAULT_MARGIN,
    THRESHOLD,
    Change,
    Correction,
    ThemeSide,
    match,
    size_change,
)
from assistant.followup.progress import tracked_items
from assistant.followup.questions import QuestionChange, question_changes
from assistant.models import (
    Embedding,
    Engagement,
    Run,
    Segment,
    StoredMatch,
    Theme,
    ThemeMatch,
    ThemeMember,
    User,
    utcnow,
)
from assistant.records.engagements import min_cell_of
from assistant.records.evidence import counted_members, counted_segments, live_themes
from assistant.records.review import ReviewError, decided_levels
from assistant.rubric import Rubric
from assistant.security import audit_by

log = logging.getLogger("dm3.followup")
PAIR = "pair"  # a stored one-to-one match; grew, shrank or same is decided on each read
SIZES = ("grew", "shrank", "same")


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
    questions: list[QuestionChange] = field(default_factory=list)  # raw: ``questions.shown`` suppresses

    @property
    def k(self) -> int:
        """The threshold for a figure about both assessments (a wave, or a change between them): the
        larger of the two engagements' own k, so neither side's groups are shown below its own."""
        return max(min_cell_of(self.a), min_cell_of(self.b))


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


def _counted_themes(session: Session, engagement_id: int, component: str) -> tuple[list[Theme], dict[int, int], int]:
    """The component's live top themes (not "other voices"), the people voicing each, and people heard."""
    themes = [t for t in session.exec(live_themes(engagement_id, component, other=False)) if t.parent_id is None]
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
    return themes, people, heard


def theme_sides(
    session: Session, engagement_id: int, component: str, *, centres: bool = True
) -> tuple[list[ThemeSide], dict[int, str]]:
    """The component's live top themes as matching reads them (with ``centres``: a theme with no centre
    is left out; without, every theme, its centre None: for reading stored matches), and every label."""
    themes, people, heard = _counted_themes(session, engagement_id, component)
    found = _centres(session, themes) if centres else {t.id: None for t in themes}
    sides = [ThemeSide(t.id, t.label, found[t.id], people.get(t.id, 0), heard) for t in themes if t.id in found]
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
    """``a`` (earlier) and ``b`` (later) side by side (see the module rules); the theme matches are
    read from ``StoredMatch`` rows while their stamp holds, else matched and stored (``stored_matches``)."""
    changes, themes, labels = stored_matches(session, a, b, rubric, margin=margin, threshold=threshold)
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
        question_changes(session, a, b, rubric, same_version=comparable),
    )


# --- the matches, stored when first computed ------------------------------------------------

Matches = tuple[dict[str, list[Change]], dict[int, ThemeSide], dict[int, str]]


def stamp(session: Session, a: Engagement, b: Engagement, threshold: float) -> str:
    """What the stored matches of ``a`` and ``b`` were computed from, as a digest: each side's latest
    finished synthesis run and live top themes (id, component, centroid; for a theme made by hand, which
    has no stored centroid, its counted segments), the consultant's corrections and the threshold. A
    re-synthesis, a curation or a correction changes it."""
    digest = hashlib.sha256(f"threshold={threshold!r}".encode())
    for engagement in (a, b):
        run = session.exec(
            select(func.max(Run.id)).where(
                Run.engagement_id == engagement.id, Run.kind == "synthesis", Run.status == "done"
            )
        ).one()
        themes = session.exec(
            live_themes(engagement.id, other=False).where(col(Theme.parent_id).is_(None)).order_by(col(Theme.id))
        ).all()
        by_hand = [t.id for t in themes if not t.centroid]
        members = session.exec(
            counted_members(ThemeMember.theme_id, Segment.id)
            .where(col(ThemeMember.theme_id).in_(by_hand))
            .order_by(ThemeMember.theme_id, Segment.id)
        ).all()
        centroids = [(t.id, t.component, hashlib.sha256(t.centroid or b"").hexdigest()) for t in themes]
        digest.update(repr((engagement.id, run, centroids, members)).encode())
    digest.update(repr([(c.a, c.b) for c in corrections(session, a, b)]).encode())
    return digest.hexdigest()


def stored_matches(
    session: Session, a: Engagement, b: Engagement, rubric: Rubric, *, margin: float, threshold: float
) -> Matches:
    """Every component's changes, the themes on either side and their labels: read from the stored
    rows when they were stored under the current ``stamp``, else matched (``match``, the consultant's
    corrections winning) and stored. A stored pair's grew, shrank or same is decided here, from the
    people counted now and ``margin``."""
    key = stamp(session, a, b, threshold)
    rows = session.exec(
        select(StoredMatch)
        .where(StoredMatch.engagement_id == b.id, StoredMatch.previous_id == a.id, StoredMatch.stamp == key)
        .order_by(col(StoredMatch.position))
    ).all()
    if not rows:
        changes, themes, labels = _match_all(session, a, b, rubric, threshold=threshold, margin=margin)
        _store(session, a, b, key, changes)
        return changes, themes, labels
    themes: dict[int, ThemeSide] = {}
    labels: dict[int, str] = {}
    for component in dict.fromkeys(r.component for r in rows):
        for engagement in (a, b):
            sides, names = theme_sides(session, engagement.id, component, centres=False)
            themes.update({t.id: t for t in sides})
            labels.update(names)
    changes: dict[str, list[Change]] = {}
    for row in rows:
        change = row.change
        if change == PAIR:
            change = size_change(themes[row.a_themes[0]], themes[row.b_themes[0]], margin)
        changes.setdefault(row.component, []).append(
            Change(tuple(row.a_themes), tuple(row.b_themes), change, row.similarity, row.corrected)
        )
    return changes, themes, labels


def _match_all(
    session: Session, a: Engagement, b: Engagement, rubric: Rubric, *, threshold: float, margin: float
) -> Matches:
    """Match every component's themes afresh (centres read, the consultant's corrections winning)."""
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
    return changes, themes, labels


def _store(session: Session, a: Engagement, b: Engagement, key: str, changes: dict[str, list[Change]]) -> None:
    """Replace the pair's stored matches with ``changes`` under ``key``, in a transaction of its own (a
    page read stores them; the caller's transaction is left alone). Another process storing the same
    rows first is as good; a database busy with a writer leaves them to the next read."""
    rows = [
        {
            "engagement_id": b.id,
            "previous_id": a.id,
            "stamp": key,
            "position": position,
            "component": component,
            "a_themes": list(c.a),
            "b_themes": list(c.b),
            "change": PAIR if c.change in SIZES else c.change,
            "similarity": c.similarity,
            "corrected": c.corrected,
            "created_at": utcnow(),
        }
        for position, (component, c) in enumerate((comp, c) for comp, cs in changes.items() for c in cs)
    ]
    try:
        with Session(session.get_bind()) as writer:
            writer.execute(
                delete(StoredMatch).where(
                    col(StoredMatch.engagement_id) == b.id,
                    col(StoredMatch.previous_id) == a.id,
                    col(StoredMatch.stamp) != key,
                )
            )
            insert_unless_stored(writer, StoredMatch, rows, ["engagement_id", "previous_id", "stamp", "position"])
            writer.commit()
    except OperationalError:
        log.warning("stored theme matches of engagements %s and %s not written: the database is busy", a.id, b.id)


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
