"""Issue 30, round 8: where the one-level errors came from, as hard cases.

A sentence that speaks to no indicator of its own continues the account of the sentence before it in the
same answer (``offline.continuations``): level-5 practice told in several sentences ("It's survived two
mayors now. Other cities copied how we set it up.") read at the level of its first sentence, one low.
A sentence that only denies names nothing in place and is level 1 (``phrasing.only_denies``): read at
level 2, level-1 accounts rated one high. A negated loss ("it didn't disappear when she left") is no
denial and describes no lack."""

from __future__ import annotations

import pytest

from assistant.rating.evidence import screen
from assistant.rating.offline import _units, continuations
from assistant.rating.phrasing import describes_lack, is_negative, only_denies
from tests.rating.conftest import items


def test_a_sentence_that_speaks_to_nothing_continues_the_one_before_it_in_the_same_answer():
    read = [[1], [], [], [0, 2], []]
    follows = continuations(["S1", "S1", "S1", "S2", "S3"], read)
    # S1's second and third sentences carry on its account (a chain); S3 is a new answer: it continues nothing
    assert follows == [None, 0, 1, None, None]
    assert read == [[1], [1], [1], [0, 2], []]


def test_a_sentence_after_one_that_spoke_to_nothing_continues_nothing():
    read = [[], [], [3]]
    assert continuations(["S1", "S1", "S1"], read) == [None, None, None]
    assert read == [[], [], [3]]


def test_a_sentence_with_an_indicator_of_its_own_is_no_continuation():
    read = [[1], [2]]
    assert continuations(["S1", "S1"], read) == [None, None]
    assert read == [[1], [2]]


# Written for this test in plain staff words (not bench text): the role's lasting and being copied is said
# in sentences that name neither the role nor the topic.
LASTING_ROLE = [
    (
        "ana",
        "manager",
        "The head of data job is written into the city charter. It's survived two mayors now. "
        "Three people have held it, and other towns have copied how we set it up.",
    ),
    ("ben", "executive", "Our head of data has her own budget and settles arguments between departments."),
    ("cy", "supervisor", "Council signed off the plan for information, tied to the city's five goals."),
]


def test_the_sentences_that_carry_on_an_account_count_for_its_indicator_and_are_quoted_alone(rater):
    evidence = items(LASTING_ROLE)
    model = rater._model("leadership_alignment")
    votes = rater._votes(model, _units(screen(evidence)[0]))
    sponsor = [v for v in votes["lead_sponsor"].votes if v.item.id == "E-1"]
    said = {v.sentence for v in sponsor}
    assert "It's survived two mayors now." in said
    assert all(s in evidence[0].text for s in said)  # each quote is a verbatim sentence, not the joined pair
    # what they say of the role's lasting reads at the top of the scale, not below the role's first sentence
    first = next(v.level for v in sponsor if v.sentence.startswith("The head of data job"))
    assert max(v.level for v in sponsor) >= first


@pytest.mark.parametrize(
    "sentence",
    [
        "We have never done a harm review or an impact assessment on any system we bought.",
        "Nobody has ever told us what leadership wants from data, and I can't tell you why they collect it.",
        "I've never seen a strategy.",
        "There is no data vision that I know of.",
    ],
)
def test_a_sentence_that_only_denies_names_nothing_in_place(sentence):
    assert only_denies(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Some teams keep their own list, but nobody updates it.",  # something in place, in pockets
        "Reports don't come with a methods note, we just give the number.",
        "Nothing goes live without a review.",  # a negation that affirms
        "We keep a catalogue with an owner for each dataset.",
    ],
)
def test_a_sentence_that_says_what_is_there_does_not_only_deny(sentence):
    assert not only_denies(sentence)


def test_a_negated_loss_is_neither_a_denial_nor_a_lack():
    for sentence in [
        "The data director job is written into the bylaws, so it didn't disappear when the founder left.",
        "The group never stalled when its chair moved on.",
        "Every agreement sits in one tracker, and none has lapsed in two years.",
    ]:
        assert not is_negative(sentence), sentence
        assert not describes_lack(sentence), sentence


# Written for this test (not bench text): every account denies the practice outright.
NOTHING_IN_PLACE = [
    ("ana", "frontline", "We have never checked who our forms leave out."),
    ("ben", "manager", "Nobody has ever asked residents what we should measure."),
    ("cy", "supervisor", "Nobody splits any of our results by neighbourhood or by group."),
    ("dee", "frontline", "There's no methods note on anything we publish."),
]


def test_outright_denials_read_at_level_one(rater):
    proposal = rater.rate("equity_lens", items(NOTHING_IN_PLACE), k=5)
    assert proposal.level == 1, proposal.rationale
    assert all(i.evidence_level in (None, 1) for i in proposal.indicators), proposal.rationale
