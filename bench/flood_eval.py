"""Flood bench: fake open-link participants whose answers reword real ones (filler words, swapped
words, sentences in another order) against the near-duplicate check (``assistant.records.duplicates``).

    .venv/bin/python bench/flood_eval.py              # threshold measurement + the flood on the demo
    .venv/bin/python bench/flood_eval.py --measure    # only the threshold measurement
    .venv/bin/python bench/flood_eval.py --flood --baseline   # only the flood, and again with words only

1. Threshold: on the demo answer bank (assistant/demo/data/answers.yaml, written for the demo),
   cosine similarity of the project's embeddings between each answer and reworded copies of it
   (positives: what a flood sends), and between different people's answers to the same question
   (negatives: honest colleagues on one topic, the hardest honest case). Prints both distributions
   and how many pairs each candidate threshold catches / wrongly joins; ``duplicates.SIMILAR_MEANING``
   was chosen from this table.
2. Flood: seeds the completed demo engagement (``dm3 demo``'s City of Riverton, in a temporary
   database), rates it, then signs up 20 fake open-link participants who each answer every question
   with a reworded copy of the same high-level answers (the tester's attack: words changed so word
   3-grams no longer match) and rates again. Prints each component's level before and after and how
   many fakes were flagged and left out; with ``--baseline`` the same with the meaning check switched
   off (word 3-grams only, the old rule), from the same run.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.demo.answers import load_answer_bank  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402
from assistant.records import duplicates  # noqa: E402

FILLER = [
    "honestly",
    "basically",
    "to be fair",
    "you know",
    "I would say",
    "as far as I can tell",
    "really",
    "in practice",
    "more or less",
    "if I am honest",
]
SWAPS = {
    "we": "our team",
    "data": "information",
    "use": "rely on",
    "every": "each",
    "month": "month or so",
    "report": "summary",
    "reports": "summaries",
    "spreadsheet": "Excel file",
    "shared": "common",
    "staff": "employees",
    "people": "folks",
    "always": "pretty much always",
    "team": "group",
    "manager": "boss",
    "policy": "written rule",
    "system": "software",
    "department": "unit",
}


def reword(text: str, rng: random.Random) -> str:
    """``text`` reworded as a flood would: a filler phrase after about every fourth word, some words
    swapped for near-synonyms, and (for several sentences) the sentences in another order."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    if len(sentences) > 2:
        head, tail = sentences[0], sentences[1:]
        rng.shuffle(tail)
        sentences = [head, *tail]
    out = []
    for word in " ".join(sentences).split():
        bare = word.lower().strip(".,;:!?")
        if bare in SWAPS and rng.random() < 0.7:
            word = word.lower().replace(bare, SWAPS[bare])
        out.append(word)
        if rng.random() < 0.25:
            out.append(rng.choice(FILLER) + ",")
    return " ".join(out)


def measure(embedder, seed: int = 7) -> None:
    """Print the cosine distributions of reworded copies and of different people's answers."""
    bank = load_answer_bank()
    rng = random.Random(seed)
    positives, negatives = [], []
    for entries in bank.answers.values():
        texts = sorted(
            {e.text for e in entries if e.kind == "answer" and len(e.text.split()) >= duplicates.MIN_WORDS_MEANING}
        )
        if len(texts) < 2:
            continue
        variants = [reword(t, rng) for t in texts]
        vectors = embedder.encode(texts + variants)
        base, copies = vectors[: len(texts)], vectors[len(texts) :]
        positives += [float(base[i] @ copies[i]) for i in range(len(texts))]
        sims = base @ base.T
        negatives += [float(sims[i, j]) for i in range(len(texts)) for j in range(i + 1, len(texts))]
    pos, neg = np.array(positives), np.array(negatives)
    print(
        f"answer bank: {len(pos)} answers reworded (positives), {len(neg)} pairs of different answers to one question"
    )
    for name, arr in (("reworded copies", pos), ("different people", neg)):
        q = np.quantile(arr, [0, 0.01, 0.05, 0.5, 0.95, 0.99, 1])
        print(
            f"  {name:17s} min {q[0]:.3f}  p1 {q[1]:.3f}  p5 {q[2]:.3f}  median {q[3]:.3f}"
            f"  p95 {q[4]:.3f}  p99 {q[5]:.3f}  max {q[6]:.3f}"
        )
    print("  threshold  copies caught  honest pairs joined")
    for t in (0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.96):
        mark = "  <- duplicates.SIMILAR_MEANING" if abs(t - duplicates.SIMILAR_MEANING) < 1e-9 else ""
        print(f"  {t:.2f}       {(pos >= t).mean():6.1%}          {int((neg >= t).sum()):4d} of {len(neg)}{mark}")
    print(f"  word 3-gram Jaccard alone catches {statistics.mean(_jaccard_caught(bank, seed)):.1%} of the copies")


def _jaccard_caught(bank, seed: int) -> list[float]:
    rng = random.Random(seed)
    caught = []
    for entries in bank.answers.values():
        for e in entries:
            if e.kind != "answer" or len(e.text.split()) < duplicates.MIN_WORDS:
                continue
            a, b = duplicates.shingles(e.text), duplicates.shingles(reword(e.text, rng))
            caught.append(float(bool(a and b) and len(a & b) / len(a | b) >= duplicates.SIMILAR))
    return caught


