"""Precomputed sentence embeddings of the demo's texts, so the completed demo engagement is built in seconds.

The completed demo engagement (``completed``) runs synthesis and the offline rater for real. On a
fresh demo most of their time went to the embedding model encoding the same few thousand demo
sentences (answers, their sentences, candidate key phrases, the rubric's descriptions) that every
fresh demo encodes again. ``data/vectors.npz`` holds those texts with the vectors the packaged
model gives them; ``DemoEmbedder`` answers from it and encodes anything else (an edited rubric, a
changed answer bank) with the real model, loaded only when first needed, so the output is the
pipeline's own whatever the file holds; only the time differs.

Regenerate the file after changing the answer bank, the rubric, the interview engine or the model:

    .venv/bin/python scripts/write_demo_vectors.py

``tests/test_demo_vectors.py`` re-encodes every stored text with the model and fails when a vector
differs from a fresh encoding, so the file cannot go stale unnoticed; ``tests/test_demo_completed.py``
fails when a fresh demo encodes any text the file lacks.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from io import BytesIO
from pathlib import Path

import numpy as np

from assistant.embeddings import Counted, Embedder, get_embedder

VECTORS_FILE = "data/vectors.npz"


def model_name_for(model: str) -> str:
    """The name embeddings are cached under for ``model`` (as ``Embedder.model_name`` gives it),
    without loading the model: a packaged model's folder ``model`` is named by its package."""
    path = Path(model)
    return (path.parent.name if path.name == "model" else path.name) if path.exists() else model


class VectorStore:
    """Texts and their unit vectors for one embedding model (read-only once built)."""

    def __init__(self, model_name: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        self.model_name = model_name
        self.dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
        self.texts = list(texts)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self._row = {t: i for i, t in enumerate(self.texts)}

    def get(self, text: str) -> np.ndarray | None:
        """The stored vector of ``text``, or None."""
        row = self._row.get(text)
        return None if row is None else self.vectors[row]

    def to_bytes(self) -> bytes:
        """The store as a compressed ``.npz`` (texts as UTF-8, no pickles)."""
        out = BytesIO()
        lengths = np.array([len(t.encode("utf-8")) for t in self.texts], dtype=np.int32)
        blob = np.frombuffer("".join(self.texts).encode("utf-8"), dtype=np.uint8)
        np.savez_compressed(
            out, model=np.array(self.model_name), lengths=lengths, blob=blob, vectors=self.vectors.astype(np.float32)
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> VectorStore:
        """A store read back from ``to_bytes``'s output."""
        with np.load(BytesIO(data), allow_pickle=False) as npz:
            blob = npz["blob"].tobytes()
            texts, start = [], 0
            for n in npz["lengths"].tolist():
                texts.append(blob[start : start + n].decode("utf-8"))
                start += n
            return cls(str(npz["model"]), texts, npz["vectors"])


@lru_cache(maxsize=1)
def packaged_store() -> VectorStore | None:
    """The packaged ``data/vectors.npz``, or None when it is missing (everything is then encoded)."""
    file = resources.files("assistant.demo").joinpath(VECTORS_FILE)
    if not file.is_file():
        return None
    return VectorStore.from_bytes(file.read_bytes())


class DemoEmbedder:
    """An embedder that answers the demo's known texts from a ``VectorStore`` and encodes the rest
    with the real model (``get_embedder``: the one the web app shares), loaded at the first miss.

    Returns the same (n, dim) float32 unit vectors as ``Embedder.encode``; the store is used only
    when it was made with the same model. ``misses`` counts texts that had to be encoded."""

    def __init__(self, model: str, batch_size: int = 64, store: VectorStore | None = None) -> None:
        self.model = model
        self.batch_size = batch_size
        self.model_name = model_name_for(model)
        self.store = store if store is not None and store.model_name == self.model_name else None
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self.misses = 0
        self.hits = 0

    def _real(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = get_embedder(self.model, self.batch_size)
            return self._embedder

    @property
    def dim(self) -> int:
        return self.store.dim if self.store is not None else self._real().dim

    def encode(self, texts: Sequence[str], progress: bool = False, counted: Counted | None = None) -> np.ndarray:
        """Embeddings of ``texts`` as an (n, dim) float32 array of unit vectors, in input order
        (``counted`` hears the progress of the texts the store lacks)."""
        found = [self.store.get(t) if self.store is not None else None for t in texts]
        missing = [i for i, v in enumerate(found) if v is None]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if missing:
            out[missing] = self._real().encode([texts[i] for i in missing], progress=progress, counted=counted)
        for i, vec in enumerate(found):
            if vec is not None:
                out[i] = vec
        return out


def demo_embedder(model: str, batch_size: int = 64) -> DemoEmbedder:
    """The embedder the completed demo engagement is built with: the packaged store over ``model``."""
    return DemoEmbedder(model, batch_size, packaged_store())


class RecordingEmbedder:
    """The real embedder, remembering every text it was asked to encode (to write the store)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.model_name = embedder.model_name
        self.dim = embedder.dim
        self.batch_size = embedder.batch_size
        self.texts: dict[str, None] = {}

    def encode(self, texts: Sequence[str], progress: bool = False, counted: Counted | None = None) -> np.ndarray:
        """``Embedder.encode``, recording ``texts``."""
        self.texts.update(dict.fromkeys(texts))
        return self.embedder.encode(texts, progress=progress, counted=counted)
