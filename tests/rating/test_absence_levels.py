"""Issue 30, round 6: a sentence that says nothing is missing is not read at a level-1 text that describes a lack.

The cause of one-level and larger errors on held-out sets: a sentence of practice in place ("the
head-of-data job is in the city bylaws now") sat closest to the level-1 text of its indicator ("data
work depends on one enthusiast with no authority") because both talk about the same thing, and was read
as level 1. Level 1 texts that describe something done (re-typing, files passed by email) stay open.
"""

from __future__ import annotations

import numpy as np

from assistant.rating.offline import absence_levels, similarity_level


def test_a_level_text_that_denies_is_left_out_for_a_sentence_that_denies_nothing():
    sims = np.array([0.55, 0.40, 0.45, 0.50, 0.30])
    absence = absence_levels(
        [
            "Nobody is clearly responsible for key datasets, and problems bounce between teams.",
            "Owners of some datasets are known informally, but responsibilities are unwritten.",
            "Named data owners and stewards for critical datasets have written responsibilities.",
            "Stewards have time set aside, meet regularly, and their work is measured.",
            "Stewardship is a recognised role across the organisation.",
        ]
    )
    assert absence.tolist() == [True, False, False, False, False]
    assert similarity_level(sims) == 1  # a sentence that denies something: every level is open
    assert similarity_level(sims, absence) == 4  # one that denies nothing: the closest other level


def test_a_level_one_text_that_describes_something_done_stays_open():
    absence = absence_levels(
        [
            "Staff re-type data from paper or one system into another and pass files around by email.",
            "Some data moves by scheduled exports or shared drives, but much is still copied by hand.",
            "Key data flows are documented.",
            "Data moves through automated, monitored pipelines.",
            "Staff describe improving data flows.",
        ]
    )
    assert not absence.any()
    assert similarity_level(np.array([0.55, 0.40, 0.45, 0.50, 0.30]), absence) == 1


def test_a_sentence_of_practice_in_place_is_not_read_as_its_absence(rater):
    from tests.rating.conftest import items

    evidence = items(
        [
            ("ana", "manager", "The head-of-data job is in the city bylaws now."),
            ("ben", "executive", "Our head of data has her own budget and settles arguments between departments."),
            ("cy", "supervisor", "Council signed off the plan for information, tied to the city's five goals."),
        ]
    )
    proposal = rater.rate("leadership_alignment", evidence, k=5)
    sponsor = next(i for i in proposal.indicators if i.indicator_id == "lead_sponsor")
    assert sponsor.evidence_level is not None and sponsor.evidence_level >= 3, proposal.rationale


def test_words_of_dependence_or_of_work_that_stops_describe_a_lack_without_a_negation():
    from assistant.rating.phrasing import describes_lack

    for sentence in [
        "Kim is the unofficial data person.",
        "All the data stuff is Maria doing it on the side of her real job.",
        "When she was off for two months, everything stopped.",
        "Decisions get made on gut feel or whoever argues hardest in the room.",
        "She has no budget and no title for it.",  # two denials, still a lack
        "We only ever report the overall totals.",  # "only" says what is not there
    ]:
        assert describes_lack(sentence), sentence
    for sentence in [
        "The head-of-data job is in the city bylaws now.",
        "Every sharing deal sits in one tracker with its end date.",
    ]:
        assert not describes_lack(sentence), sentence
