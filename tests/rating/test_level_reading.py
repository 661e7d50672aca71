"""Issue 30: which indicator a sentence speaks to reads each indicator's description and level texts
jointly, and a sentence's level is read against its indicator's level texts and the same level across
the component (``offline.joint_topics``, ``offline.component_levels``)."""

from __future__ import annotations

import numpy as np

from assistant.rating.offline import component_levels, joint_topics, similarity_level


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
