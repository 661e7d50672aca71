"""Themes for one component over stored rows: curated themes kept and topped up (``curated``), the rest
clustered afresh, each machine theme stored with no person's name in its words.

Rules:
- Last run's machine themes are archived and their members released.
- Compute first, write after: ``draft_component`` reads the component's rows and works out every new
  theme (clustering, key phrases, name checks) without writing; ``store_component`` then writes it all
  at once. On SQLite (one writer) a transaction's first write takes the database's write lock until the
  commit, so a write before the computing held every staff answer and the run's own heartbeat off
  for as long as the component took.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete
from sqlmodel import Session, col, select

from assistant.db import insert_unless_stored
from assistant.models import Segment, Theme, ThemeMember
from assistant.privacy import Scrubber
from assistant.records.evidence import live_themes
from assistant.synthesis import themes as T
from assistant.synthesis.curated import CuratedUpdate, machine_member, top_up_curated
from assistant.synthesis.labels import best_phrase, choose_label

# what the "other voices" theme of each run says about itself
OTHER_VOICES = {
    "label": "Other voices",
    "is_other": True,
    "summary": "Answers that fit no theme. They count as evidence like any other.",
}


def offline_summary(texts: list[str], keywords: list[str], people: int, central_text: str) -> str:
    """A one-paragraph summary built only from member text: keywords, reach and the most typical segment."""
    central = re.sub(r"\s+", " ", central_text).strip()
    words = ", ".join(keywords[:5]) if keywords else "varied points"
    who = "one person" if people == 1 else f"{people} people"
    return f"{len(texts)} segments from {who} mention {words}. Most typical: \u201c{central}\u201d"


def _theme_rows(session: Session, engagement_id: int, component: str) -> list[Theme]:
    return list(session.exec(live_themes(engagement_id, component).order_by(Theme.id)).all())


def _scrubbed_words(
    drafts: list[T.ThemeDraft], free: list[int], texts: list[str], seg_by_id: dict[int, Segment], names: Scrubber
) -> dict[int, tuple[str, str, list[str]]]:
    """Label, summary and keywords of each draft (by ``id``) as they will be stored: no person's name
    (``names``; a keyword holding one is dropped, a label holding one gives way to the best keyword
    left), all read by the name model in one batch."""
    words: list[tuple[str, str, list[str]]] = []
    for draft in drafts:
        member_people = {seg_by_id[free[i]].participant_id for i in draft.members}
        summary = draft.summary or offline_summary(
            [texts[i] for i in draft.members], draft.keywords, len(member_people), texts[draft.central]
        )
        words.append((draft.label, summary, draft.keywords))
    scrubbed = iter(names.scrub_all([w for label, summary, keywords in words for w in (label, summary, *keywords)]))
    out = {}
    for draft, (_, _, keywords) in zip(drafts, words, strict=True):
        label, summary = next(scrubbed), next(scrubbed)
        kept = [k for k in keywords if next(scrubbed) == k]
        if label != draft.label:  # the label named someone: the next phrase that names nobody
            label = choose_label(kept) or best_phrase(kept) or label
        out[id(draft)] = (label, summary, kept)
    return out


@dataclass
class ComponentDraft:
    """One component's themes as this run will leave them, worked out from what was read; nothing written yet."""

    engagement_id: int
    component: str
    run_id: int | None
    replaced: list[Theme]  # last run's machine themes: archived, their members released
    curated: list[CuratedUpdate]
    joined: list[dict[str, object]]  # new segments joining curated themes (membership values)
    free: list[int]  # the segment ids clustered afresh: the drafts' member indices point into it
    result: T.Themes
    words: dict[int, tuple[str, str, list[str]]]  # each draft's scrubbed words, by ``id(draft)``
    counts: dict[str, int]