def _fake(session, engagement, bank, rubric, rng: random.Random, n: int) -> int:
    """One fake open-link participant who submits a reworded copy of the highest-level bank answer to
    every question their plan holds; returns how many answers they gave."""
    from assistant.models import Interview, Turn, utcnow
    from assistant.records.engagements import Invitee, create_invite

    invite = create_invite(
        session,
        engagement,
        Invitee(engagement.departments[n % len(engagement.departments)], "frontline"),
        source="open_link",
    )
    session.flush()
    questions = [(qid, entries) for qid, entries in sorted(bank.answers.items()) if entries]
    interview = Interview(
        participant_id=invite.participant.id, state="submitted", plan=[q for q, _ in questions], submitted_at=utcnow()
    )
    session.add(interview)
    session.flush()
    for qid, entries in questions:
        best = max((e for e in entries if e.kind == "answer" and e.level), key=lambda e: e.level or 0, default=None)
        if best is None:
            continue
        session.add(
            Turn(
                interview_id=interview.id,
                role="staff",
                kind="answer",
                question_id=qid,
                component=rubric.question(qid)[0].id,
                text=reword(best.text, rng),
                client_turn_id=f"f{n}-{qid}",
            )
        )
    return len(questions)


def _levels(engine, engagement_id: int, embedder) -> tuple[dict[str, int | None], int]:
    from sqlmodel import Session, select

    from assistant.models import Run
    from assistant.rating.offline import OfflineRater
    from assistant.rating.run import propose_for_engagement
    from assistant.rubric import get_rubric

    rubric = get_rubric(str(Settings(_env_file=None).rubric_path))
    rows = propose_for_engagement(engine, engagement_id, OfflineRater(rubric, embedder), embedder=embedder)
    with Session(engine) as session:
        run = session.exec(
            select(Run).where(Run.engagement_id == engagement_id, Run.kind == "rating").order_by(Run.id.desc())
        ).first()
        left_out = int((run.stats or {}).get("flagged_left_out", 0))
    return {r.component: r.level for r in rows}, left_out


def _current_levels(engine, engagement_id: int) -> dict[str, int | None]:
    from sqlmodel import Session

    from assistant.records.review import current_proposals

    with Session(engine) as session:
        return {c: p.level for c, p in current_proposals(session, engagement_id).items()}


def flood(embedder, fakes: int, baseline: bool, seed: int = 11) -> None:
    """Seed the completed demo (rated offline as ``dm3 demo`` does: the levels before), add ``fakes``
    reworded fakes and rate again; with ``baseline``, also the same fakes with the meaning check off
    (word 3-grams only, the old rule) on a copy of the flooded database."""
    import os
    import shutil

    from sqlmodel import Session

    from assistant.db import make_engine, migrate
    from assistant.demo.completed import seed_completed
    from assistant.demo.seed import seed_demo
    from assistant.demo.vectors import demo_embedder
    from assistant.models import Engagement
    from assistant.rubric import get_rubric
    from assistant.synthesis.refresh import refresh_segments

    bank = load_answer_bank()
    rubric = get_rubric(str(Settings(_env_file=None).rubric_path))
    with tempfile.TemporaryDirectory(prefix="dm3-flood-") as tmp:
        here = Path.cwd()
        os.chdir(tmp)
        try:
            url = f"sqlite:///{tmp}/dm3.db"
            settings = Settings(database_url=url, _env_file=None)
            migrate(url)
            engine = make_engine(url)
            with Session(engine, expire_on_commit=False) as session:
                seed_demo(session, settings)
                session.commit()
            engagement_id = seed_completed(engine, settings, embedder=demo_embedder(settings.embedding_model))
            before = _current_levels(engine, engagement_id)
            print(f"demo seeded and rated: {before}", flush=True)
            rng = random.Random(seed)
            with Session(engine, expire_on_commit=False) as session:
                engagement = session.get(Engagement, engagement_id)
                answers = sum(_fake(session, engagement, bank, rubric, rng, n) for n in range(fakes))
                session.commit()
                refresh_segments(session, engagement_id)
                session.commit()
            engine.dispose()
            if baseline:
                shutil.copy(f"{tmp}/dm3.db", f"{tmp}/words_only.db")
            engine = make_engine(url)
            after, left_out = _levels(engine, engagement_id, embedder)
            engine.dispose()
            old, old_left_out = {}, None
            if baseline:
                words_engine = make_engine(f"sqlite:///{tmp}/words_only.db")
                meaning, duplicates.SIMILAR_MEANING = duplicates.SIMILAR_MEANING, 2.0  # no cosine reaches it
                try:
                    old, old_left_out = _levels(words_engine, engagement_id, embedder)
                finally:
                    duplicates.SIMILAR_MEANING = meaning
                words_engine.dispose()
        finally:
            os.chdir(here)
    print(
        f"\nflood: {fakes} fake open-link participants, {answers} reworded high-level answers,"
        " on the demo's completed engagement"
    )
    print(f"  {'component':24s} {'before':>6s} {'after':>6s} {'words only (old rule)':>22s}")
    for component in before:
        print(
            f"  {component:24s} {before[component] or '-':>6} {after.get(component) or '-':>6}"
            f" {old.get(component, '') if baseline else 'not run':>22}"
        )
    moved = [c for c in before if before[c] != after.get(c)]
    print(
        f"  left out as near-duplicates: {left_out} of {fakes}" + (f" (words only: {old_left_out})" if baseline else "")
    )
    print(f"  components whose level moved: {len(moved)} {moved}")
    if baseline:
        moved_old = [c for c in before if before[c] != old.get(c)]
        print(f"  with words only (old rule): {len(moved_old)} {moved_old}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", action="store_true", help="only the threshold measurement")
    parser.add_argument("--flood", action="store_true", help="only the flood (no threshold measurement)")
    parser.add_argument("--baseline", action="store_true", help="also rate the flood with words only (old rule)")
    parser.add_argument("--fakes", type=int, default=20)
    args = parser.parse_args()
    settings = Settings(_env_file=None)
    embedder = get_embedder(settings.embedding_model)
    if not args.flood:
        measure(embedder)
    if not args.measure:
        flood(embedder, args.fakes, args.baseline)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s)")
