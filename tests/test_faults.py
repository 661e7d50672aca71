"""The fault test, small: staff answer through several server processes on one database while the
processes are SIGKILLed and restarted, with double submits sent to two processes at once. Every
acknowledged answer is stored exactly once and every interview can go on. The faults happen by count
(a kill after every 10 acknowledged answers, every 4th answer sent twice), so a fast machine meets as
many as a slow one. The 1,000-answer run on both engines is ``bench/fault_test.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fault_test import run


@pytest.mark.heavy  # db: the PostgreSQL pass only (concurrent writers and row locks; SQLite serialises writes)
def test_answers_survive_killed_servers_and_double_submits(settings, engine, tmp_path: Path) -> None:
    figures, failures, _seconds = run(
        settings.database_url,
        tmp_path,
        turns=40,
        staff=3,
        servers=2,
        kill_every=10,
        double_every=4,
        seed=5,
        max_seconds=240,
    )
    assert len(figures.acknowledged) >= 40, f"only {len(figures.acknowledged)} answers acknowledged in time"
    # the faults happened, by construction: a kill at 10, 20 and 30 answers, every 4th answer sent twice
    assert figures.kills >= 3 and figures.double_submits >= 10, (figures.kills, figures.double_submits)
    assert failures == {k: 0 for k in failures}, failures
