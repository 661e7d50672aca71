"""Themes for one component over stored rows: curated themes kept and topped up, the rest clustered
afresh, each machine theme stored with no person's name in its words.

Rules:
- Curated themes keep their members; new segments join a curated theme when they are as close
  to its centroid as its least typical member (or ``PLACE_SIM``); the rest are clustered afresh.
  Each curated theme's ``changes`` says what the run added and removed.
- A curated theme whose members left keeps no word built from them (key phrases, quotes and, unless
  a consultant wrote it, the summary are rebuilt from what remains); an emptied one is archived.
- Last run's machine themes are archived and their members released.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from assistant.evidence import live_themes
from assistant.models import Segment, Theme, ThemeMember
from assistant.privacy import NameScrubber
from assistant.synthesis import phrases as P
from assistant.synthesis import themes as T
from assistant.synthesis.represent import ctfidf_keywords

# what the "other voices" theme of each run says about itself
OTHER_VOICES = {
    "label": "Other voices",
    "is_other": True,
    "summary": "Answers that fit no theme. They count as evidence like any other.",
}
PLACE_SIM = 0.6  # cosine to a curated theme's centroid that always counts as "fits" (MiniLM scale)


def offline_summary(texts: list[str], keywords: list[str], people: int, central_text: str) -> str:
    """A one-paragraph summary built only from member text: keywords, reach and the most typical segment."""
    central = re.sub(r"\s+", " ", central_text).strip()
    words = ", ".join(keywords[:5]) if keywords else "varied points"
    who = "one person" if people == 1 else f"{people} people"
    return f"{len(texts)} segments from {who} mention {words}. Most typical: \u201c{central}\u201d"


def _theme_rows(session: Session, engagement_id: int, component: str) -> list[Theme]:
    return list(session.exec(live_themes(engagement_id, component).order_by(Theme.id)).all())


def _members(session: Session, theme_id: int) -> list[ThemeMember]:
    return list(session.exec(select(ThemeMember).where(ThemeMember.theme_id == theme_id)).all())


def _rebuilt_words(
    theme: Theme, remaining: list[Segment], keep_summary: bool, names: NameScrubber
) -> dict[str, object]:
    """The new words of a curated theme whose members left: no word built from them. Returns its quote ids,
    key phrases and (unless the consultant wrote it) summary, rebuilt from the segments that remain, or emptied."""
    words: dict[str, object] = {"quote_ids": [q for q in theme.quote_ids if q in {s.id for s in remaining}]}
    if not remaining:
        words["keywords"] = []
        if not keep_summary:
            words["summary"] = ""
        return words
    texts = [s.text for s in remaining]
    found = ctfidf_keywords(texts, [list(range(len(texts)))])[0]
    scrubbed = names.scrub_all(found)
    keywords = [w for w, clean in zip(found, scrubbed, strict=False) if w == clean]
    words["keywords"] = keywords
    if not keep_summary:
        people = len({s.participant_id for s in remaining})
        words["summary"] = names.scrub(P.one_sentence(keywords[:3], people, len(remaining)))
    return words


def _member(theme_id: int | None, segment_id: int, score: float, subtheme_id: int | None = None) -> dict[str, object]:
    """The values of a machine's theme membership (every row the same keys: one bulk insert, in order)."""
    return {
        "theme_id": theme_id,
        "segment_id": segment_id,
        "assigned_by": "machine",
        "score": score,
        "subtheme_id": subtheme_id,
    }


def _scrubbed_words(
    drafts: list[T.ThemeDraft], free: list[int], texts: list[str], seg_by_id: dict[int, Segment], names: NameScrubber
) -> dict[int, tuple[str, str, list[str]]]:
    """Label, summary and keywords of each draft (by ``id``) as they will be stored: no person's name
    (``names``; a keyword holding one is dropped), all read by the name model in one batch."""
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
        out[id(draft)] = (label, summary, [k for k in keywords if next(scrubbed) == k])
    return out


