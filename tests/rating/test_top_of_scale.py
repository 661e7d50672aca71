"""The causes of under-rating at levels 4-5, each fixed where it arose (see bench/rating_eval.py for figures):
negations that affirm were read as denials, ties between two accounts always went to the lower one, and a
phrase naming a practice that exists capped a sentence at the phrase's level."""

from __future__ import annotations

import pytest

from assistant.llm.prompts import load_prompt
from assistant.rating.aggregate import Vote, indicator_level, reached
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


def test_an_even_split_between_two_levels_goes_to_the_higher_as_the_rubric_rule_does():
    # The level at least half the accounts reach (cumulative support: an account at 5 supports 4).
    assert reached([4, 5]) == 5
    assert reached([2, 5]) == 5
    assert reached([3, 3, 5, 5]) == 5
    assert reached([2, 2, 2, 5]) == 2  # one account in four does not carry a level
    assert reached([1, 4, 5]) == 4  # odd counts: the middle account
    assert reached([5, 1, 4]) == 4  # order does not matter


@pytest.mark.parametrize("levels", [[1], [3, 1], [2, 4, 4, 1], [5, 5, 1, 1, 3], [2, 3, 4, 5, 1, 2], [4, 4, 4, 4, 5, 3]])
def test_reached_is_the_rubric_share_rule_applied_to_accounts(levels):
    by_definition = max(lvl for lvl in range(1, 6) if sum(v >= lvl for v in levels) >= len(levels) / 2)
    assert reached(levels) == by_definition


def test_a_person_and_an_indicator_take_the_level_half_their_accounts_reach():
    # Ana says one thing that sounds close to level 3 and one at level 5 (no rubric phrase in either, the
    # level-3 reading the closer); Ben speaks at 4. Ana's level is 5, and with Ben at 4 the indicator is 5.
    ana = items([("ana", "frontline", "x"), ("ana", "frontline", "y")])
    ben = items([("ben", "manager", "z")], prefix="B-")
    votes = [
        Vote(ana[0], "sounds like level three", 3, False, 0.7),
        Vote(ana[1], "sounds like level five", 5, False, 0.4),
        Vote(ben[0], "sounds like level four", 4, False, 0.6),
    ]
    got = indicator_level(votes)
    assert got.person_level == {"ana": 5, "ben": 4}
    assert got.level == 5


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


def test_the_llm_is_told_the_same_rule_for_an_indicator_level():
    system = load_prompt("rate_component").source
    assert "highest level that at least half of those people reach or exceed" in system
    assert "an even split between two levels goes to the higher" in system
