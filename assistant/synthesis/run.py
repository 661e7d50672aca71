"""The synthesis stage over stored rows: evidence -> segments -> embeddings -> themes per component.

``synthesize`` is what the CLI, the web button and the tests call. Its rules:

- Evidence is every staff "answer" turn (probe answers included) that no later turn supersedes,
  from submitted interviews of participants who have not withdrawn, plus imported rows.
- Withdrawn participants' segments (and superseded turns' segments) are set inactive and never
  enter a run.
- Segments are stable: the same turn and span give the same Segment row, so E-<id> citations
  survive re-runs. Only text never embedded before is embedded (the count is reported).
- Curated themes keep their members; new segments join a curated theme when they are as close
  to its centroid as its least typical member; the rest are clustered afresh. Each curated
  theme's ``changes`` says what the run added and removed.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.config import Settings
from assistant.embeddings import Embedder, embed_cached, text_hash
from assistant.engagements import people_names
from assistant.jobs import Progress, track_run
from assistant.models import Engagement, Interview, Participant, Segment, Theme, ThemeMember, Turn
from assistant.privacy import NameScrubber
from assistant.sentences import is_non_answer
from assistant.synthesis import phrases as P
from assistant.synthesis import themes as T
from assistant.synthesis.label import Labeller, label_themes
from assistant.synthesis.segment import segment

RETAG_MARGIN = 0.15  # how much closer to another component's description a segment must be to move
RETAG_MIN = 0.45  # and how close in absolute terms ("clearly belongs")
PLACE_SIM = 0.6  # cosine to a curated theme's centroid that always counts as "fits" (MiniLM scale)


# --- evidence ---------------------------------------------------------------------------------


def _evidence_turns(session: Session, engagement_id: int) -> list[tuple[Turn, Participant]]:
    superseded = select(Turn.supersedes_id).where(col(Turn.supersedes_id).is_not(None))
    rows = session.exec(
        select(Turn, Participant)
        .join(Interview, Interview.id == Turn.interview_id)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(
            Participant.engagement_id == engagement_id,
            col(Participant.withdrawn_at).is_(None),
            Interview.state == "submitted",
            Turn.role == "staff",
            Turn.kind == "answer",
            col(Turn.component).is_not(None),
            col(Turn.id).not_in(superseded),
        )
        .order_by(Turn.id)
    ).all()
    return list(rows)


def refresh_segments(session: Session, engagement_id: int, mode: str = "answer") -> dict[str, int]:
    """Create segments for new evidence and deactivate segments that are no longer evidence.

    Returns counts: created, reactivated, deactivated, non_answers (skipped, per rule above).
    """
    stats = {"created": 0, "deactivated": 0, "reactivated": 0, "non_answers": 0}
    existing = session.exec(select(Segment).where(Segment.engagement_id == engagement_id)).all()
    by_key = {(s.turn_id, s.start, s.end): s for s in existing if s.turn_id is not None}
    keep: set[int] = set()
    created: list[Segment] = []
    for turn, participant in _evidence_turns(session, engagement_id):
        for span in segment(turn.text, mode):
            if is_non_answer(span.text):
                stats["non_answers"] += 1
                continue
            seg = by_key.get((turn.id, span.start, span.end))
            if seg is None:
                created.append(
                    Segment(
                        engagement_id=engagement_id,
                        participant_id=participant.id,
                        turn_id=turn.id,
                        source="interview",
                        question_id=turn.question_id,
                        start=span.start,
                        end=span.end,
                        text=span.text,
                        text_hash=text_hash(span.text),
                        component=turn.component,
                        original_component=turn.component,
                    )
                )
                continue
            if not seg.active:
                seg.active = True
                session.add(seg)
                stats["reactivated"] += 1
            keep.add(seg.id)
    session.add_all(created)
    session.flush()  # one flush for all new rows (one per row was most of this stage's time)
    stats["created"] = len(created)
    keep.update(seg.id for seg in created)
    withdrawn = set(
        session.exec(
            select(Participant.id).where(
                Participant.engagement_id == engagement_id, col(Participant.withdrawn_at).is_not(None)
            )
        ).all()
    )
    for seg in existing:
        gone = (seg.source != "import" and seg.id not in keep) or seg.participant_id in withdrawn
        if gone and seg.active:
            seg.active = False
            session.add(seg)
            stats["deactivated"] += 1
    # an inactive segment leaves every theme at once, so no page can show it
    inactive = select(Segment.id).where(Segment.engagement_id == engagement_id, col(Segment.active).is_(False))
    for member in session.exec(select(ThemeMember).where(col(ThemeMember.segment_id).in_(inactive))).all():
        session.delete(member)
    return stats


def _retag(session: Session, segments: list[Segment], vectors: np.ndarray, embedder: Embedder, rubric: Any) -> int:
    """Move segments that clearly belong to another component (original kept). Returns how many moved."""
    if rubric is None or not segments:
        return 0
    comps = [c for c in rubric.components]
    desc = embedder.encode([f"{c.name}: {c.description}" for c in comps])
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


# --- themes -------------------------------------------------------------------------------------


def offline_summary(texts: list[str], keywords: list[str], people: int, central_text: str) -> str:
    """A one-paragraph summary built only from member text: keywords, reach and the most typical segment."""
    central = re.sub(r"\s+", " ", central_text).strip()
    words = ", ".join(keywords[:5]) if keywords else "varied points"
    who = "one person" if people == 1 else f"{people} people"
    return f"{len(texts)} segments from {who} mention {words}. Most typical: \u201c{central}\u201d"


def _vec(theme: Theme) -> np.ndarray | None:
    return np.frombuffer(theme.centroid, dtype=np.float32) if theme.centroid else None


def _theme_rows(session: Session, engagement_id: int, component: str) -> list[Theme]:
    return list(
        session.exec(
            select(Theme)
            .where(Theme.engagement_id == engagement_id, Theme.component == component, col(Theme.archived).is_(False))
            .order_by(Theme.id)
        ).all()
    )


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
    words = T.ctfidf_keywords(texts, [list(range(len(texts)))])[0]
    scrubbed = names.scrub_all(words)
    theme.keywords = [w for w, clean in zip(words, scrubbed, strict=False) if w == clean]
    if not keep_summary:
        people = len({s.participant_id for s in remaining})
        theme.summary = names.scrub(P.one_sentence(theme.keywords[:3], people, len(remaining)))


def _store_draft(
    session: Session,
    engagement_id: int,
    component: str,
    run_id: int | None,
    draft: T.ThemeDraft,
    free: list[int],
    texts: list[str],
    seg_by_id: dict[int, Segment],
    names: NameScrubber,
    parent_id: int | None = None,
) -> Theme:
    """A machine theme (top, or a sub-theme of ``parent_id``) from ``draft``, added and flushed; no
    person's name is stored in its label, keywords or summary (``names``)."""
    ids = [free[i] for i in draft.members]
    member_people = {seg_by_id[i].participant_id for i in ids}
    summary = draft.summary or offline_summary(
        [texts[i] for i in draft.members], draft.keywords, len(member_people), texts[draft.central]
    )
    label, summary, *keywords = names.scrub_all([draft.label, summary, *draft.keywords])
    theme = Theme(
        engagement_id=engagement_id,
        component=component,
        label=label,
        keywords=[k for k, raw in zip(keywords, draft.keywords, strict=False) if k == raw],
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
    for theme in themes:
        if theme.id in kept or theme.parent_id in kept:
            continue
        for member in _members(session, theme.id):
            session.delete(member)
        theme.archived = True
        session.add(theme)
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
                session.add(ThemeMember(theme_id=theme.id, segment_id=sid, assigned_by="machine", score=float(row[b])))
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
    for draft in result.themes:
        top = _store_draft(session, engagement_id, component, run_id, draft, free, texts, seg_by_id, names)
        sub_of: dict[int, int] = {}
        for sub_draft in draft.subthemes:
            sub = _store_draft(
                session, engagement_id, component, run_id, sub_draft, free, texts, seg_by_id, names, parent_id=top.id
            )
            sub_of.update({i: sub.id for i in sub_draft.members})
        for i, score in zip(draft.members, draft.scores, strict=False):
            session.add(ThemeMember(theme_id=top.id, segment_id=free[i], score=float(score), subtheme_id=sub_of.get(i)))
    if result.other:
        other = Theme(
            engagement_id=engagement_id,
            component=component,
            label="Other voices",
            is_other=True,
            summary="Answers that fit no theme. They count as evidence like any other.",
            run_id=run_id,
            changes={"run_id": run_id},
        )
        session.add(other)
        session.flush()
        for i in result.other:
            session.add(ThemeMember(theme_id=other.id, segment_id=free[i], score=0.0))
    return {
        "themes": len(result.themes) + len(curated),
        "subthemes": len(result.subthemes()),
        "curated": len(curated),
        "other": len(result.other),
        "segments": len(segments),
        "added_to_curated": sum(added.values()),
    }


def synthesize(
    engine: Engine,
    engagement_id: int,
    embedder: Embedder,
    settings: Settings | None = None,
    progress: Progress | None = None,
    run_id: int | None = None,
    rubric: Any = None,
    segment_mode: str = "answer",
    labeller: Labeller | None = None,
) -> dict[str, Any]:
    """Run synthesis for one engagement and return its stats (also stored on the Run row).

    The run's lifecycle is ``assistant.jobs.track_run``: it claims the queued Run ``run_id`` (or
    creates one), records progress, and ends done (or failed with the error, re-raised).
    ``progress(fraction, message)`` is called as stages finish. ``labeller`` (from the engine seam,
    ``assistant.engines.engines_for(...).labeller``) relabels the new themes; None keeps the offline
    labels and summaries. Rules: see the module docstring.
    """
    t0 = time.perf_counter()
    with track_run(
        engine, engagement_id, "synthesis", run_id=run_id, message="Collecting answers", on_progress=progress
    ) as run:
        run_id = run.id
        step = run.progress
        stats: dict[str, Any] = {"run_id": run_id}
        with Session(engine, expire_on_commit=False) as session:
            stats["segments_" + "refresh"] = refresh_segments(session, engagement_id, segment_mode)
            session.commit()
        step(0.1, "Embedding new text")
        with Session(engine, expire_on_commit=False) as session:
            segments = list(
                session.exec(
                    select(Segment)
                    .where(Segment.engagement_id == engagement_id, col(Segment.active).is_(True))
                    .order_by(Segment.id)
                ).all()
            )
            vectors_arr, new = embed_cached(session, embedder, [s.text for s in segments])
            stats["embedded"] = new
            stats["segments"] = len(segments)
            step(0.6, "Checking components")
            stats["retagged"] = _retag(session, segments, vectors_arr, embedder, rubric)
            session.commit()
        vectors = {s.id: v for s, v in zip(segments, vectors_arr, strict=False)}
        with Session(engine, expire_on_commit=False) as session:
            engagement = session.get(Engagement, engagement_id)
            names = NameScrubber(people_names(session, engagement) if engagement is not None else [])
            people = {
                p.id: (p.department, p.role_level)
                for p in session.exec(select(Participant).where(Participant.engagement_id == engagement_id)).all()
            }
            segments = list(
                session.exec(
                    select(Segment)
                    .where(Segment.engagement_id == engagement_id, col(Segment.active).is_(True))
                    .order_by(Segment.id)
                ).all()
            )
            by_comp: dict[str, list[Segment]] = {}
            for seg in segments:
                by_comp.setdefault(seg.component, []).append(seg)
            components = sorted(
                set(by_comp)
                | {
                    t.component
                    for t in session.exec(
                        select(Theme).where(Theme.engagement_id == engagement_id, col(Theme.archived).is_(False))
                    ).all()
                }
            )
            # a segment re-tagged to another component leaves its old component's themes first
            for member, seg, theme in session.exec(
                select(ThemeMember, Segment, Theme)
                .join(Segment, Segment.id == ThemeMember.segment_id)
                .join(Theme, Theme.id == ThemeMember.theme_id)
                .where(Theme.engagement_id == engagement_id)
            ).all():
                if seg.component != theme.component:
                    session.delete(member)
            session.commit()
            stats["components"] = {}
            for i, comp in enumerate(components):
                step(0.6 + 0.3 * i / max(1, len(components)), f"Themes for {comp}")
                stats["components"][comp] = synthesize_component(
                    session,
                    engagement_id,
                    comp,
                    by_comp.get(comp, []),
                    vectors,
                    run_id,
                    people,
                    embedder.encode,
                    names,
                    settings.theme_min_people if settings is not None else T.MIN_PEOPLE,
                )
                session.commit()  # one component per transaction: progress writes must not wait
            session.commit()
        if labeller is not None:
            step(0.9, "Labelling themes with the LLM")
            stats["llm_labels"] = label_themes(engine, labeller, engagement_id, run_id)
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        run.done(stats)
    return stats