def _store_draft(
    session: Session,
    engagement_id: int,
    component: str,
    run_id: int | None,
    draft: T.ThemeDraft,
    free: list[int],
    words: tuple[str, str, list[str]],
    parent_id: int | None = None,
) -> Theme:
    """A machine theme (top, or a sub-theme of ``parent_id``) from ``draft`` with its scrubbed ``words``
    (``_scrubbed_words``), added and flushed."""
    ids = [free[i] for i in draft.members]
    label, summary, keywords = words
    theme = Theme(
        engagement_id=engagement_id,
        component=component,
        label=label,
        keywords=keywords,
        summary=summary,
        quote_ids=[free[i] for i in draft.quotes],
        parent_id=parent_id,
        centroid=draft.centroid.astype(np.float32).tobytes() if draft.centroid is not None else None,
        run_id=run_id,
        changes={"run_id": run_id, "new": True, "members": sorted(ids)},
    )
    session.add(theme)
    session.flush()
    return theme


@dataclass
class CuratedUpdate:
    """What a run does to one curated theme: the memberships that left it are deleted, ``values`` set on it."""

    theme: Theme
    departed: list[ThemeMember]
    values: dict[str, object]


@dataclass
class ComponentDraft:
    """One component's themes as this run will leave them, worked out from what was read; nothing written yet."""

    replaced: list[Theme]  # last run's machine themes: archived, their members released
    curated: list[CuratedUpdate]
    joined: list[dict[str, object]]  # new segments joining curated themes (membership values)
    free: list[int]  # the segment ids clustered afresh: the drafts' member indices point into it
    result: T.Themes
    words: dict[int, tuple[str, str, list[str]]]  # each draft's scrubbed words, by ``id(draft)``
    counts: dict[str, int]


def _top_up_curated(
    session: Session,
    curated: list[Theme],
    segments: list[Segment],
    vectors: dict[int, np.ndarray],
    run_id: int | None,
    names: NameScrubber,
) -> tuple[list[CuratedUpdate], list[dict[str, object]], list[int]]:
    """Curated themes kept: their members that left this component or went inactive depart, new segments
    join where they fit (as close to the centroid as the least typical member, or ``PLACE_SIM``), words
    built from departed members are rebuilt. Reads only. Returns each theme's update, the joining
    memberships and the segment ids left to cluster."""
    seg_by_id = {s.id: s for s in segments}
    keep_ids: dict[int, list[int]] = {}
    departed: dict[int, list[ThemeMember]] = {}
    removed: dict[int, int] = {}
    for theme in curated:
        members = _members(session, theme.id)
        before = set(theme.changes.get("members", [])) if isinstance(theme.changes, dict) else set()
        keep_ids[theme.id] = [m.segment_id for m in members if m.segment_id in seg_by_id]
        departed[theme.id] = [m for m in members if m.segment_id not in seg_by_id]  # moved away or inactive
        removed[theme.id] = len(before - set(keep_ids[theme.id]))
    placed = {i for ids in keep_ids.values() for i in ids}
    free = [s.id for s in segments if s.id not in placed]
    added: dict[int, int] = {}
    joined: list[dict[str, object]] = []
    if curated and free:
        cents, bars = [], []
        for theme in curated:
            ids = keep_ids[theme.id]
            if not ids:
                cents.append(np.zeros_like(next(iter(vectors.values()))))
                bars.append(2.0)
                continue
            xs = np.vstack([vectors[i] for i in ids])
            c = xs.mean(axis=0)
            c /= np.linalg.norm(c) or 1.0
            cents.append(c)
            # fits when as close as the theme's least typical member, or clearly on topic anyway
            bars.append(min(float((xs @ c).min()), PLACE_SIM))
        c = np.vstack(cents)
        fx = np.vstack([vectors[i] for i in free])
        sims = fx @ c.T
        best = sims.argmax(axis=1)
        still_free = []
        for sid, b, row in zip(free, best, sims, strict=False):
            if row[b] >= bars[b]:
                theme = curated[b]
                joined.append(_member(theme.id, sid, float(row[b])))
                keep_ids[theme.id].append(sid)
                added[theme.id] = added.get(theme.id, 0) + 1
            else:
                still_free.append(sid)
        free = still_free
    updates = []
    for theme in curated:
        ids = keep_ids[theme.id]
        values: dict[str, object] = {}
        if ids:
            xs = np.vstack([vectors[i] for i in ids])
            cvec = xs.mean(axis=0)
            values["centroid"] = (cvec / (np.linalg.norm(cvec) or 1.0)).astype(np.float32).tobytes()
        consultant_summary = (theme.changes or {}).get("summary_by") == "consultant"
        if removed[theme.id]:
            values.update(_rebuilt_words(theme, [seg_by_id[i] for i in ids], consultant_summary, names))
        values["changes"] = {
            "added": added.get(theme.id, 0),
            "removed": removed[theme.id],
            "run_id": run_id,
            "members": sorted(ids),
            **({"summary_by": "consultant"} if consultant_summary else {}),
        }
        if not ids:
            values["archived"] = True  # emptied (its people withdrew): it leaves every consultant view
        values["run_id"] = run_id
        updates.append(CuratedUpdate(theme, departed[theme.id], values))
    return updates, joined, free


