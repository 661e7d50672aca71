"""Labels a person wrote: a phrase of two to seven words from staff text, never a keyword list, a name
placeholder alone or a number fragment; a theme without one needs a name and keeps its best phrase."""

from __future__ import annotations

import pytest

from assistant.synthesis import phrases as P
from assistant.synthesis.labels import best_phrase, choose_label, is_phrase_label, needs_a_name
from assistant.synthesis.represent import offline_label


@pytest.mark.parametrize(
    "label",
    [
        "Fix, know, automatically",  # the keyword lists
        "Usually, guess, okay",
        "Manage, guess, we'd",
        "[colleague]",  # a name placeholder alone
        "[colleague]'s export",
        "About 40 people",  # a number fragment alone
        "40",
        "Usually guess okay",  # fillers with no content word
        "Spreadsheets",  # one word
        "Spreadsheets (another group)",
        "The export that runs every night and breaks when nobody checks it",  # a sentence, not a label
        "",
    ],
)
def test_what_a_consultant_would_not_keep(label):
    assert not is_phrase_label(label)
    assert needs_a_name(label, "offline") and needs_a_name(label, "llm")


@pytest.mark.parametrize(
    "label", ["Emailed spreadsheet copies", "Data quality", "Waiting times in the emergency department", "Car parking"]
)
def test_phrases_a_consultant_would_keep(label):
    assert is_phrase_label(label) and not needs_a_name(label, "offline")


def test_a_consultants_rename_always_wins():
    assert not needs_a_name("Dave", "consultant") and not needs_a_name("Fix, know", "consultant")


def test_the_label_is_the_first_phrase_that_qualifies_and_is_free():
    found = ["spreadsheets", "about 40 people", "emailed spreadsheet copies", "version control"]
    assert choose_label(found) == "Emailed spreadsheet copies"
    assert choose_label(found, {"emailed spreadsheet copies"}) == "Version control"
    assert choose_label(["spreadsheets", "[colleague]"]) is None
    # none qualifies: the theme keeps its best phrase (it needs a name), never a list
    assert P.label_of(["spreadsheets", "excel"]) == "Spreadsheets"
    assert best_phrase(["[colleague]", "about 40 people", "excel"]) == "Excel"
    assert P.label_of(["spreadsheets"], {"spreadsheets"}) == "Spreadsheets (another group)"


def test_the_offline_label_is_a_phrase_or_one_keyword_never_a_list():
    texts = ["Our data quality is poor in the permits system.", "Data quality checks never happen."]
    assert offline_label(["data quality", "permits", "checks"], texts[0], texts) == "Data quality"
    label = offline_label(["fix", "know", "automatically"], "We fix it when we know.", ["We fix it when we know."])
    assert "," not in label and label == "Fix"
    assert offline_label([], "Nobody owns the data and it shows in every report we send out.") == (
        "Nobody owns the data and it shows…"
    )
