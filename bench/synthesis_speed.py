"""Synthesis speed: 10,000 segments end to end vs raw SentenceTransformer.encode on the same texts.

    .venv/bin/python bench/synthesis_speed.py [--data-dir ../shared/data] [--n 10000] [--progress]
    nice -n 10 .venv/bin/python bench/synthesis_speed.py --n 50000 --progress   # the large run

End to end = ``synthesize`` on a fresh SQLite file: collect answers, segment, embed (nothing
cached), cluster per component, keywords, offline labels, quotes, write themes. Baseline =
``SentenceTransformer.encode`` of the same texts, same batch size, in the same run. Goal: ratio
<= 1.25. Both models (the embedder, the spaCy pipeline) load once per process, before the timing.
Wall and CPU seconds are printed (CPU is steadier on a shared machine). Then 100 new answers
arrive and synthesis re-runs: only they are embedded.
The longest wait between two progress reports of each run is printed too (goal: a few seconds, within
every step), with the report it followed.
Texts: NHS FFT comments, Banking77, Polis, then sentences of the longer ones to reach n (public data, ../shared/data);
past the ~13,400 distinct texts these hold (``--n 50000``), answers making two points (two short texts joined).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from pathlib import Path

from _data import DEFAULT_DATA, banking77, polis
from sqlmodel import Session

from assistant.cli.common import ProgressLines
from assistant.config import Settings
from assistant.db import make_engine, migrate
from assistant.embeddings import get_embedder
from assistant.models import Engagement, Interview, Participant, Turn
from assistant.privacy import spacy_pipeline
from assistant.rubric import get_rubric
from assistant.sentences import is_non_answer, split_sentences
from assistant.synthesis.run import synthesize


def texts_for(data_dir: Path, n: int) -> list[str]:
    """``n`` distinct answers (non-answers left out so every text becomes a segment)."""
    with (data_dir / "nhs_fft" / "v6framework_230831.csv").open(encoding="utf-8-sig", newline="") as fh:
        pool = [r["FFT answer"].strip() for r in csv.DictReader(fh)]
    pool += banking77(data_dir)[0] + polis(data_dir)
    # then single sentences of the longer comments, to reach n distinct texts
    pool += [span.text for t in list(pool) for span in split_sentences(t) if len(span.text) >= 30]
    seen: dict[str, None] = {}
    for t in pool:
        if t and not is_non_answer(t):
            seen.setdefault(t, None)
    out = list(seen)
    if len(out) < n:
        out += two_point_answers(out, n - len(out))
    return out[:n]


def two_point_answers(texts: list[str], need: int, seed: int = 0) -> list[str]:
    """``need`` answers that make two points, each two short ``texts`` joined (seeded, distinct, none
    among ``texts``): how a 50,000-answer run gets more distinct text than the public sets hold."""
    short = [t.strip() for t in texts if 20 <= len(t) <= 160]
    have = set(texts)
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < need:
        a, b = rng.sample(short, 2)
        joined = f"{a}{'' if a[-1] in '.!?' else '.'} {b[:1].upper()}{b[1:]}"
        if joined not in have:
            have.add(joined)
            out.append(joined)
    return out


def add_answers(
    session: Session, engagement_id: int, texts: list[str], components: list[str], per_person: int = 5
) -> None:
    """Submitted interviews holding ``texts`` as staff answers, components round-robin."""
    depts, roles = ["Finance", "Parks", "Police", "Public Works"], ["frontline", "supervisor", "manager"]
    for start in range(0, len(texts), per_person):
        i = start // per_person
        p = Participant(engagement_id=engagement_id, department=depts[i % 4], role_level=roles[i % 3])
        session.add(p)
        session.flush()
        iv = Interview(participant_id=p.id, state="submitted")
        session.add(iv)
        session.flush()
        for j, text in enumerate(texts[start : start + per_person]):
            comp = components[(start + j) % len(components)]
            session.add(
                Turn(
                    interview_id=iv.id,
                    role="staff",
                    kind="answer",
                    component=comp,
                    question_id=f"{comp}.q{j}",
                    text=text,
                )
            )
    session.commit()


class Gaps:
    """A progress listener that keeps the longest wait between two reports (and the report before it),
    passing each report on to ``inner`` when given."""

    def __init__(self, inner: ProgressLines | None) -> None:
        self.inner = inner
        self.last = time.monotonic()
        self.message = "(the start)"
        self.longest = (0.0, self.message)

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last > self.longest[0]:
            self.longest = (now - self.last, self.message)
        self.last, self.message = now, message
        if self.inner is not None:
            self.inner(fraction, message)

    def __str__(self) -> str:
        return f"longest wait between progress reports {self.longest[0]:.1f}s, after {self.longest[1]!r}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--progress", action="store_true", help="print the runs' progress lines (on stderr)")
    args = ap.parse_args()
    progress = ProgressLines(every=0.0) if args.progress else None
    texts = texts_for(args.data_dir, args.n + 100)
    first, later = texts[: args.n], texts[args.n :]
    settings = Settings(_env_file=None)
    rubric = get_rubric(str(settings.rubric_path))
    components = [c.id for c in rubric.components]
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    embedder.encode(["warm up the model"] * 8)
    # the spaCy pipeline (key phrases, name checks) also loads once per process: outside the timing too
    t0 = time.perf_counter()
    spacy_pipeline()
    print(f"load average {os.getloadavg()[0]:.2f}; spaCy pipeline loaded in {time.perf_counter() - t0:.1f}s (untimed)")

    t0, c0 = time.perf_counter(), time.process_time()
    embedder._model.encode(
        first,
        batch_size=settings.embedding_batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    raw, raw_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"raw SentenceTransformer.encode of {len(first)} texts: {raw:.1f}s (CPU {raw_cpu:.1f}s)", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/speed.db"
        migrate(url)
        engine = make_engine(url)
        with Session(engine) as s:
            eng = Engagement(organisation="Speed bench")
            s.add(eng)
            s.commit()
            eid = eng.id
            add_answers(s, eid, first, components)
        gaps = Gaps(progress)
        t0, c0 = time.perf_counter(), time.process_time()
        stats = synthesize(engine, eid, embedder, settings, rubric=rubric, on_progress=gaps)
        full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
        themes = sum(c["themes"] for c in stats["components"].values())
        other = sum(c["other"] for c in stats["components"].values())
        print(
            f"synthesis end to end: {stats['segments']} segments, {stats['embedded']} embedded, {themes} themes, "
            f"{other} other voices in {len(stats['components'])} components: {full:.1f}s"
        )
        print(f"  ratio to raw encode: {full / raw:.2f} (goal <= 1.25); CPU {full_cpu:.1f}s: {full_cpu / raw_cpu:.2f}")
        print(f"  {gaps}")
        with Session(engine) as s:
            add_answers(s, eid, later, components)
        gaps = Gaps(progress)
        t0, c0 = time.perf_counter(), time.process_time()
        stats = synthesize(engine, eid, embedder, settings, rubric=rubric, on_progress=gaps)
        again, again_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"re-synthesis after {len(later)} new answers: {stats['embedded']} embedded "
            f"(goal: {len(later)}), {stats['segments']} segments, {again:.1f}s ({again / full:.2f} of the first run; "
            f"goal <= 0.15); CPU {again_cpu:.1f}s ({again_cpu / full_cpu:.2f})"
        )
        print(f"  {gaps}")
        engine.dispose()


if __name__ == "__main__":
    main()
