"""Whether an answer relates to its question: cosine similarity with the embedding model."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.embeddings import get_embedder

log = logging.getLogger("dm3.interview")


ANSWERS_KEPT = 256  # recent answers whose vectors are kept: one decision compares an answer with many texts
MATRICES_KEPT = 1024  # stacked text vectors kept per list of texts (one list per question and follow-up)
PREPARE_BATCH = 32  # texts encoded together when the rubric's texts are prepared


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class Relatedness:
    """Callable ``(answer, text) -> cosine``; ``many(answer, texts)`` gives the cosines with several texts.

    Text vectors are cached for good (they are rubric text: questions, follow-ups, examples), and
    ``prepare`` encodes them in batches ahead of time, so no staff turn pays for a first encode of
    rubric text; the vectors of the most recent answers are kept too, so a decision that compares
    one answer with every question of the interview encodes the answer once.
    """

    def __init__(self, embedder: Encoder, store: Path | None = None) -> None:
        self.embedder = embedder
        self.store = store  # a file keeping the prepared texts' vectors across restarts (see ``prepare``)
        self._texts: dict[str, np.ndarray] = {}
        self._matrices: dict[tuple[str, ...], np.ndarray] = {}
        self._answers: OrderedDict[str, np.ndarray] = OrderedDict()
        self._last: tuple[str, np.ndarray] | None = None  # the answer being judged now: no lock, no reordering
        self._lock = threading.Lock()

    def prepare(self, texts: Iterable[str]) -> int:
        """Encode the texts not cached yet, in batches of similar length; returns how many were encoded.

        With a ``store``, vectors kept there by an earlier process are read first and the file is
        rewritten when texts were added, so a restart encodes only rubric text that changed. The
        store's name carries the encoder's ``cache_key`` (model, quantisation, input window): a
        vector is only ever reused for the same text and the same encoder.
        """
        wanted = set(texts)
        if all(text in self._texts for text in wanted):
            return 0  # nothing to encode: the store is not read (``many`` calls this for each new list of texts)
        stored = read_store(self.store) if self.store is not None else {}
        for text, vec in stored.items():
            if text in wanted:
                self._texts.setdefault(text, vec)
        missing = sorted((t for t in wanted if t not in self._texts), key=len)
        for start in range(0, len(missing), PREPARE_BATCH):
            chunk = missing[start : start + PREPARE_BATCH]
            for text, vec in zip(chunk, self.embedder.encode(chunk), strict=True):
                self._texts[text] = vec
        if missing and self.store is not None:
            # what the file held stays (another process may prepare another rubric's texts)
            write_store(self.store, stored | {t: self._texts[t] for t in wanted})
        return len(missing)

    def _text(self, text: str) -> np.ndarray:
        vec = self._texts.get(text)
        if vec is None:
            vec = self._texts[text] = self.embedder.encode([text])[0]
        return vec

    def answer_vector(self, answer: str) -> np.ndarray:
        """The answer's embedding (the first 2,000 characters), from the recent-answer cache when there."""
        last = self._last
        if last is not None and last[0] == answer:
            return last[1]
        with self._lock:
            vec = self._answers.get(answer)
            if vec is not None:
                self._answers.move_to_end(answer)
        if vec is None:
            vec = self.embedder.encode([answer[:2000]])[0]
            with self._lock:
                self._answers[answer] = vec
                while len(self._answers) > ANSWERS_KEPT:
                    self._answers.popitem(last=False)
        self._last = (answer, vec)
        return vec

    def many(self, answer: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarities of ``answer`` with each of ``texts`` (one matrix product; the texts'
        vectors are stacked once per distinct list and kept)."""
        key = tuple(texts)
        matrix = self._matrices.get(key)
        if matrix is None:
            self.prepare(key)
            matrix = np.stack([self._texts[t] for t in key]) if key else np.zeros((0, 1), dtype=np.float32)
            if len(self._matrices) >= MATRICES_KEPT:
                self._matrices.clear()
            self._matrices[key] = matrix
        if not key:
            return np.zeros(0, dtype=np.float32)
        return matrix @ self.answer_vector(answer)

    def __call__(self, answer: str, text: str) -> float:
        return float(np.dot(self.answer_vector(answer), self._text(text)))


def read_store(path: Path) -> dict[str, np.ndarray]:
    """The text vectors kept in ``path`` ({} when there is none or it cannot be read: they are then encoded)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            texts, vectors = json.loads(str(data["texts"])), data["vectors"]
    except (OSError, ValueError, KeyError) as exc:
        if path.exists():
            log.warning("relatedness: ignoring unreadable text vectors in %s (%s)", path, exc)
        return {}
    if len(texts) != len(vectors):
        return {}
    return dict(zip(texts, vectors, strict=True))


def write_store(path: Path, vectors: dict[str, np.ndarray]) -> None:
    """Keep ``vectors`` in ``path``, written atomically (another process may read it meanwhile)."""
    texts = list(vectors)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, texts=np.array(json.dumps(texts)), vectors=np.stack([vectors[t] for t in texts]))
        tmp.replace(path)
    except OSError as exc:  # a read-only cache folder costs a re-encode at the next start, nothing else
        log.warning("relatedness: text vectors not kept in %s (%s)", path, exc)


