"""Issue 30, round 9: a practice done on a stated cadence is a routine, not ad hoc work.

On the held-out groups, 8 of 21 sentences written at level 4 read closest to a level-1 text: "Every six
months we go down the list of who can open patient files and take people off" sounds like "access is given
to whoever asks" (both are about who can open what), and one such reading pulls the whole component to
level 1 under the rubric rule. The rubric places a review, check or meeting held on a schedule at level 3
or above ("on a set schedule", "reviewed regularly", "checked on a schedule"); level 1 is work done ad hoc.
So a sentence that says something is reviewed, checked, measured or met about on a stated cadence, and
denies nothing, is read at level 3 at least (``phrasing.states_routine``). A cadence alone is not enough:
"every week I email the spreadsheet to finance" is data copied by hand (level 2), and "every time it
breaks we ring IT" is no cadence at all."""

from __future__ import annotations

import pytest

from assistant.rating.evidence import screen
from assistant.rating.offline import _units
from assistant.rating.phrasing import states_routine
from tests.rating.conftest import items

# written for this test in plain staff words, not taken from any bench set
ROUTINES = [
    "The permit team reconciles its counts with finance every quarter.",
    "Twice a year we walk through who still has access to the payroll files and take off anyone who left.",
    "Each budget cycle the departments report how complete their records are.",
    "We meet every other week to go through the open data requests.",
    "Once a year an outside firm audits how we handle the benefits records.",
    "Every three months the records group checks a sample of case files for mistakes.",
    "Every spring we check which neighbourhoods answered the survey and go knocking where few did.",
    "The data committee reviews the error log monthly and assigns each problem to someone.",
]
NOT_ROUTINES = [
    "Every week I email the spreadsheet to finance.",  # data copied by hand, on a cadence: no review
    "Every time something breaks we ring IT and hope.",  # reactive, not a cadence
    "Every department checks its own numbers however it likes.",  # "every" of departments, not of time
    "We have no regular meeting where anyone checks the data.",  # a denial
    "We'd like to review who has access every year.",  # an aim
    "Nobody has reviewed the access list in years.",  # a denial
]


@pytest.mark.parametrize("sentence", ROUTINES)
def test_a_review_check_or_meeting_on_a_stated_cadence_is_a_routine(sentence):
    assert states_routine(sentence)


@pytest.mark.parametrize("sentence", NOT_ROUTINES)
def test_copying_on_a_cadence_reacting_every_time_denials_and_aims_are_not(sentence):
    assert not states_routine(sentence)


def test_a_routine_is_never_read_below_level_3_whichever_indicator_it_speaks_to(rater):
    # without the rule both routines read at level 2 on access (closest to "access depends on who you ask")
    evidence = items(
        [
            (
                "ana",
                "manager",
                "Each quarter we review who has access to the water billing data and remove old accounts.",
            ),
            (
                "ben",
                "supervisor",
                "Every year the data group goes through the access list for the payroll system with each manager.",
            ),
            ("cy", "frontline", "You ask whoever set up the folder and they let you in."),
        ]
    )
    model = rater._model("governance_structures")
    votes = rater._votes(model, _units(screen(evidence)[0]))
    read = [(v.item.id, v.level) for e in votes.values() for v in e.votes]
    routine = [level for sid, level in read if sid in ("E-1", "E-2")]
    assert routine and min(routine) >= 3, read
    # the ad hoc answer is not lifted
    assert all(level <= 2 for sid, level in read if sid == "E-3"), read
