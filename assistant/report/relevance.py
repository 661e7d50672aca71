"""Whether a quote speaks to the readiness signal it illustrates.

A readiness signal's evidence is found by cue words ("budget", "funding", ...), so a sentence that
only mentions a budget in passing ("The chief data officer has a budget and decision rights over data
standards") can be picked for the funding signal. The report prints a quote beside a signal only when
its embedding is close enough to the signal's topic (its name and question: cosine at least
``RELATED``) and no other signal's topic is clearly closer (by more than ``MARGIN``); with no embedder
to check, no quote.

Measured on the demo's completed engagement (``bench/report_speed.py --readiness-cosines`` prints every
candidate): quotes that speak to their signal scored 0.30-0.50 with their own topic and were the
closest topic or within 0.02 of it; the chief data officer's budget scored 0.35 for funding but 0.43 for
leadership commitment, and the candidates under 0.30 were about something else (training on request,
trucks, a permit report).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from sqlmodel import Session, col, select

from assistant.embeddings import text_hash
from assistant.models import Embedding

RELATED = 0.30
MARGIN = 0.02


class Encoder(Protocol):
    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


class StoredFirst:
    """An encoder that reads the vectors synthesis already stored (the ``Embedding`` cache, read only:
    a report never writes) and encodes only the rest, the signals' topics among them, which are kept
    for the life of the process (they are the rubric's words). Staff texts were embedded by synthesis,
    so a report pays for a few short topics at most, not for a model run over every candidate."""

    _topics: dict[tuple[str, str], np.ndarray] = {}

    def __init__(self, session: Session, encoder: Encoder, model_name: str) -> None:
        self.session = session
        self.encoder = encoder
        self.model_name = model_name

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        wanted = sorted(set(hashes))
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(wanted), 500):  # every staff text of an engagement, a chunk at a time
            rows = self.session.exec(
                select(Embedding.text_hash, Embedding.vector).where(
                    Embedding.model == self.model_name, col(Embedding.text_hash).in_(wanted[start : start + 500])
                )
            ).all()
            found |= {h: np.frombuffer(v, dtype=np.float32) for h, v in rows}
        found |= {h: v for (m, h), v in self._topics.items() if m == self.model_name and h in hashes}
        missing = sorted({t for t, h in zip(texts, hashes, strict=True) if h not in found})
        for t, v in zip(missing, self.encoder.encode(missing) if missing else [], strict=True):
            found[text_hash(t)] = v
            if len(self._topics) < 1000:  # the topics; a text synthesis never stored is rare
                self._topics[(self.model_name, text_hash(t))] = v
        return np.vstack([found[h] for h in hashes])


def similarities(encoder: Encoder, topic: str, texts: Sequence[str]) -> list[float]:
    """The cosine of each of ``texts`` with ``topic`` (unit vectors: a dot product)."""
    if not texts:
        return []
    vectors = encoder.encode([topic, *texts])
    return [float(v) for v in vectors[1:] @ vectors[0]]


def related(encoder: Encoder | None, topic: str, texts: Sequence[str], *, rivals: Sequence[str] = ()) -> list[bool]:
    """For each of ``texts``, whether it speaks to ``topic`` rather than to one of the ``rivals`` (the
    other signals' topics); all False without an encoder."""
    if encoder is None or not texts:
        return [False] * len(texts)
    vectors = encoder.encode([topic, *rivals, *texts])
    own = vectors[1 + len(rivals) :] @ vectors[0]
    rival = (vectors[1 + len(rivals) :] @ vectors[1 : 1 + len(rivals)].T).max(axis=1) if rivals else own * 0 - 1
    return [bool(o >= RELATED and o >= r - MARGIN) for o, r in zip(own, rival, strict=True)]