def store_for(encoder: Encoder, cache_dir: Path) -> Path | None:
    """Where an encoder's prepared text vectors are kept: None for an encoder without a ``cache_key``."""
    key = getattr(encoder, "cache_key", None)
    return cache_dir / f"texts-{key}.npz" if key else None


def answer_encoder(model: str, batch_size: int, encoder: str, cache_dir: Path) -> Encoder:
    """The encoder the off-topic rule uses: ONNX Runtime (``onnx-int8``, ``onnx``) or PyTorch (``torch``).

    Falls back to PyTorch, with a warning, when the ONNX export or runtime is not available, so an
    interview never stops for it.
    """
    if encoder in ("onnx-int8", "onnx"):
        try:
            from assistant.interview.onnx_encoder import OnnxEncoder

            return OnnxEncoder(model, cache_dir, quantize=encoder == "onnx-int8")
        except Exception as exc:  # any failure here leaves the slower, equivalent encoder
            log.warning("ONNX answer encoder unavailable (%s); using PyTorch", exc)
    return get_embedder(model, batch_size)


class LazyRelatedness:
    """Loads the model in the background at start-up; the first answer waits for it if needed.

    ``texts``: gives the texts answers will be compared with (``decide.comparison_texts`` of the
    rubric); they are encoded in the same background thread right after the model is ready, so the
    first staff turns do not pay for them.
    """

    def __init__(
        self,
        model: str,
        batch_size: int = 64,
        encoder: str = "torch",
        cache_dir: Path | None = None,
        texts: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._model, self._batch = model, batch_size
        self._encoder, self._cache_dir = encoder, cache_dir or Path("./var/models")
        self._texts = texts
        self._ready = threading.Event()
        self.prepared = threading.Event()  # set once the texts are encoded (or could not be)
        self._lock = threading.Lock()
        self._impl: Relatedness | None = None
        self._error: BaseException | None = None

    def preload(self) -> None:
        threading.Thread(target=self._load_and_prepare, daemon=True, name="dm3-embedder").start()

    def _load_and_prepare(self) -> None:
        self._load()
        try:
            if self._impl is not None and self._texts is not None:
                started = time.process_time()
                count = self._impl.prepare(self._texts())
                log.info("relatedness: %d rubric texts encoded in %.1f s of CPU", count, time.process_time() - started)
        except Exception as exc:  # the texts are then encoded on first use
            log.warning("relatedness: rubric texts not prepared (%s)", exc)
        finally:
            self.prepared.set()
        # the vague rule's parser (spaCy, shared with name detection) loads here too, not in a staff turn
        from assistant.interview.concrete import warm_up

        warm_up()

    def _load(self) -> None:
        with self._lock:
            if self._ready.is_set():
                return
            try:
                encoder = answer_encoder(self._model, self._batch, self._encoder, self._cache_dir)
                self._impl = Relatedness(encoder, store_for(encoder, self._cache_dir))
            except Exception as exc:  # reported on first use
                self._error = exc
            finally:
                self._ready.set()

    def _relatedness(self) -> Relatedness:
        if not self._ready.is_set():
            self._load()
        if self._impl is None:
            raise RuntimeError(f"the embedding model could not be loaded: {self._error}")
        return self._impl

    def many(self, answer: str, texts: Sequence[str]) -> np.ndarray:
        """``Relatedness.many`` once the model is loaded."""
        return self._relatedness().many(answer, texts)

    def __call__(self, answer: str, question: str) -> float:
        return self._relatedness()(answer, question)
