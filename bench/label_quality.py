"""Theme labels a consultant would keep: the share of top themes (and sub-themes) whose label is a
phrase of two to seven words from staff text (``synthesis.labels.is_phrase_label``: no keyword list,
no name placeholder alone, no number fragment), on every public set and on the demo, with a printed
sample of labels per set to judge by eye.

    .venv/bin/python bench/label_quality.py [--data-dir ../shared/data] [--sample 15] [--limit N] [--no-demo]

Sets: NHS FFT single-label comments, Banking77 test, Polis Bowling Green (../shared/data, sources in
its README.md), each through ``themes.build`` with the embedder's encode (key-phrase labels), as
``dm3 themes`` runs; and the demo's two engagements (the in-progress one and the completed one,
seeded on a fresh SQLite file from the packaged demo vectors), read back as stored (names scrubbed).
Goal: 100% of top themes labelled by a phrase; a label that is not is marked "needs a name" on the
themes page. ``--limit`` takes the first N rows of each public set (for a quick look while iterating).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _data import DEFAULT_DATA, banking77, cached_embeddings, nhs_single_label, polis

from assistant.config import Settings
from assistant.embeddings import get_embedder
from assistant.sentences import is_non_answer
from assistant.synthesis import themes as T
from assistant.synthesis.labels import is_phrase_label


def report(title: str, tops: list[str], subs: list[str], sample: int, seconds: float) -> None:
    good = [lab for lab in tops if is_phrase_label(lab)]
    sub_good = [lab for lab in subs if is_phrase_label(lab)]
    print(
        f"\n{title}: {len(good)}/{len(tops)} top themes labelled by a phrase ({len(good) / max(1, len(tops)):.0%}), "
        f"sub-themes {len(sub_good)}/{len(subs)} ({len(sub_good) / max(1, len(subs)):.0%}); {seconds:.1f}s",
        flush=True,
    )
    for lab in tops[:sample]:
        print(f"   {'  ' if is_phrase_label(lab) else '! '}{lab}")
    bad = [lab for lab in tops[sample:] if not is_phrase_label(lab)]
    for lab in bad:
        print(f"   ! {lab}")


def public_set(title: str, key: str, texts: list[str], model: str, sample: int) -> None:
    x, _ = cached_embeddings(texts, model, key)
    embedder = get_embedder(model)
    keep = [i for i, t in enumerate(texts) if not is_non_answer(t)]
    t0 = time.perf_counter()
    result = T.build([texts[i] for i in keep], x[keep], encode=embedder.encode)
    seconds = time.perf_counter() - t0
    report(title, [d.label for d in result.themes], [d.label for d in result.subthemes()], sample, seconds)


def demo(sample: int) -> None:
    """Both demo engagements seeded on a fresh database; their stored top themes and sub-themes."""
    from sqlmodel import Session, col, select

    from assistant.db import make_engine, migrate
    from assistant.demo.completed import seed_completed
    from assistant.demo.seed import seed_demo
    from assistant.demo.vectors import demo_embedder
    from assistant.models import Engagement, Theme

    with tempfile.TemporaryDirectory(prefix="dm3-label-quality-") as tmp:
        here = Path.cwd()
        os.chdir(tmp)
        try:
            settings = Settings(database_url=f"sqlite:///{tmp}/dm3.db", _env_file=None)
            migrate(settings.database_url)
            engine = make_engine(settings.database_url)
            t0 = time.perf_counter()
            with Session(engine, expire_on_commit=False) as session:
                seed_demo(session, settings)
                session.commit()
            embedder = demo_embedder(settings.embedding_model, settings.embedding_batch_size)
            seed_completed(engine, settings, embedder=embedder)
            seconds = time.perf_counter() - t0
            with Session(engine) as session:
                for engagement in session.exec(select(Engagement).order_by(Engagement.id)).all():
                    themes = session.exec(
                        select(Theme)
                        .where(Theme.engagement_id == engagement.id, col(Theme.archived).is_(False))
                        .where(col(Theme.is_other).is_(False))
                        .order_by(Theme.component, Theme.id)
                    ).all()
                    tops = [t.label for t in themes if t.parent_id is None]
                    subs = [t.label for t in themes if t.parent_id is not None]
                    report(f"demo: {engagement.organisation}", tops, subs, sample, seconds)
            engine.dispose()
        finally:
            os.chdir(here)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sample", type=int, default=15, help="labels printed per set (every failing one too)")
    ap.add_argument("--limit", type=int, default=0, help="first N rows of each public set (0: all)")
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--only", default="", help="comma list of set keys: nhs, banking77, polis, demo")
    args = ap.parse_args()
    model = Settings(_env_file=None).embedding_model
    cut = (lambda rows: rows[: args.limit]) if args.limit else (lambda rows: rows)
    sets = [
        ("nhs_fft single-label", "nhs", lambda: nhs_single_label(args.data_dir)[0]),
        ("banking77 test", "banking77", lambda: banking77(args.data_dir)[0]),
        ("polis bowling green", "polis", lambda: polis(args.data_dir)),
    ]
    only = set(filter(None, args.only.split(",")))
    print("'!' marks a label that is not a phrase of 2-7 words a consultant could keep (it needs a name)")
    for title, key, load in sets:
        if not only or key in only:
            texts = cut(load())
            public_set(f"{title} ({len(texts)} rows)", key, texts, model, args.sample)
    if not args.no_demo and (not only or "demo" in only):
        demo(args.sample)


if __name__ == "__main__":
    main()
