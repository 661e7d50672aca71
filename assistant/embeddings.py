"""Sentence embeddings shared by every stage, loaded offline and cached in the database by (model, text hash)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import insert_unless_stored
from assistant.models import Embedding

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


Counted = Callable[[int, int], None]  # told (done, total) after each chunk of an encode


def text_hash(text: str) -> str:
    """The cache key of a text: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Embedder:
    """A sentence-transformers model loaded from a local folder; returns unit-length float32 rows."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        path = Path(model)
        # a packaged model sits in a folder named "model": name it by its package instead
        self.model_name = (path.parent.name if path.name == "model" else path.name) if path.exists() else model
        self.batch_size = batch_size
        self._model = SentenceTransformer(model, device="cpu")
        self._lock = threading.Lock()  # the model is shared by request threads and background jobs
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())

    def encode(self, texts: Sequence[str], progress: bool = False, counted: Counted | None = None) -> np.ndarray:
        """Embeddings of ``texts`` as an (n, dim) float32 array of unit vectors; ``counted(done, total)``
        hears after each chunk how many are encoded."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The lock is taken per chunk, so a long synthesis job never holds the model for minutes while
        # an interview answer waits for its one-sentence encode. Texts go in length order (as
        # sentence-transformers does within one call) so each batch pads to similar lengths.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        done = 0
        for idx in _chunks(order, [min(len(texts[i]), READ_CHARS) for i in order], self.batch_size):
            with self._lock:
                vectors[idx] = self._model.encode(
                    [texts[i] for i in idx],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=progress,
                )
            done += len(idx)
            if counted is not None:
                counted(done, len(order))
        return vectors.astype(np.float32, copy=False)


CHUNK_CHARS = 64 * 250  # about a batch of 64 sentences of 50 words: a chunk of that much text takes a second or two
READ_CHARS = 1_000  # about what the model reads of a text (256 word pieces); the rest costs nothing


def _chunks(order: Sequence[int], lengths: Sequence[int], most: int) -> Iterator[list[int]]:
    """``order`` cut into chunks of at most ``most`` texts and about ``CHUNK_CHARS`` characters (the
    longest texts come first, so the first chunks hold fewer of them): the progress an encode reports
    after each chunk moves every second or two however long the texts, where a fixed count of long
    texts kept it still for ten seconds on a busy machine."""
    chunk: list[int] = []
    size = 0
    for i, n in zip(order, lengths, strict=True):
        chunk.append(i)
        size += n
        if len(chunk) >= most or size >= CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


@lru_cache(maxsize=2)
def get_embedder(model: str, batch_size: int = 64) -> Embedder:
    """One embedder per process and model (loading takes a few seconds)."""
    return Embedder(model, batch_size)


def _stored_vectors(session: Session, model_name: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """The cached vectors of ``hashes`` (text hashes) under ``model_name``, by hash; a read, never a write."""
    wanted = sorted(set(hashes))
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.exec(
            select(Embedding).where(Embedding.model == model_name, Embedding.text_hash.in_(chunk))
        ).all()
        for row in rows:
            found[row.text_hash] = np.frombuffer(row.vector, dtype=np.float32)
    return found


def stored_vectors(session: Session, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """The vectors synthesis stored for ``texts`` (read only, no model loaded), by text, under the model
    that stored most of them (an engagement is embedded by one model; a page must not mix two); a text
    never embedded is absent."""
    by_hash = {text_hash(t): t for t in texts}
    wanted = sorted(by_hash)
    rows: list[Embedding] = []
    for start in range(0, len(wanted), 500):
        rows += session.exec(select(Embedding).where(Embedding.text_hash.in_(wanted[start : start + 500]))).all()
    if not rows:
        return {}
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.model] = counts.get(row.model, 0) + 1
    model = max(sorted(counts), key=lambda m: counts[m])
    return {by_hash[r.text_hash]: np.frombuffer(r.vector, dtype=np.float32) for r in rows if r.model == model}


def _encode_missing(
    embedder: Embedder,
    texts: Sequence[str],
    hashes: Sequence[str],
    found: dict[str, np.ndarray],
    counted: Counted | None = None,
) -> list[dict[str, object]]:
    """Encodes the texts whose hash is not in ``found`` (each once), adds their vectors to ``found`` and
    returns the ``Embedding`` rows to store for them (none is written here)."""
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=False):
        if h not in found:
            missing.setdefault(h, t)
    if not missing:
        return []
    todo = list(missing.values())
    vectors = embedder.encode(todo, counted=counted) if counted is not None else embedder.encode(todo)
    rows: list[dict[str, object]] = []
    for h, vec in zip(missing.keys(), vectors, strict=False):
        found[h] = vec
        rows.append({"model": embedder.model_name, "text_hash": h, "dim": embedder.dim, "vector": vec.tobytes()})
    return rows


def _in_order(embedder: Embedder, hashes: Sequence[str], found: dict[str, np.ndarray]) -> np.ndarray:
    return np.vstack([found[h] for h in hashes]) if hashes else np.zeros((0, embedder.dim), dtype=np.float32)


def embed_cached(
    session: Session, embedder: Embedder, texts: Sequence[str], counted: Counted | None = None
) -> tuple[np.ndarray, int]:
    """Embeddings for ``texts``, reading the cache and embedding only texts not seen before.

    Returns the (n, dim) array in input order and how many texts were newly embedded. New vectors
    are inserted in the session's transaction (committed by the caller), after the encoding.
    ``counted(done, total)`` hears the encoding's progress over the new texts (``Embedder.encode``).
    """
    hashes = [text_hash(t) for t in texts]
    found = _stored_vectors(session, embedder.model_name, hashes)
    rows = _encode_missing(embedder, texts, hashes, found, counted)
    # one bulk insert, no ORM row per vector; a text another run stored meanwhile (another engagement's
    # synthesis in another worker) keeps that row: its vector does not depend on who computed it
    insert_unless_stored(session, Embedding, rows, ["model", "text_hash"])
    return _in_order(embedder, hashes, found), len(rows)


class CachedEncode:
    """An embedder's ``encode`` read through the ``Embedding`` cache of one database.

    Synthesis hands this to each component to embed its key-phrase candidates: a phrase met in an
    earlier component of the run, or in an earlier run, is read back instead of encoded again. A
    vector does not depend on the texts encoded with it, so the phrases' vectors (and so labels) are
    the same as a plain encode's. ``new`` counts the texts actually encoded.

    Each call reads the cache in one short session, encodes with no session open, and stores the new
    vectors in a second short transaction of their own: it is called in the middle of a component's
    computing, and on SQLite (one writer) a write left open there would hold every other writer off
    until the component's themes are stored.
    """

    def __init__(self, engine: Engine, embedder: Embedder) -> None:
        self.engine = engine
        self.embedder = embedder
        self.new = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Unit embeddings of ``texts`` in input order; the new ones stored and committed before returning."""
        hashes = [text_hash(t) for t in texts]
        with Session(self.engine) as session:
            found = _stored_vectors(session, self.embedder.model_name, hashes)
        rows = _encode_missing(self.embedder, texts, hashes, found)
        if rows:
            with Session(self.engine) as session:
                insert_unless_stored(session, Embedding, rows, ["model", "text_hash"])
                session.commit()
        self.new += len(rows)
        return _in_order(self.embedder, hashes, found)
