"""Curated themes through a re-run: kept, their departed members released, topped up with new segments.

Rules:
- Curated themes keep their members; new segments join a curated theme when they are as close
  to its centroid as its least typical member (or ``PLACE_SIM``); the rest are clustered afresh.
  Each curated theme's ``changes`` says what the run added and removed.
- A curated theme whose members left keeps no word built from them (key phrases, quotes and, unless
  a consultant wrote it, the summary are rebuilt from what remains); an emptied one is archived.

Everything here reads and computes: what it decides is returned (``CuratedUpdate``) for
``component.store_component`` to write, so no write is open while it runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, select

from assistant.models import Segment, Theme, ThemeMember
from assistant.privacy import Scrubber
from assistant.synthesis import phrases as P
from assistant.synthesis.represent import ctfidf_keywords

PLACE_SIM = 0.6  # cosine to a curated theme's centroid that always counts as "fits" (MiniLM scale)


@dataclass
class CuratedUpdate:
    """What a run does to one curated theme: the memberships that left it are deleted, ``values`` set on it."""

    theme: Theme
    departed: list[ThemeMember]
    values: dict[str, object]


def machine_member(
    theme_id: int | None, segment_id: int, score: float, subtheme_id: int | None = None
) -> dict[str, object]:
    """The values of a machine's theme membership (every row the same keys: one bulk insert, in order)."""
    return {
        "theme_id": theme_id,
        "segment_id": segment_id,
        "assigned_by": "machine",
        "score": score,
        "subtheme_id": subtheme_id,
    }


def _members(session: Session, theme_id: int) -> list[ThemeMember]:
    return list(session.exec(select(ThemeMember).where(ThemeMember.theme_id == theme_id)).all())


def _rebuilt_words(theme: Theme, remaining: list[Segment], keep_summary: bool, names: Scrubber) -> dict[str, object]:
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


def _join_where_they_fit(
    curated: list[Theme], keep_ids: dict[int, list[int]], free: list[int], vectors: dict[int, np.ndarray]
) -> tuple[list[dict[str, object]], list[int]]:
    """New segments (``free``) into the curated theme whose centroid is nearest, when they are as close to
    it as its least typical member or ``PLACE_SIM``; each joiner is appended to its theme's ``keep_ids``.
    Returns the joining memberships and the segment ids still free."""
    if not curated or not free:
        return [], free
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
    sims = np.vstack([vectors[i] for i in free]) @ np.vstack(cents).T
    best = sims.argmax(axis=1)
    joined: list[dict[str, object]] = []
    still_free = []
    for sid, b, row in zip(free, best, sims, strict=False):
        if row[b] >= bars[b]:
            joined.append(machine_member(curated[b].id, sid, float(row[b])))
            keep_ids[curated[b].id].append(sid)
        else:
            still_free.append(sid)
    return joined, still_free


def top_up_curated(
    session: Session,
    curated: list[Theme],
    segments: list[Segment],
    vectors: dict[int, np.ndarray],
    run_id: int | None,
    names: Scrubber,
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
    joined, free = _join_where_they_fit(curated, keep_ids, free, vectors)
    added = Counter(m["theme_id"] for m in joined)
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
