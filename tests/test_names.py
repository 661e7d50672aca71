"""No person's name in what consultants read: the name scrubber on bench/data/names.yaml (real staff
phrasing, written for this purpose), with the named-entity model and with the engagement's names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assistant.privacy import COLLEAGUE, Scrubber

COMMENTS = yaml.safe_load((Path(__file__).parent.parent / "bench" / "data" / "names.yaml").read_text("utf-8"))[
    "comments"
]


def _count(text: str, name: str) -> int:
    return len(re.findall(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text))


def _recall_and_false_positives(scrubber: Scrubber) -> tuple[float, float]:
    out = scrubber.scrub_all([c["text"] for c in COMMENTS])
    found = total = fps = clean = 0
    for c, text in zip(COMMENTS, out, strict=False):
        if not c["names"]:
            clean += 1
            fps += text != c["text"]
        for name in dict.fromkeys(c["names"]):
            wanted = c["names"].count(name)
            total += wanted
            found += min(wanted, _count(c["text"], name) - _count(text, name))
    return found / total, fps / clean


def test_the_model_finds_most_names_and_leaves_most_name_free_comments_alone():
    recall, false_positives = _recall_and_false_positives(Scrubber())
    print(f"\nnames.yaml, model only: recall {recall:.1%}, false positives {false_positives:.1%}")
    # measured 97.9% and 1.5% (en_core_web_sm, the first-name gazetteer and the context rules; the model
    # alone found 61.5% with 8.8% false positives)
    assert recall >= 0.95
    assert false_positives <= 0.03


def test_with_the_engagement_names_every_listed_name_but_one_goes():
    roster = sorted({n for c in COMMENTS for n in c["names"]})
    recall, false_positives = _recall_and_false_positives(Scrubber(roster))
    print(f"\nnames.yaml, model + roster: recall {recall:.1%}, false positives {false_positives:.1%}")
    assert recall >= 0.99
    # roster names that are also words ("Will", "May", "Park") are matched only when capitalised and where
    # a person is meant ("Will is", not "Will the new system"); measured 2.9%
    assert false_positives <= 0.06


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mrs. Castillo at the front desk keeps a paper log.", "[colleague] at the front desk keeps a paper log."),
        (
            "Honestly the monthly report lives in Gary's head.",
            "Honestly the monthly report lives in [colleague]'s head.",
        ),
        ("kevin made the power bi dashboard", "[colleague] made the power bi dashboard"),  # on the roster
    ],
)
def test_titles_and_possessives_and_roster_names(text, expected):
    assert Scrubber(["Kevin Moore"]).scrub(text) == expected


def test_the_placeholder_is_the_colleague_marker():
    assert COLLEAGUE == "[colleague]"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("only Dave can run the export", "only [colleague] can run the export"),
        ("ask maria, she keeps the vendor file", "ask [colleague], she keeps the vendor file"),
        ("Will's report is the only copy we have.", "[colleague]'s report is the only copy we have."),
        (
            "Siobhan's spreadsheet is the only list of contracts.",
            "[colleague]'s spreadsheet is the only list of contracts.",
        ),
        ("We call Sgt. Morales when the codes look off.", "We call [colleague] when the codes look off."),
        ("DJ runs the export every Friday.", "[colleague] runs the export every Friday."),
        ("Noor and Ilse are building the inventory.", "[colleague] and [colleague] are building the inventory."),
        ("Grace built the intake form.", "[colleague] built the intake form."),
        # a theme's keywords and the key phrases of its summary come from staff words, names included
        ("terrence", "[colleague]"),
        (
            "raise data governance committee, only dave and vendor file; terrence data stuff",
            "raise data governance committee, only [colleague] and vendor file; [colleague] data stuff",
        ),
        # another language's answer: its capitalised names still go
        (
            "Los datos de la encuesta los guarda Marta en una carpeta.",
            "Los datos de la encuesta los guarda [colleague] en una carpeta.",
        ),
    ],
)
def test_a_colleague_nobody_listed_is_found_without_a_roster(text, expected):
    assert Scrubber().scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Will the new system talk to the old one?",
        "In May we switched to the new permitting software.",
        "May I add something about the training?",
        "Mark the dataset as retired when it is no longer updated.",
        "The Hope Street shelter gives us their counts every quarter.",
        "Chase Bank sends the lockbox file every morning.",
        "Tyler Munis and Tyler EnerGov do not talk to each other.",
        "The Clerk's Office owns the retention schedule.",
        "HR keeps training records in a separate system called Cornerstone.",
        "I ask my manager and she tells us what to do.",
        "We put in a ticket with Tyler for Munis problems.",
        "I fix it in RecTrac if I can.",
        "Email me at the usual address please.",
        "Version 3.2.1 of the tool, server 192.168.100.200.",
        "The interview can be done only in French or English.",
        "Accuracy is something we take very seriously here.",
        "data; server; spreadsheet macro; will",
        "Tyler Munis",  # a system's name in the catalogue, the data-flow map and the report's bottlenecks
        '<meta http-equiv="refresh" content="0">',  # markup typed as an answer: "meta" is no lower-case name
    ],
)
def test_words_systems_and_places_written_like_names_stay(text):
    assert Scrubber().scrub(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Maria Hall emails me every week.", "[colleague] emails me every week."),
        ("Jane Park retypes it.", "[colleague] retypes it."),
        ("Susan Ward in Finance owns it.", "[colleague] in Finance owns it."),
        ("Main St is closed on Fridays.", "Main St is closed on Fridays."),
        ("City Hall owns the retention schedule.", "City Hall owns the retention schedule."),
    ],
)
def test_a_family_name_that_is_also_a_place_word_is_still_a_name(text, expected):
    """A given name with a family name like Hall, Park or Ward is a person; a place stays."""
    assert Scrubber().scrub(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Lane usually reconciles it.", "[colleague] usually reconciles it."),
        ("I ask Lane first, and Will knows the rest.", "I ask [colleague] first, and [colleague] knows the rest."),
        ("Will the new system talk to the old one?", "Will the new system talk to the old one?"),
        ("In May we switched systems.", "In May we switched systems."),
        ("Our Hope Street office keeps the paper files.", "Our Hope Street office keeps the paper files."),
        ("the new system will work", "the new system will work"),
    ],
)
def test_a_listed_name_that_is_also_a_word_goes_wherever_its_capital_says_a_name(text, expected):
    """Names the engagement lists that are words ("Lane", "Will", "May", "Hope"): inside a sentence a
    capital says a name; at a sentence's start only what follows does."""
    assert Scrubber(["Rosa Lane", "Will Tan", "Hope Diaz", "May Chen"], ner=False).scrub(text) == expected
