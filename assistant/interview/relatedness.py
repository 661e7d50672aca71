"""Whether an answer relates to its question: cosine similarity with the embedding model."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.embeddings import get_embedder

log = logging.getLogger("dm3.interview")


ANSWERS_KEPT = 256  # recent answers whose vectors are kept: one decision compares an answer with many texts


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class Relatedness:
    """Callable ``(answer, text) -> cosine``.

    Text vectors are cached for good (they are rubric text: questions, follow-ups, examples); the
    vectors of the most recent answers are kept too, so a decision that compares one answer with
    every question of the interview encodes the answer once.
    """

    def __init__(self, embedder: Encoder) -> None:
        self.embedder = embedder
        self._texts: dict[str, np.ndarray] = {}
        self._answers: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _text(self, text: str) -> np.ndarray:
        vec = self._texts.get(text)
        if vec is None:
            vec = self._texts[text] = self.embedder.encode([text])[0]
        return vec

    def answer_vector(self, answer: str) -> np.ndarray:
        """The answer's embedding (the first 2,000 characters), from the recent-answer cache when there."""
        with self._lock:
            vec = self._answers.get(answer)
            if vec is not None:
                self._answers.move_to_end(answer)
                return vec
        vec = self.embedder.encode([answer[:2000]])[0]
        with self._lock:
            self._answers[answer] = vec
            while len(self._answers) > ANSWERS_KEPT:
                self._answers.popitem(last=False)
        return vec

    def __call__(self, answer: str, text: str) -> float:
        return float(np.dot(self.answer_vector(answer), self._text(text)))


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
    """Loads the model in the background at start-up; the first answer waits for it if needed."""

    def __init__(self, model: str, batch_size: int = 64, encoder: str = "torch", cache_dir: Path | None = None) -> None:
        self._model, self._batch = model, batch_size
        self._encoder, self._cache_dir = encoder, cache_dir or Path("./var/models")
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._impl: Relatedness | None = None
        self._error: BaseException | None = None

    def preload(self) -> None:
        threading.Thread(target=self._load, daemon=True, name="dm3-embedder").start()

    def _load(self) -> None:
        with self._lock:
            if self._ready.is_set():
                return
            try:
                self._impl = Relatedness(answer_encoder(self._model, self._batch, self._encoder, self._cache_dir))
            except Exception as exc:  # reported on first use
                self._error = exc
            finally:
                self._ready.set()

    def __call__(self, answer: str, question: str) -> float:
        if not self._ready.is_set():
            self._load()
        if self._impl is None:
            raise RuntimeError(f"the embedding model could not be loaded: {self._error}")
        return self._impl(answer, question)
