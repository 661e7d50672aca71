"""Whether a quote speaks to the readiness signal it illustrates.

A readiness signal's evidence is found by cue words ("budget", "funding", ...), so a sentence that
only mentions a budget in passing ("the chief data officer has a budget") can be picked for the
funding signal. The report prints a quote beside a signal only when its embedding is close enough
to the signal's question (cosine at least ``RELATED``); with no embedder to check, no quote.

``RELATED`` was measured on the demo's completed engagement (bench/report_speed.py prints the
cosines): quotes that speak to their signal scored 0.33-0.62, the off-signal ones 0.12-0.27.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

RELATED = 0.30


class Encoder(Protocol):
    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


def similarities(encoder: Encoder, topic: str, texts: Sequence[str]) -> list[float]:
    """The cosine of each of ``texts`` with ``topic`` (unit vectors: a dot product)."""
    if not texts:
        return []
    vectors = encoder.encode([topic, *texts])
    return [float(v) for v in vectors[1:] @ vectors[0]]


def related(encoder: Encoder | None, topic: str, texts: Sequence[str]) -> list[bool]:
    """For each of ``texts``, whether it speaks to ``topic`` (all False without an encoder)."""
    if encoder is None:
        return [False] * len(texts)
    return [s >= RELATED for s in similarities(encoder, topic, texts)]
