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
    assert recall >= 0.6  # measured 62.9% (en_core_web_sm); the roster closes the gap below
    assert false_positives <= 0.12  # measured 8.8%


def test_with_the_engagement_names_every_listed_name_but_one_goes():
    roster = sorted({n for c in COMMENTS for n in c["names"]})
    recall, false_positives = _recall_and_false_positives(Scrubber(roster))
    print(f"\nnames.yaml, model + roster: recall {recall:.1%}, false positives {false_positives:.1%}")
    assert recall >= 0.99
    # roster names that are also words ("Will", "May", "Park") are matched only when capitalised
    assert false_positives <= 0.25


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
