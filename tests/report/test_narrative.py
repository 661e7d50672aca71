"""The report's prose says each thing once (issue 28: "5 of 5 indicators...; 5 of 5 indicators...")."""

from __future__ import annotations

from assistant.report.narrative import say_once
from assistant.report.quotes import normalised


def test_a_rationale_says_each_thing_once():
    rationale = (
        "Level 2 (Developing): 5 of 5 indicators have evidence, from 35 people (15 quoted); 5 of 5 indicators, "
        "35 people, 5 departments, frontline and leadership disagree on 1 indicator. Knowing what data you hold: "
        "evidence at level 3 from 14 people [E-2] (met). Knowing what data you hold: evidence at level 3 from "
        "14 people [E-2] (met)."
    )
    once = say_once(rationale)
    assert once.count("5 of 5 indicators") == 1 and once.count("35 people") == 1
    assert once.count("Knowing what data you hold") == 1
    assert "5 departments, frontline and leadership disagree on 1 indicator" in once


def test_quotes_that_differ_only_in_case_punctuation_or_a_replaced_name_are_one():
    assert normalised("We ask [colleague] every time!") == normalised("we ask every time")
    assert normalised("Only Dave knows.") != normalised("Only Sam knows.")  # names are compared after scrubbing
