"""Issue 30: polished non-answers get a request for an example, requests aimed elsewhere get the
instruction reply, concrete short answers are accepted. Cases from bench/data/probe_dev.yaml (the
development set), judged by the product's one decision function with the real embedding model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.interview.aimed import aimed_elsewhere
from assistant.interview.concrete import has_concrete_content
from assistant.interview.decide import decide
from assistant.interview.relatedness import Relatedness

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def relate(embedder):
    return Relatedness(embedder)


DEV = {c["id"]: c for c in yaml.safe_load((ROOT / "bench" / "data" / "probe_dev.yaml").read_text("utf-8"))["cases"]}
# one case of each kind of the development set (its "# kind:" comments)
POLISHED = [  # value statement, generality, reassurance, blame, hedge, aspiration, jargon, non-example, long
    "pd-001", "pd-006", "pd-012", "pd-016", "pd-021", "pd-023", "pd-028", "pd-032", "pd-038", "pd-041",
]  # fmt: skip
ELSEWHERE = [  # facilities, IT, HR, the survey's purpose, who reads it, instructions, others' answers, orders
    "pd-042", "pd-045", "pd-048", "pd-052", "pd-053", "pd-059", "pd-062", "pd-064", "pd-066", "pd-074", "pd-080",
]  # fmt: skip
CONCRETE = [  # "not sure of the figure but", an example, a name, a complaint about data work, privacy of own work
    "pd-082", "pd-094", "pd-095", "pd-099", "pd-100", "pd-108", "pd-111", "pd-112", "pd-113", "pd-114", "pd-116",
]  # fmt: skip


def _decide(rubric, relate, case):
    d = decide(
        rubric, case["role_level"], case["component"], case["question"], case["follow_up"], case["answer"], relate
    )
    return d.action, d.reason, d.message


@pytest.mark.parametrize("case_id", POLISHED)
def test_a_polished_non_answer_gets_the_request_for_an_example(rubric, relate, case_id):
    case = DEV[case_id]
    assert case["reason"] == "vague"
    assert not has_concrete_content(case["answer"], rubric.relevance.data_terms)
    action, reason, message = _decide(rubric, relate, case)
    assert (action, reason) == ("probe", "vague") and message in rubric.probes.vague


@pytest.mark.parametrize("case_id", ELSEWHERE)
def test_a_request_aimed_elsewhere_gets_the_instruction_reply(rubric, relate, case_id):
    case = DEV[case_id]
    assert case["reason"] == "off_topic"
    action, reason, message = _decide(rubric, relate, case)
    topics = {q.topic for comp in rubric.components for q in comp.questions}
    assert (action, reason) == ("probe", "off_topic")
    assert any(message == r.format(topic=t) for r in rubric.probes.instruction for t in topics)


@pytest.mark.parametrize("case_id", CONCRETE)
def test_a_concrete_answer_is_accepted(rubric, relate, case_id):
    case = DEV[case_id]
    assert case["action"] == "accept"
    assert not aimed_elsewhere(case["answer"], rubric.relevance.data_terms)
    assert _decide(rubric, relate, case) == ("accept", None, None)


def test_words_that_only_start_like_data_terms_are_not_concrete(rubric):
    """ "approach" is no app, "important" no import, "of course" no training course."""
    terms = rubric.relevance.data_terms
    assert not has_concrete_content("It is an important approach and of course we apply it appropriately.", terms)
    assert has_concrete_content("We built an app for the inspectors.", terms)


@pytest.mark.parametrize(
    "answer",
    [
        "It came up, as it always does, and it informed the conversation the way it should.",
        "It has happened in various forms over the years and we got through it eventually.",
        "We hope one day residents will have more of a say, it's something we'd like to work towards.",
    ],
)
def test_set_phrases_that_hold_a_data_word_or_a_time_name_nothing(rubric, answer):
    """Round 6: "informed" is no informe (a report), "in various forms" no form, "one day" after a hope no day."""
    assert not has_concrete_content(answer, rubric.relevance.data_terms)


@pytest.mark.parametrize(
    "answer",
    [
        "One day last spring the server died and we lost the permit log.",
        "I fill in the inspection forms and send the informe to the state.",
        "The vendor informed us in March that the export would change.",
    ],
)
def test_the_same_words_naming_a_thing_or_a_time_stay_concrete(rubric, answer):
    assert has_concrete_content(answer, rubric.relevance.data_terms)
