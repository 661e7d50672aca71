"""Synthesis identity: every theme row a run writes, dumped to JSON, to compare two versions of the code.

    .venv/bin/python bench/synthesis_identity.py OUT.json [--n 2000] [--data-dir ../shared/data]
    .venv/bin/python bench/synthesis_identity.py --compare BEFORE.json AFTER.json

On a fresh SQLite file: ``n`` NHS FFT answers (``synthesis_speed.texts_for``), synthesis; then a
consultant's curation (two themes renamed, one merge, a segment moved), one person withdrawn (their
segments leave curated themes: words rebuilt), 100 new answers (curated themes topped up), synthesis
again. After each run every theme row (label, keywords, summary, quote ids, parent, centroid, changes,
archived) and every membership is dumped. Run it with the code before and after a change and compare:
the same input must give the same rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _data import DEFAULT_DATA
from sqlmodel import Session, select
from synthesis_speed import add_answers, texts_for

from assistant.config import Settings
from assistant.db import make_engine, migrate
from assistant.embeddings import get_embedder
from assistant.models import Engagement, Participant, Segment, Theme, ThemeMember
from assistant.models.base import utcnow
from assistant.rubric import get_rubric
from assistant.synthesis import curation
from assistant.synthesis.run import synthesize


def dump(session: Session, engagement_id: int) -> dict[str, list]:
    """Every theme row and membership of the engagement, in id order, as plain JSON values."""
    themes = session.exec(select(Theme).where(Theme.engagement_id == engagement_id).order_by(Theme.id)).all()
    members = session.exec(
        select(ThemeMember)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.engagement_id == engagement_id)
        .order_by(ThemeMember.segment_id)
    ).all()
    return {
        "themes": [
            {
                "id": t.id,
                "component": t.component,
                "label": t.label,
                "keywords": t.keywords,
                "summary": t.summary,
                "quote_ids": t.quote_ids,
                "parent_id": t.parent_id,
                "is_other": t.is_other,
                "curated": t.curated,
                "archived": t.archived,
                "run_id": t.run_id,
                "changes": t.changes,
                "centroid": hashlib.sha256(t.centroid).hexdigest()[:16] if t.centroid else None,
            }
            for t in themes
        ],
        "members": [[m.theme_id, m.segment_id, m.subtheme_id, m.assigned_by, round(m.score, 6)] for m in members],
    }


def curate(session: Session, engagement_id: int, embedder_name: str) -> str:
    """A consultant's edits between runs, and one person's withdrawal; returns what was done."""
    tops = session.exec(
        select(Theme)
        .where(Theme.engagement_id == engagement_id, Theme.parent_id.is_(None), Theme.is_other.is_(False))
        .where(Theme.archived.is_(False))
        .order_by(Theme.component, Theme.id)
    ).all()
    by_comp: dict[str, list[Theme]] = {}
    for t in tops:
        by_comp.setdefault(t.component, []).append(t)
    comps = [c for c, ts in sorted(by_comp.items()) if len(ts) >= 3]
    a, b = comps[0], comps[1]
    curation.rename(session, by_comp[a][0].id, "Renamed by the consultant")
    curation.edit_summary(session, by_comp[b][0].id, "A summary the consultant wrote.")
    curation.merge(session, by_comp[a][1].id, by_comp[a][2].id)
    moved = curation.member_ids(session, by_comp[b][1].id)[0]
    curation.move_segment(session, moved, by_comp[b][0].id)
    # someone in the renamed theme withdraws: their segments leave it (its words are rebuilt)
    first = curation.member_ids(session, by_comp[a][0].id)[0]
    participant = session.get(Participant, session.get(Segment, first).participant_id)
    participant.withdrawn_at = utcnow()
    session.add(participant)
    session.commit()
    return f"curated in {a} and {b}, segment {moved} moved, participant {participant.id} withdrawn"


def run(out: Path, n: int, data_dir: Path) -> None:
    texts = texts_for(data_dir, n + 100)
    settings = Settings(_env_file=None)
    rubric = get_rubric(str(settings.rubric_path))
    components = [c.id for c in rubric.components]
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/identity.db"
        migrate(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as s:
            eng = Engagement(organisation="Identity bench")
            s.add(eng)
            s.commit()
            eid = eng.id
            add_answers(s, eid, texts[:n], components)
        t0 = time.perf_counter()
        stats = synthesize(engine, eid, embedder, settings, rubric=rubric)
        print(f"run 1: {stats['segments']} segments in {time.perf_counter() - t0:.1f}s", flush=True)
        with Session(engine, expire_on_commit=False) as s:
            result["run1"] = dump(s, eid)
            print(curate(s, eid, embedder.model_name))
            add_answers(s, eid, texts[n:], components)
        t0 = time.perf_counter()
        stats = synthesize(engine, eid, embedder, settings, rubric=rubric)
        print(f"run 2: {stats['segments']} segments in {time.perf_counter() - t0:.1f}s", flush=True)
        with Session(engine) as s:
            result["run2"] = dump(s, eid)
        engine.dispose()
    out.write_text(json.dumps(result, indent=0, sort_keys=True))
    for key in ("run1", "run2"):
        rows = result[key]
        assert isinstance(rows, dict)
        print(f"{key}: {len(rows['themes'])} theme rows, {len(rows['members'])} memberships -> {out}")


def compare(before: Path, after: Path) -> int:
    """Prints the rows that differ; returns 0 when every row is the same."""
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    bad = 0
    for key in ("run1", "run2"):
        for table in ("themes", "members"):
            rows_a, rows_b = a[key][table], b[key][table]
            diff = sum(x != y for x, y in zip(rows_a, rows_b, strict=False)) + abs(len(rows_a) - len(rows_b))
            bad += diff
            print(f"{key} {table}: {len(rows_a)} before, {len(rows_b)} after, {diff} differ")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if args.out is None:
        ap.error("give OUT.json or --compare BEFORE AFTER")
    print(f"load average {os.getloadavg()[0]:.2f}")
    run(args.out, args.n, args.data_dir)


if __name__ == "__main__":
    main()
