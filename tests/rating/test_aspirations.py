"""An aim is not a practice (issue 17): "we aspire to be a city where residents build on our data"
borrows level 5's words, and read as practice it was level 5. Both engines: the offline engine caps
such a sentence at level 2 (people speak in favour of the practice); the LLM is told the same."""

from __future__ import annotations

import pytest

from assistant.llm.prompts import load_prompt
from assistant.rating.phrasing import ASPIRATION_CAP, is_aspiration
from tests.rating.conftest import items


@pytest.mark.parametrize(
    "sentence",
    [
        "We aspire to publish everything and have residents build tools on it.",
        "Our long-term goal is a governance board with residents on it.",
        "One day we'd like other cities to copy how we run our data team.",
        "Leadership wants to make evidence-based budgeting the norm.",
        "We hope to review our policies every year with residents.",
        "We are planning to measure every pipeline's delays.",
    ],
)
def test_aims_hopes_and_plans_are_recognised(sentence):
    assert is_aspiration(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "We plan replacements a year before the contracts end.",
        "If you want a budget you need to show the data.",
        "The plan has five targets with numbers attached, reported to council twice a year.",
        "Residents hold seats on the data board and help decide what we measure.",
        "We planned the migration off the old billing system a year ahead.",
    ],
)
def test_practice_in_place_is_not_an_aim(sentence):
    assert not is_aspiration(sentence)


def test_an_aim_in_level_five_words_is_not_level_five_evidence(rater):
    aims = items(
        [
            ("ana", "executive", "Our vision is that residents and partners use our published data and build on it."),
            ("ben", "manager", "We aspire to keep improving our standards from user feedback, aligned nationally."),
            ("cy", "executive", "One day we'd like to forecast demand and refine the analysis around what users need."),
            ("dee", "supervisor", "We want to connect new data sources with little effort and measure every delay."),
        ]
    )
    proposal = rater.rate("data_life_cycle", aims)
    assert proposal.status == "proposed", proposal.rationale
    assert proposal.level <= ASPIRATION_CAP, proposal.rationale
    assert all(i.evidence_level is None or i.evidence_level <= ASPIRATION_CAP for i in proposal.indicators)


def test_the_llm_is_told_an_aim_is_not_practice():
    system = load_prompt("rate_component").source
    assert "not a practice in place" in system and "level 2 at most" in system
