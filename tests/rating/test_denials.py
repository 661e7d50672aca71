"""Denials are counted per denial, not by the parity of every negation in the text (issue 30): two
coordinated denials ("no budget and no title") do not cancel each other, while negations inside one
denial still do ("you don't get a budget without the data")."""

from __future__ import annotations

import pytest

from assistant.rating.phrasing import denies, is_negative, normalise


@pytest.mark.parametrize(
    "text",
    [
        "There's no budget and no title for it.",
        "Nobody checks and nothing is written down.",
        "Neither a budget nor a title.",
        "We don't have a budget nor a title.",
        "We have no owner and never review it.",
        "No data catalog or inventory.",
    ],
)
def test_coordinated_denials_do_not_cancel_each_other(text):
    assert denies(normalise(text))
    assert is_negative(text)


@pytest.mark.parametrize(
    "text",
    [
        "You don't get a budget without the data.",
        "Nothing goes live without a review.",
        "There isn't a single report without an owner.",
        "We have a budget and nothing goes live without a review.",
        "We keep a catalogue and a named owner for each dataset.",
    ],
)
def test_negations_within_one_denial_still_cancel(text):
    assert not denies(normalise(text))
    assert not is_negative(text)


def test_a_signal_after_a_second_denial_is_denied():
    # the offline engine's scope for a signal: the words of its clause before it
    assert denies(normalise("we have no budget and no"))


@pytest.mark.parametrize(
    "text",
    [
        "We couldn't say who owns the permit data.",
        "I wouldn't know where the rules are kept.",
        "Finance could not tell us which figures were final.",
        "We wouldn't trust the numbers from the old system.",
    ],
)
def test_could_not_and_would_not_deny(text):
    # written after session 10 noted them missing from the negations (issue 30)
    assert is_negative(text)
