"""A synthesis run's progress: every step of a run is recorded on its Run row with counts, as it goes."""

from __future__ import annotations

import re

from sqlmodel import Session

from assistant.jobs import latest_run, track_run
from assistant.synthesis.run import synthesize
from tests.synthesis.seed import TOPICS, seed


def test_stored_progress_moves_through_every_step_with_counts(engine, session, embedder, rubric):
    data = seed(session)  # 16 people x 6 answers in 2 components
    seen: list[tuple[float, str, float, str]] = []

    def heard(fraction: float, message: str) -> None:
        with Session(engine) as s:  # what a page polling the run reads at that moment
            row = latest_run(s, data.engagement.id, "synthesis")
            seen.append((fraction, message, row.progress, row.message))

    synthesize(engine, data.engagement.id, embedder, rubric=rubric, on_progress=heard, tick_s=0.0)
    messages = [m for _, m, _, _ in seen]
    # each report was on the row before anyone was told of it (the page shows what the CLI prints)
    for fraction, message, stored_fraction, stored_message in seen:
        assert (stored_fraction, stored_message) == (fraction, message)
    fractions = [f for f, _, _, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert messages.index("Collecting answers: 96 of 96 segmented") < messages.index("Embedding 96 of 96 new sentences")
    comps = sorted(TOPICS)
    for i, comp in enumerate(comps, start=1):
        where = f"Themes for {comp} ({i} of {len(comps)})"
        mine = [m[len(where) + 2 :] for m in messages if m.startswith(where + ": ")]
        assert mine[0] == "48 segments"
        assert "clustering 48 segments" in mine
        assert any(re.fullmatch(r"gathering \d+ groups into top themes", m) for m in mine), mine
        assert any(re.fullmatch(r"reading \d+ of \d+ texts", m) for m in mine), mine
        assert any(re.fullmatch(r"embedding \d+ key phrases", m) for m in mine), mine
        named = [m for m in mine if m.startswith("named ")]
        total = int(re.fullmatch(r"named 1 of (\d+) themes", named[0]).group(1))
        assert named == [f"named {k} of {total} themes" for k in range(1, total + 1)]


def test_counts_within_a_step_are_written_at_most_once_a_tick(engine, session, embedder, rubric):
    data = seed(session, people=8)
    messages: list[str] = []
    synthesize(engine, data.engagement.id, embedder, rubric=rubric, on_progress=lambda f, m: messages.append(m))
    # with the default tick (a second) this small run writes each step's start, few of its counts
    assert any(m.startswith("Themes for data_life_cycle (1 of 2)") for m in messages)
    assert sum(m.startswith("Themes for") and "named" in m for m in messages) < 10
    # however soon after the step before, a step's start is written: what the run does shows at each step
    for i, comp in enumerate(sorted(TOPICS), start=1):
        mine = [m.split(": ", 1)[1] for m in messages if m.startswith(f"Themes for {comp} ({i} of 2): ")]
        n = mine[0].split()[0]
        assert mine[:2] == [f"{n} segments", f"clustering {n} segments"], mine
        assert re.fullmatch(r"gathering \d+ groups into top themes", mine[2]), mine
        assert any(re.fullmatch(r"reading \d+ of \d+ texts", m) for m in mine), mine


def test_a_step_start_is_written_at_once_and_counts_within_it_once_a_tick(engine, session):
    data = seed(session, people=4)
    heard: list[str] = []
    options = {"tick_s": 60.0, "on_progress": lambda f, m: heard.append(m)}
    with track_run(engine, data.engagement.id, "synthesis", **options) as tracker:
        _steps(tracker)
        with Session(engine) as s:
            assert latest_run(s, data.engagement.id, "synthesis").message == heard[-1]
    assert heard == [
        "Themes for equity_lens (1 of 6): 8,300 segments",
        "Themes for equity_lens (1 of 6): clustering 8,300 segments",
        "Themes for equity_lens (1 of 6): gathering 120 groups into top themes",
        "Themes for equity_lens (1 of 6): gathering 120 groups into top themes: 1 of 20 ways tried",
        "Themes for equity_lens (1 of 6): reading 64 of 5,000 texts",
        "Done",
    ]


def _steps(tracker) -> None:
    tracker.progress(0.1, "Themes for equity_lens (1 of 6): 8,300 segments")
    tracker.tick(0.11, "Themes for equity_lens (1 of 6): clustering 8,300 segments")
    tracker.tick(0.12, "Themes for equity_lens (1 of 6): gathering 120 groups into top themes")
    for k in range(1, 4):
        gathering = "Themes for equity_lens (1 of 6): gathering 120 groups into top themes"
        tracker.tick(0.12 + k / 1000, f"{gathering}: {k} of 20 ways tried")
    tracker.tick(0.2, "Themes for equity_lens (1 of 6): reading 64 of 5,000 texts")
    tracker.tick(0.21, "Themes for equity_lens (1 of 6): reading 128 of 5,000 texts")