def draft_component(
    session: Session,
    engagement_id: int,
    component: str,
    segments: list[Segment],
    vectors: dict[int, np.ndarray],
    run_id: int | None,
    people: dict[int, tuple[str, str]],
    encode: T.Encode | None = None,
    names: NameScrubber | None = None,
    min_people: int = T.MIN_PEOPLE,
) -> ComponentDraft:
    """One component's themes worked out from its active segments (curated themes kept and topped up, the
    rest clustered, named and scrubbed of names) and returned as a draft for ``store_component``.

    Reads only: the session is left with nothing to write, so no write lock is taken (SQLite has one
    writer) while this computes; ``encode`` stores its new phrase vectors in its own short transaction."""
    seg_by_id = {s.id: s for s in segments}
    names = names or NameScrubber()
    themes = _theme_rows(session, engagement_id, component)
    curated = [t for t in themes if t.curated and not t.is_other and t.parent_id is None]
    kept = {t.id for t in curated}
    # last run's machine themes are replaced (archived, members released) by this run's; a curated
    # theme keeps its sub-themes
    replaced = [t for t in themes if t.id not in kept and t.parent_id not in kept]
    updates, joined, free = _top_up_curated(session, curated, segments, vectors, run_id, names)
    # cluster what is left
    texts = [seg_by_id[i].text for i in free]
    x = np.vstack([vectors[i] for i in free]) if free else np.zeros((0, 1), dtype=np.float32)
    who = [seg_by_id[i].participant_id for i in free]
    grp = [people.get(p, ("", ""))[0] + "|" + people.get(p, ("", ""))[1] for p in who]
    result = (
        T.build(texts, x, people=who, groups=grp, encode=encode, min_people=min_people)
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
    return ComponentDraft(replaced, updates, joined, free, result, words, counts)


def store_component(
    session: Session, engagement_id: int, component: str, run_id: int | None, draft: ComponentDraft
) -> None:
    """Writes one component's ``draft`` (``draft_component``) in the session's transaction, with no
    computing in between: last run's themes archived, curated themes updated, the new themes and every
    new membership inserted. The caller commits."""
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
        top = _store_draft(session, engagement_id, component, run_id, top_draft, free, draft.words[id(top_draft)])
        sub_of: dict[int, int] = {}
        for sub_draft in top_draft.subthemes:
            sub = _store_draft(
                session, engagement_id, component, run_id, sub_draft, free, draft.words[id(sub_draft)], top.id
            )
            sub_of.update({i: sub.id for i in sub_draft.members})
        new_members.extend(
            _member(top.id, free[i], float(score), sub_of.get(i))
            for i, score in zip(top_draft.members, top_draft.scores, strict=False)
        )
    if draft.result.other:
        other = Theme(engagement_id=engagement_id, component=component, run_id=run_id, **OTHER_VOICES)
        other.changes = {"run_id": run_id}
        session.add(other)
        session.flush()
        new_members.extend(_member(other.id, free[i], 0.0) for i in draft.result.other)
    if new_members:  # one bulk insert: an ORM row per member was a large part of storing the themes
        session.flush()
        session.execute(insert(ThemeMember), new_members)


def synthesize_component(
    session: Session,
    engagement_id: int,
    component: str,
    segments: list[Segment],
    vectors: dict[int, np.ndarray],
    run_id: int | None,
    people: dict[int, tuple[str, str]],
    encode: T.Encode | None = None,
    names: NameScrubber | None = None,
    min_people: int = T.MIN_PEOPLE,
) -> dict[str, int]:
    """Themes for one component's active segments; curated themes kept and topped up. Returns counts.

    Everything is read and computed first (``draft_component``), then written at once (``store_component``)
    for the caller to commit: the transaction's first write comes after the last of the computing."""
    draft = draft_component(
        session, engagement_id, component, segments, vectors, run_id, people, encode, names, min_people
    )
    store_component(session, engagement_id, component, run_id, draft)
    return draft.counts