def draft_component(
    session: Session,
    engagement_id: int,
    component: str,
    segments: list[Segment],
    vectors: dict[int, np.ndarray],
    run_id: int | None,
    people: dict[int, tuple[str, str]],
    encode: T.Encode | None = None,
    names: Scrubber | None = None,
    min_people: int = T.MIN_PEOPLE,
    report: T.Report | None = None,
) -> ComponentDraft:
    """One component's themes worked out from its active segments (curated themes kept and topped up, the
    rest clustered, named and scrubbed of names), returned as a draft for ``store_component``.

    Reads only: the session is left with nothing to write, so no write lock is taken (SQLite has one
    writer) while this computes; ``encode`` stores its new phrase vectors in its own short transaction.
    ``report`` hears the clustering's steps with counts (``themes.build``)."""
    seg_by_id = {s.id: s for s in segments}
    names = names or Scrubber()
    themes = _theme_rows(session, engagement_id, component)
    curated = [t for t in themes if t.curated and not t.is_other and t.parent_id is None]
    kept = {t.id for t in curated}
    # last run's machine themes are replaced (archived, members released) by this run's; a curated
    # theme keeps its sub-themes
    replaced = [t for t in themes if t.id not in kept and t.parent_id not in kept]
    updates, joined, free = top_up_curated(session, curated, segments, vectors, run_id, names)
    # cluster what is left
    texts = [seg_by_id[i].text for i in free]
    x = np.vstack([vectors[i] for i in free]) if free else np.zeros((0, 1), dtype=np.float32)
    who = [seg_by_id[i].participant_id for i in free]
    grp = [people.get(p, ("", ""))[0] + "|" + people.get(p, ("", ""))[1] for p in who]
    result = (
        T.build(texts, x, people=who, groups=grp, encode=encode, min_people=min_people, report=report)
        if free
        else T.Themes([], [], np.zeros(0, dtype=int))
    )
    words = _scrubbed_words([d for top in result.themes for d in (top, *top.subthemes)], free, texts, seg_by_id, names)
    counts = {
        "themes": len(result.themes) + len(curated),
        "subthemes": len(result.subthemes()),
        "curated": len(curated),
        "other": len(result.other),
        "segments": len(segments),
        "added_to_curated": len(joined),
    }
    return ComponentDraft(engagement_id, component, run_id, replaced, updates, joined, free, result, words, counts)


def curated_since(session: Session, draft: ComponentDraft) -> bool:
    """Whether a consultant curated one of the themes ``draft`` would replace (renamed it, merged into it,
    moved a segment into it) after the draft read it: stored as drafted, their edit would be archived.
    A fresh read of the rows, not of the session's copies."""
    ids = [t.id for t in draft.replaced]
    curated = select(Theme.id).where(col(Theme.id).in_(ids), col(Theme.curated).is_(True)).limit(1)
    return bool(ids) and session.exec(curated).first() is not None


def forget_themes(session: Session) -> None:
    """Expire the session's copies of themes and memberships, so a new draft reads them as they are now."""
    for row in list(session.identity_map.values()):
        if isinstance(row, Theme | ThemeMember):
            session.expire(row)


def _store_theme(session: Session, draft: ComponentDraft, machine: T.ThemeDraft, parent_id: int | None = None) -> Theme:
    """A machine theme (top, or a sub-theme of ``parent_id``) from ``machine`` with its scrubbed words
    (``_scrubbed_words``), added and flushed (its id is needed by its members)."""
    ids = [draft.free[i] for i in machine.members]
    label, summary, keywords = draft.words[id(machine)]
    row = Theme(
        engagement_id=draft.engagement_id,
        component=draft.component,
        label=label,
        keywords=keywords,
        summary=summary,
        quote_ids=[draft.free[i] for i in machine.quotes],
        parent_id=parent_id,
        centroid=machine.centroid.astype(np.float32).tobytes() if machine.centroid is not None else None,
        run_id=draft.run_id,
        changes={"run_id": draft.run_id, "new": True, "members": sorted(ids)},
    )
    session.add(row)
    session.flush()
    return row


def store_component(session: Session, draft: ComponentDraft) -> None:
    """Writes one component's ``draft`` (``draft_component``) in the session's transaction, with no
    computing in between: last run's themes archived and their members released, curated themes
    updated, the new themes and every new membership inserted. The caller commits."""
    for theme in draft.replaced:
        theme.archived = True
        session.add(theme)
    if draft.replaced:  # one statement, not a query and a delete per member
        session.execute(delete(ThemeMember).where(col(ThemeMember.theme_id).in_([t.id for t in draft.replaced])))
    for update in draft.curated:
        for member in update.departed:
            session.delete(member)
        for name, value in update.values.items():
            setattr(update.theme, name, value)
        session.add(update.theme)
    session.flush()  # the released members are gone before any is inserted again (a segment is in one theme)
    new_members = list(draft.joined)  # inserted in one go at the end
    free = draft.free
    for top_draft in draft.result.themes:
        top = _store_theme(session, draft, top_draft)
        sub_of: dict[int, int] = {}
        for sub_draft in top_draft.subthemes:
            sub = _store_theme(session, draft, sub_draft, top.id)
            sub_of.update({i: sub.id for i in sub_draft.members})
        new_members.extend(
            machine_member(top.id, free[i], float(score), sub_of.get(i))
            for i, score in zip(top_draft.members, top_draft.scores, strict=False)
        )
    if draft.result.other:
        other = Theme(engagement_id=draft.engagement_id, component=draft.component, run_id=draft.run_id, **OTHER_VOICES)
        other.changes = {"run_id": draft.run_id}
        session.add(other)
        session.flush()
        new_members.extend(machine_member(other.id, free[i], 0.0) for i in draft.result.other)
    # one bulk insert (an ORM row per member was a large part of storing the themes); a segment a consultant
    # placed in a theme while this component was computed stays where they put it
    insert_unless_stored(session, ThemeMember, new_members, ["segment_id"])
