"""Readable labels without an LLM: key phrases over the theme's own embeddings, one-sentence summaries."""

from __future__ import annotations

import numpy as np

from assistant import phrases
from assistant.synthesis import phrases as P
from assistant.synthesis import themes as T
from tests.synthesis.seed import COMMENT_TOPICS, PLACES


def test_labels_are_phrases_said_in_the_theme_not_keyword_lists(embedder):
    texts = [t.format(p) for t in COMMENT_TOPICS for p in PLACES]
    result = T.build(texts, embedder.encode(texts), people=list(range(len(texts))), encode=embedder.encode)
    labels = [d.label for d in result.themes]
    assert len(set(labels)) == len(labels)  # no two top themes share a label
    for draft in result.themes:
        members = " ".join(texts[i] for i in draft.members).lower()
        assert "," not in draft.label and 1 <= len(draft.label.split()) <= 5, draft.label
        assert draft.label.lower() in members  # a phrase staff actually wrote
        assert draft.keywords and all(k in members for k in draft.keywords)
        assert draft.summary.count(".") == 1 and draft.summary.endswith(".")  # one sentence
        assert f"{len(draft.members)} people" in draft.summary
    joined = " ".join(labels).lower()
    for word in ("appointment", "staff", "parking", "toilets"):  # each topic named by what it is about
        assert word in joined, labels


def test_mmr_prefers_a_new_point_to_a_near_duplicate():
    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.6, 0.8]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    relevance = np.array([0.9, 0.89, 0.7])
    assert P.mmr(relevance, vectors, 2) == [0, 2]


def test_a_phrase_needs_two_segments_and_names_are_no_phrases():
    texts = [
        "Dave in facilities keeps the work orders.",
        "The work orders never close.",
        "Work orders pile up in facilities.",
    ]
    parsed = phrases.parse(texts)
    assert all("dave" not in p for phrases in parsed for p in phrases)
    pool = P.candidate_pool(parsed, texts)
    assert "work orders" in pool and not any("dave" in p for p in pool)
    # what synthesis uses (names read only where they decide) gives the pool of the reference parse
    assert P.Parsed(texts).pools([(range(len(texts)), texts)]) == [pool]


def test_label_prefers_an_unused_multi_word_phrase():
    assert P.label_of(["spreadsheets", "emailed spreadsheet copies"]) == "Emailed spreadsheet copies"
    assert (
        P.label_of(["emailed spreadsheet copies", "version control", "excel"], {"emailed spreadsheet copies"})
        == "Version control"
    )
