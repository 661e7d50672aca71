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


def _rebuild_words(theme: Theme, remaining: list[Segment], keep_summary: bool, names: NameScrubber) -> None:
    """A curated theme whose members left keeps no word built from them: key phrases, quotes and
    (unless the consultant wrote it) the summary are rebuilt from the segments that remain, or emptied."""
    theme.quote_ids = [q for q in theme.quote_ids if q in {s.id for s in remaining}]
    if not remaining:
        theme.keywords = []
        if not keep_summary:
            theme.summary = ""
        return
    texts = [s.text for s in remaining]
    words = ctfidf_keywords(texts, [list(range(len(texts)))])[0]
    scrubbed = names.scrub_all(words)
    theme.keywords = [w for w, clean in zip(words, scrubbed, strict=False) if w == clean]
    if not keep_summary:
        people = len({s.participant_id for s in remaining})
        theme.summary = names.scrub(P.one_sentence(theme.keywords[:3], people, len(remaining)))


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
    """Themes for one component's active segments; curated themes kept and topped up. Returns counts."""
    seg_by_id = {s.id: s for s in segments}
    names = names or NameScrubber()
    themes = _theme_rows(session, engagement_id, component)
    curated = [t for t in themes if t.curated and not t.is_other and t.parent_id is None]
    kept = {t.id for t in curated}
    # last run's machine themes are replaced (archived, members released) by this run's; a curated
    # theme keeps its sub-themes
    replaced = [t for t in themes if t.id not in kept and t.parent_id not in kept]
    for theme in replaced:
        theme.archived = True
        session.add(theme)
    if replaced:  # one statement, not a query and a delete per member
        session.execute(delete(ThemeMember).where(col(ThemeMember.theme_id).in_([t.id for t in replaced])))
    session.flush()
    placed: set[int] = set()
    keep_ids: dict[int, list[int]] = {}
    removed: dict[int, int] = {}
    for theme in curated:
        members = _members(session, theme.id)
        before = set(theme.changes.get("members", [])) if isinstance(theme.changes, dict) else set()
        ids = [m.segment_id for m in members if m.segment_id in seg_by_id]
        for m in members:
            if m.segment_id not in seg_by_id:
                session.delete(m)  # moved to another component or inactive
        placed.update(ids)
        keep_ids[theme.id] = ids
        removed[theme.id] = len(before - set(ids))
    # new segments into curated themes where they fit
    free = [s.id for s in segments if s.id not in placed]
    added: dict[int, int] = {}
    new_members: list[dict[str, object]] = []  # inserted in one go at the end
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
                new_members.append(_member(theme.id, sid, float(row[b])))
                keep_ids[theme.id].append(sid)
                added[theme.id] = added.get(theme.id, 0) + 1
            else:
                still_free.append(sid)
        free = still_free
    for theme in curated:
        ids = keep_ids[theme.id]
        if ids:
            xs = np.vstack([vectors[i] for i in ids])
            cvec = xs.mean(axis=0)
            theme.centroid = (cvec / (np.linalg.norm(cvec) or 1.0)).astype(np.float32).tobytes()
        consultant_summary = (theme.changes or {}).get("summary_by") == "consultant"
        if removed[theme.id]:
            _rebuild_words(theme, [seg_by_id[i] for i in ids], consultant_summary, names)
        theme.changes = {
            "added": added.get(theme.id, 0),
            "removed": removed[theme.id],
            "run_id": run_id,
            "members": sorted(ids),
            **({"summary_by": "consultant"} if consultant_summary else {}),
        }
        if not ids:
            theme.archived = True  # emptied (its people withdrew): it leaves every consultant view
        theme.run_id = run_id
        session.add(theme)
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
    for draft in result.themes:
        top = _store_draft(session, engagement_id, component, run_id, draft, free, words[id(draft)])
        sub_of: dict[int, int] = {}
        for sub_draft in draft.subthemes:
            sub = _store_draft(
                session, engagement_id, component, run_id, sub_draft, free, words[id(sub_draft)], parent_id=top.id
            )
            sub_of.update({i: sub.id for i in sub_draft.members})
        new_members.extend(
            _member(top.id, free[i], float(score), sub_of.get(i))
            for i, score in zip(draft.members, draft.scores, strict=False)
        )
    if result.other:
        other = Theme(engagement_id=engagement_id, component=component, run_id=run_id, **OTHER_VOICES)
        other.changes = {"run_id": run_id}
        session.add(other)
        session.flush()
        new_members.extend(_member(other.id, free[i], 0.0) for i in result.other)
    if new_members:  # one bulk insert: an ORM row per member was a large part of storing the themes
        session.flush()  # the archived themes' members are gone first (a segment is in one theme)
        session.execute(insert(ThemeMember), new_members)
    return {
        "themes": len(result.themes) + len(curated),
        "subthemes": len(result.subthemes()),
        "curated": len(curated),
        "other": len(result.other),
        "segments": len(segments),
        "added_to_curated": sum(added.values()),
    }
