"""Stability: the same answers synthesised twice with different seeds are compared with the comparison's
own matching; at most 5% of themes may be reported as changed (the re-run noise the page states)."""

from __future__ import annotations

import pytest

from assistant.demo.answers import load_answer_bank
from assistant.followup.match import changed_share
from assistant.rubric import get_rubric
from assistant.stability import SEEDS, measure, rerun
from tests.factories import make_engagement, seed_segments


def _bank_answers(component: str) -> list[str]:
    """Every typed answer of the demo's answer bank to the component's questions."""
    ids = {q.id for q in get_rubric().component(component).questions}
    return [
        a.text
        for qid, entries in sorted(load_answer_bank().answers.items())
        if qid in ids
        for a in entries
        if a.kind == "answer" and a.text
    ]


@pytest.mark.parametrize("component", ["data_life_cycle", "governance_structures", "equity_lens"])
def test_a_rerun_with_another_seed_reports_at_most_5_percent_of_themes_changed(embedder, component):
    texts = _bank_answers(component)
    assert len(texts) >= 20
    x = embedder.encode(texts)
    people = list(range(len(texts)))  # each answer its own person
    changes, first, second = rerun(texts, x, people, SEEDS)
    assert first and second, "the bank's answers make themes"
    assert changed_share(changes) <= 0.05, [(c.change, c.a, c.b) for c in changes]


def test_the_noise_is_measured_over_an_engagements_stored_answers(session, embedder):
    engagement = make_engagement(session)
    texts = _bank_answers("data_life_cycle")
    seed_segments(
        session, engagement, "data_life_cycle", [(f"person {i}", "frontline", t) for i, t in enumerate(texts)]
    )
    noise = measure(session, engagement.id, ["data_life_cycle", "equity_lens"], embedder)
    assert noise.themes > 0 and noise.changed_share <= 0.05
    assert 0.0 <= noise.margin <= 0.05
    assert noise.as_stats()["seeds"] == list(SEEDS)
