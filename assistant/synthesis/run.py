"""The synthesis stage over stored rows: evidence -> segments -> embeddings -> themes per component.

``synthesize`` is what the CLI, the web button and the tests call. Its steps, each in its own module:
which answers are evidence and their stable segments (``evidence``: withdrawn people's and superseded
answers' segments never enter a run), embeddings of text never embedded before (the count is
reported), re-tagging of segments that clearly belong to another component, then each component's
themes (``component``: curated themes kept and topped up, the rest clustered afresh), each drafted
with nothing written and then stored and committed at once, so the database's write lock (SQLite: one
writer) is never held while a component computes.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any, Unpack

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.config import Settings
from assistant.embeddings import CachedEncode, Embedder, embed_cached
from assistant.jobs import RunOptions, RunTracker, track_run
from assistant.models import Engagement, Participant, Segment, Theme, ThemeMember
from assistant.records.engagements import scrubber_for
from assistant.records.evidence import live_themes
from assistant.rubric import Rubric
from assistant.synthesis import themes as T
from assistant.synthesis.component import curated_since, draft_component, forget_themes, store_component
from assistant.synthesis.label import Labeller, label_themes
from assistant.synthesis.refresh import active_segments, refresh_segments, retag

REDRAFTS = 2  # drafts again when a consultant's edit landed meanwhile; past that, their later edit may be replaced


def synthesize(
    engine: Engine,
    engagement_id: int,
    embedder: Embedder,
    settings: Settings | None = None,
    rubric: Rubric | None = None,
    segment_mode: str = "answer",
    labeller: Labeller | None = None,
    **run: Unpack[RunOptions],
) -> dict[str, Any]:
    """Run synthesis for one engagement and return its stats (also stored on the Run row).

    The run's lifecycle is ``assistant.jobs.track_run`` (``run``: its options): it claims the queued Run
    ``run_id`` (or creates one), records progress, and ends done (or failed with the error, re-raised).
    ``on_progress(fraction, message)`` hears each step as it starts and its counts within it (sentences
    embedded, the component being clustered, themes named: at most one count a second, ``tick_s``).
    ``labeller`` (from the engine seam, ``assistant.engines.engines_for(...).labeller``) relabels the new
    themes; None keeps the offline labels and summaries. Rules: see the module docstring.
    """
    t0 = time.perf_counter()
    run.setdefault("message", "Collecting answers")
    with track_run(engine, engagement_id, "synthesis", **run) as tracker:
        run_id = tracker.id
        stats: dict[str, Any] = {"run_id": run_id}
        with Session(engine, expire_on_commit=False) as session:

            def segmented(done: int, total: int) -> None:
                tracker.tick(0.1 * (done / total), f"Collecting answers: {done:,} of {total:,} segmented")

            stats["segments_" + "refresh"] = refresh_segments(session, engagement_id, segment_mode, segmented)
            session.commit()
        vectors = _embed(engine, engagement_id, embedder, rubric, stats, tracker)
        _themes(engine, engagement_id, embedder, vectors, settings, run_id, stats, tracker)
        if labeller is not None:
            tracker.progress(0.9, "Labelling themes with the LLM")

            def labelled(done: int, total: int) -> None:
                tracker.tick(0.9 + 0.1 * (done / total), f"Labelling themes with the LLM: {done:,} of {total:,}")

            stats["llm_labels"] = label_themes(engine, labeller, engagement_id, run_id, labelled)
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        tracker.done(stats)
    return stats


def _embed(
    engine: Engine,
    engagement_id: int,
    embedder: Embedder,
    rubric: Rubric | None,
    stats: dict[str, Any],
    tracker: RunTracker,
) -> dict[int, np.ndarray]:
    """Every active segment's vector (only text never embedded before is encoded), after re-tagging the
    segments that clearly belong to another component; counts go into ``stats``. Progress: the count of
    new sentences embedded, batch by batch."""
    with Session(engine, expire_on_commit=False) as session:
        segments = active_segments(session, engagement_id)
        tracker.progress(0.1, f"Embedding new text of {len(segments):,} segments")

        def counted(done: int, total: int) -> None:
            tracker.tick(0.1 + 0.5 * (done / total), f"Embedding {done:,} of {total:,} new sentences")

        vectors_arr, new = embed_cached(session, embedder, [s.text for s in segments], counted)
        # the new vectors are kept now: progress is written in its own transaction, which would
        # wait (SQLite: one writer) behind this one's insert
        session.commit()
        stats["embedded"] = new
        stats["segments"] = len(segments)
        tracker.progress(0.6, f"Checking the components of {len(segments):,} segments")
        stats["retagged"] = retag(session, segments, vectors_arr, embedder, rubric)
        session.commit()
    return {s.id: v for s, v in zip(segments, vectors_arr, strict=False)}


def _leave_old_components(session: Session, engagement_id: int) -> None:
    """A segment re-tagged to another component leaves its old component's themes first."""
    for member in session.exec(
        select(ThemeMember)
        .join(Segment, Segment.id == ThemeMember.segment_id)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.engagement_id == engagement_id, Segment.component != Theme.component)
    ).all():
        session.delete(member)
    session.commit()


def _themes(
    engine: Engine,
    engagement_id: int,
    embedder: Embedder,
    vectors: dict[int, np.ndarray],
    settings: Settings | None,
    run_id: int,
    stats: dict[str, Any],
    tracker: RunTracker,
) -> None:
    """Each component's themes, drafted with nothing written, then stored and committed at once. Progress:
    the component (i of n) and, within it, its steps and counts (``themes.build``)."""
    with Session(engine, expire_on_commit=False) as session:
        engagement = session.get(Engagement, engagement_id)
        names = scrubber_for(session, engagement)
        people = {
            p.id: (p.department, p.role_level)
            for p in session.exec(select(Participant).where(Participant.engagement_id == engagement_id)).all()
        }
        segments = active_segments(session, engagement_id)
        by_comp: dict[str, list[Segment]] = {}
        for seg in segments:
            by_comp.setdefault(seg.component, []).append(seg)
        components = sorted(set(by_comp) | {t.component for t in session.exec(live_themes(engagement_id)).all()})
        _leave_old_components(session, engagement_id)
        stats["components"] = {}
        encode = CachedEncode(engine, embedder)  # key phrases met before are read back, not encoded
        min_people = settings.theme_min_people if settings is not None else T.MIN_PEOPLE
        for i, comp in enumerate(components):
            at, span = 0.6 + 0.3 * i / len(components), 0.3 / len(components)
            where = f"Themes for {comp} ({i + 1} of {len(components)})"
            tracker.progress(at, f"{where}: {len(by_comp.get(comp, [])):,} segments")
            # computed with nothing written, then written and committed at once: one short write
            # transaction per component, so staff answers, progress and the heartbeat never wait on it
            drafted = partial(
                draft_component,
                session,
                engagement_id,
                comp,
                by_comp.get(comp, []),
                vectors,
                run_id,
                people,
                encode,
                names,
                min_people,
                lambda f, m, at=at, span=span, where=where: tracker.tick(at + span * f, f"{where}: {m}"),
            )
            draft = drafted()
            for _ in range(REDRAFTS):  # a consultant curated a theme this draft replaces: draft again
                if not curated_since(session, draft):
                    break
                forget_themes(session)
                draft = drafted()
            store_component(session, draft)
            session.commit()
            stats["components"][comp] = draft.counts
        session.commit()
        stats["phrases_embedded"] = encode.new
