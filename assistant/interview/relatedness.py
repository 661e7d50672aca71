"""Whether an answer relates to its question: cosine similarity with the embedding model."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from assistant.embeddings import Embedder, get_embedder


ANSWERS_KEPT = 256  # recent answers whose vectors are kept: one decision compares an answer with many texts


class Relatedness:
    """Callable ``(answer, text) -> cosine``.

    Text vectors are cached for good (they are rubric text: questions, follow-ups, examples); the
    vectors of the most recent answers are kept too, so a decision that compares one answer with
    every question of the interview encodes the answer once.
    """

    def __init__(self, embedder: Embedder) -> None:
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


class LazyRelatedness:
    """Loads the model in the background at start-up; the first answer waits for it if needed."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self._model, self._batch = model, batch_size
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
                self._impl = Relatedness(get_embedder(self._model, self._batch))
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
