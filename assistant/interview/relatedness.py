"""Whether an answer relates to its question: cosine similarity with the embedding model."""

from __future__ import annotations

import threading

import numpy as np

from assistant.embeddings import Embedder, get_embedder


class Relatedness:
    """Callable ``(answer, question) -> cosine``; question vectors are cached (they are rubric text)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._questions: dict[str, np.ndarray] = {}

    def __call__(self, answer: str, question: str) -> float:
        q = self._questions.get(question)
        if q is None:
            q = self._questions[question] = self.embedder.encode([question])[0]
        a = self.embedder.encode([answer[:2000]])[0]
        return float(np.dot(a, q))


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
            except BaseException as exc:  # noqa: BLE001 - reported on first use
                self._error = exc
            finally:
                self._ready.set()

    def __call__(self, answer: str, question: str) -> float:
        if not self._ready.is_set():
            self._load()
        if self._impl is None:
            raise RuntimeError(f"the embedding model could not be loaded: {self._error}")
        return self._impl(answer, question)
