"""When two staff texts are the same quote: the one rule for every page and document that prints quotes.

Two texts are one quote when
1. they are equal once normalised (case, punctuation, spacing, and the "[colleague]" a name became
   left out: ``normalised``), or
2. their sentence embeddings (unit vectors of the engagement's embedding model) have a cosine of at
   least ``NEAR_IDENTICAL``: a copy with a typo, a contraction, a filler word or one word swapped.

The threshold is measured, not guessed: ``bench/quote_dupes.py`` on labelled pairs
(``bench/data/quote_pairs.yaml``: 36 near-identical rewordings, 38 different statements on the same
topic in similar words, written before measuring), all-MiniLM-L6-v2, the lowest threshold with
precision at least 0.98. December 2026: 0.99, precision 1.00, recall 0.44 (normalised text alone:
recall 0.03). Lower thresholds merge statements that differ in one word that matters: "two weeks" /
"six months" to get a report scores 0.985, a sentence with its two halves swapped ("how many
vacancies, but not why people leave") 0.984; the least alike true rewording scores 0.935. On 2,500
NHS Friends and Family Test answers no pair that differs once normalised reaches 0.99 (3 reach
0.98, all the same comment: "The driver was (very) pleasant and helpful").

Grouping is greedy in the given order (the first text of a group is its leader, and a text joins the
first leader it is near), so a chain of small edits never merges two texts that are far apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

NEAR_IDENTICAL = 0.99
_WORD = re.compile(r"[a-z0-9']+")
_BLOCK = 512  # rows of the similarity matrix held at once


def normalised(text: str) -> str:
    """``text`` as compared for sameness: lower case words only, a replaced name left out."""
    return " ".join(_WORD.findall(text.lower().replace("\u2019", "'").replace("[colleague]", " ")))


def leaders(vectors: np.ndarray, *, threshold: float = NEAR_IDENTICAL) -> list[int]:
    """For each row of ``vectors`` (unit vectors, in the order that decides who leads), the index of
    its group's leader: the first earlier leader whose cosine with it is at least ``threshold``, else
    itself. Memory stays at ``_BLOCK`` rows of the similarity matrix, whatever the number of texts."""
    n = len(vectors)
    lead = list(range(n))
    is_leader = np.ones(n, dtype=bool)
    for start in range(0, n, _BLOCK):
        block = vectors[start : start + _BLOCK] @ vectors[: start + _BLOCK].T
        for row in range(block.shape[0]):
            i = start + row
            near = np.nonzero((block[row, :i] >= threshold) & is_leader[:i])[0]
            if near.size:
                lead[i] = int(near[0])
                is_leader[i] = False
    return lead


def groups(texts: Sequence[str], vectors: np.ndarray | None, *, threshold: float = NEAR_IDENTICAL) -> list[int]:
    """For each of ``texts`` (in order), the index of the first text of its quote: equal once
    normalised, or (with ``vectors``, one unit row per text) near-identical by embedding."""
    first: dict[str, int] = {}
    exact = [first.setdefault(normalised(t), i) for i, t in enumerate(texts)]
    if vectors is None or not len(texts):
        return exact
    heads = sorted(set(exact))
    lead = leaders(np.asarray(vectors, dtype=np.float32)[heads], threshold=threshold)
    head_of = {h: heads[lead[n]] for n, h in enumerate(heads)}
    return [head_of[e] for e in exact]
