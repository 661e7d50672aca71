"""Plain-language questions: what the interview asks each role level reads at a level that role can take in.

Grade level is the Flesch-Kincaid formula (0.39 × words per sentence + 11.8 × syllables per word
− 15.59) with syllables counted by pyphen's hyphenation dictionary (offline; textstat's English
syllable counter needs a download at run time). Frontline questions and their follow-ups stay at
or below grade 8.
"""

from __future__ import annotations

import re

import pyphen
import pytest

LIMITS = {"frontline": 8.0, "supervisor": 10.0, "manager": 12.0, "executive": 12.0}
_DIC = pyphen.Pyphen(lang="en_US")


def syllables(word: str) -> int:
    """Syllables of one word: hyphenation points plus one (at least one)."""
    return max(1, len(_DIC.positions(word)) + 1)


def grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text``."""
    words = re.findall(r"[A-Za-z']+", text)
    sentences = max(1, len(re.findall(r"[.!?]+", text)))
    return 0.39 * len(words) / sentences + 11.8 * sum(syllables(w) for w in words) / len(words) - 15.59


def test_the_grade_level_measure_tells_plain_from_dense():
    assert grade("Who do you tell when you spot a mistake?") < 5
    assert grade("How do insights from community organisations reach the people who make decisions about data?") > 8


@pytest.mark.parametrize("role", list(LIMITS))
def test_questions_for_each_role_level_read_at_its_level(rubric, role):
    too_hard = []
    for comp in rubric.components:
        for q in comp.questions:
            if role in q.roles:
                for text in [q.text] + (q.probes if role == "frontline" else []):
                    if grade(text) > LIMITS[role]:
                        too_hard.append(f"{q.id}: {grade(text):.1f} {text}")
    assert not too_hard, f"{role} questions above grade {LIMITS[role]}:\n" + "\n".join(too_hard)
