"""The causes of under-rating at levels 4-5, each fixed where it arose (see bench/rating_eval.py for figures):
negations that affirm were read as denials, ties between two accounts always went to the lower one, and a
phrase naming a practice that exists capped a sentence at the phrase's level."""

from __future__ import annotations

import pytest

from assistant.rating.aggregate import middle
from assistant.rating.phrasing import is_negative
from tests.rating.conftest import items


@pytest.mark.parametrize(
    "sentence",
    [
        "Nobody starts a new survey here until they've checked whether we already hold the data.",
        "Nothing new goes live without the harm review now.",
        "We lost a third of the department in two years and didn't lose a single report.",
        "We don't stop at reporting a gap.",
        "Council won't take a proposal without the numbers behind it.",
        "No contract is signed unless the data clauses are in it.",
    ],
)
def test_negations_that_affirm_a_practice_are_not_denials(sentence):
    assert not is_negative(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "We don't have a data catalog.",
        "Nobody has a list of what data exists.",
        "There are no written rules, we never check quality.",
        "Reports are not reviewed by anyone.",
    ],
)
def test_denials_stay_denials(sentence):
    assert is_negative(sentence)


def test_a_tie_between_two_accounts_goes_to_the_better_evidenced_not_always_the_lower():
    weak, strong = (False, 0.38), (True, 0.6)
    assert middle([(2, weak), (5, strong)]) == 5
    assert middle([(2, strong), (5, weak)]) == 2
    assert middle([(2, weak), (5, weak)]) == 2  # equally strong: the lower, as before
    assert middle([(1, weak), (4, strong), (5, weak)]) == 4  # odd counts: the middle, whatever the strength


def test_a_named_practice_is_a_floor_so_what_is_said_about_it_can_place_it_higher(rater):
    # Each sentence names a level-3 practice (a continuity plan, the data strategy) and then says how
    # it is used and improved: evidence of more than level 3.
    evidence = items(
        [
            (
                "ana",
                "frontline",
                "After every outage or drill we update the continuity plan, and it is in city policy.",
            ),
            (
                "ben",
                "manager",
                "We rehearse restoring the main systems twice a year and measure how long recovery takes.",
            ),
            ("cy", "executive", "Data funding survived two rounds of cuts because we showed what it paid back."),
            ("dee", "manager", "Training is rebuilt every year from what staff and their managers tell us."),
        ]
    )
    proposal = rater.rate("sustainability_focus", evidence)
    levels = {i.indicator_id: i.evidence_level for i in proposal.indicators}
    assert levels["sus_continuity"] is not None and levels["sus_continuity"] >= 4, proposal.rationale
