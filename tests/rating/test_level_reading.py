"""Issue 30: which indicator a sentence speaks to reads each indicator's description and level texts
jointly, and a sentence's level is read against its indicator's level texts and the same level across
the component (``offline.joint_topics``, ``offline.component_levels``)."""

from __future__ import annotations

import numpy as np

from assistant.rating.offline import component_levels, joint_topics, similarity_level
from tests.rating.conftest import items


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def test_a_level_is_read_against_the_same_level_across_the_component():
    # the sentence's own indicator puts level 2 a hair above level 4; the component's other indicators
    # all place it at 4: read on the component's scale it is 4
    sims = np.array(
        [
            [0.20, 0.46, 0.30, 0.45, 0.35],
            [0.10, 0.20, 0.30, 0.50, 0.30],
            [0.15, 0.25, 0.30, 0.48, 0.32],
        ]
    )
    assert similarity_level(sims[0]) == 2
    assert similarity_level(component_levels(sims)[0]) == 4


def test_a_clear_reading_on_the_indicator_is_kept():
    # a wide margin on the indicator's own texts is not overturned by its neighbours
    sims = np.array([[0.10, 0.20, 0.70, 0.30, 0.20], [0.10, 0.20, 0.30, 0.45, 0.30]])
    assert similarity_level(component_levels(sims)[0]) == 3


def test_topics_join_the_description_and_the_level_texts():
    described = np.array([_unit([1, 0, 0]), _unit([0, 1, 0])])
    levels = np.stack([np.tile(_unit([0, 0, 1]), (5, 1)), np.tile(_unit([0, 1, 0]), (5, 1))])
    topics = joint_topics(described, levels)
    assert np.allclose(np.linalg.norm(topics, axis=1), 1.0)
    # a sentence in the words of the first indicator's level texts, not of its description
    sentence = _unit([0.2, 0.3, 1.0])
    assert int((described @ sentence).argmax()) == 1  # by the descriptions alone: the wrong indicator
    assert int((topics @ sentence).argmax()) == 0


def test_the_rater_reads_topics_jointly(rater):
    model = rater._model("sustainability_focus")
    comp = model.component
    described = rater.embedder.encode([f"{ind.name}: {ind.description}" for ind in comp.indicators])
    assert np.allclose(model.topics, joint_topics(described, model.descriptions), atol=1e-5)


# Plain words for dlc_inventory level 3 ("one organisation-wide inventory of datasets, with owners and
# descriptions, that is kept up to date"). On the indicator's own five texts alone each sits nearer level 2
# ("some departments keep their own list ... partial and rarely updated"); read on the component's scale, 3.
ONE_LIST = [
    (
        "ana",
        "frontline",
        "There's one list of all our datasets on the intranet, each with an owner and a short description, "
        "and it's kept current.",
    ),
    (
        "ben",
        "manager",
        "We have a single list of every dataset the council holds, who owns it and what's in it, "
        "and it is kept current.",
    ),
]
# a third account, for the rubric minimum of three segments
ALSO = (
    "cy",
    "supervisor",
    "Every dataset we hold is on the one list on the intranet, with its owner and a description.",
)


def test_the_rater_reads_each_sentence_on_the_component_scale(rater):
    model = rater._model("data_life_cycle")
    for item in items(ONE_LIST):
        votes = rater._votes(model, [(item, item.text)])["dlc_inventory"].votes
        assert [v.level for v in votes] == [3], item.text


def test_an_inventory_in_plain_words_is_level_three(rater):
    proposal = rater.rate("data_life_cycle", items([*ONE_LIST, ALSO]), k=5)
    inventory = next(i for i in proposal.indicators if i.indicator_id == "dlc_inventory")
    assert inventory.evidence_level == 3, proposal.rationale
