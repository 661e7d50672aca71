"""Readable theme labels without an LLM: key phrases chosen KeyBERT-style over the theme's own
embeddings, and a one-sentence summary. The phrases themselves come from ``assistant/phrases.py``
(layer 1: the data-flow map reads them too).

Candidates are noun phrases of the theme's most typical segments (spaCy's noun chunks, widened
by an "of" phrase: "list of the data"), or word n-grams when no spaCy model is installed. A
candidate must be said in at least two of the theme's segments, must not hold a person's name
(spaCy's PERSON entities), and is scored by the cosine of its embedding to the theme's centre;
the phrases are then picked by maximal marginal relevance, so the second phrase says something
the first does not. The label is the best phrase of two to five words; the summary names the
reach and the three leading phrases in one sentence and quotes nobody (a quote in a summary
would outlive its author's withdrawal).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.phrases import chunk_phrases, named, ngram_phrases, nlp, persons, stop_words

if TYPE_CHECKING:
    from spacy.tokens import Doc

Encode = Callable[[list[str]], np.ndarray]
MAX_TEXTS = 40  # the most typical segments a theme's candidates are read from (bounds the parse)
POOL = 30  # the most candidate phrases of a theme that are embedded and scored
DIVERSITY = 0.5  # MMR weight of novelty against relevance (KeyBERT's default)


# What a parse found in a text, kept for the life of the process (as ``privacy.person_spans`` keeps
# names): a re-run after a few new answers reads mostly the same typical texts again, and neither a
# text's noun chunks nor its names depend on the texts parsed with it.
_CHUNKS: dict[str, list[tuple[str, int, int]]] = {}
_NAMES: dict[str, list[tuple[int, int]]] = {}
_CACHE_MAX = 50_000


def _keep(cache: dict[str, list[tuple[Any, ...]]], found: dict[str, list[Any]]) -> None:
    if len(cache) + len(found) > _CACHE_MAX:
        cache.clear()
    cache.update(found)


class Parsed:
    """Texts parsed once for candidate phrases (``parse``'s), the name check deferred to where it decides.

    ``phrases[i]`` holds text i's phrases before the name check; ``pools`` gives each theme its
    ``candidate_pool`` with ``parse``'s name rule. Why deferred: the named-entity model is half the
    cost of a parse, and it decides something only for the few phrases a theme keeps, so it reads
    (in one batch) just enough texts to cover them, and another text only when a phrase is named in
    all of those. A text's entities do not depend on the texts read with it, so the pools are
    exactly those ``parse`` would give. A text parsed (or read for names) earlier in the process is
    not parsed again (``_CHUNKS``, ``_NAMES``).
    """

    def __init__(self, texts: Sequence[str], counted: Callable[[int, int], None] | None = None) -> None:
        """Parse ``texts``; ``counted(done, total)`` hears every batch parsed (texts read before count as done)."""
        self._model = nlp()
        self._texts = list(texts)
        self._docs: dict[int, Doc] = {}
        self._spans: list[list[tuple[str, int, int]]] = []
        self._persons: dict[int, list[tuple[int, int]]] = {}
        self._ner = None
        if self._model is None:
            stop = stop_words()
            self.phrases = [ngram_phrases(t, stop) for t in texts]
            return
        todo = [i for i, t in enumerate(self._texts) if t not in _CHUNKS]
        done, total = len(self._texts) - len(todo), len(self._texts)
        if counted is not None:
            counted(done, total)
        found: dict[int, list[tuple[str, int, int]]] = {}
        parses = self._model.pipe([self._texts[i] for i in todo], batch_size=64, disable=["ner"])
        for i, doc in zip(todo, parses, strict=True):
            self._docs[i], found[i] = doc, chunk_phrases(doc)
            if counted is not None and (len(found) % 64 == 0 or len(found) == len(todo)):
                counted(done + len(found), total)
        self._spans = [found[i] if i in found else _CHUNKS[t] for i, t in enumerate(self._texts)]
        _keep(_CHUNKS, {self._texts[i]: spans for i, spans in found.items()})
        self.phrases = [[phrase for phrase, _, _ in spans] for spans in self._spans]
        self._ner = self._model.get_pipe("ner")

    @property
    def texts(self) -> list[str]:
        """The texts parsed, in order (``phrases[i]`` are the phrases of ``texts[i]``)."""
        return self._texts

    @property
    def checked(self) -> int:
        """How many texts the named-entity model has read."""
        return len(self._persons)

    def pools(self, themes: Sequence[tuple[Sequence[int], Sequence[str]]], limit: int = POOL) -> list[list[str]]:
        """``candidate_pool`` of each theme, given as (its typical texts' rows, its member texts), with
        ``parse``'s rule that a phrase holding a person's name is no candidate."""
        ranked = [ranked_candidates([self.phrases[r] for r in rows], members) for rows, members in themes]
        self._read_names([(phrases[:limit], rows) for phrases, (rows, _) in zip(ranked, themes, strict=True)])
        return [
            sorted(islice((p for p in phrases if self._unnamed(p, rows)), limit))
            for phrases, (rows, _) in zip(ranked, themes, strict=True)
        ]

    def _read_names(self, wanted: Sequence[tuple[Sequence[str], Sequence[int]]]) -> None:
        """Names of the few texts that say every wanted (phrases, of rows) pair, found greedily (the text
        saying most pairs not yet covered first, ties by row) and read by the model in one batch."""
        if self._ner is None:
            return
        covers: dict[int, set[tuple[int, str]]] = {}
        for g, (phrases, rows) in enumerate(wanted):
            wanted_here = set(phrases)
            for r in rows:
                covers.setdefault(r, set()).update((g, p) for p in wanted_here.intersection(self.phrases[r]))
        open_pairs = set().union(*covers.values()) if covers else set()
        heap = [(-len(pairs), r) for r, pairs in covers.items() if pairs]
        heapq.heapify(heap)
        chosen: list[int] = []
        while heap and open_pairs:
            count, r = heapq.heappop(heap)
            fresh = covers[r] & open_pairs
            if not fresh:
                continue
            if len(fresh) < -count:  # covers less than it did: back in the queue at its real count
                heapq.heappush(heap, (-len(fresh), r))
                continue
            chosen.append(r)
            open_pairs -= fresh
        self._names_of(sorted(r for r in chosen if r not in self._persons))

    def _names_of(self, rows: Sequence[int]) -> None:
        """Reads the names of ``rows`` into ``_persons``: from an earlier read of the same text, else by the
        named-entity model over this parse's doc (in one batch), else by a full parse (a text whose
        noun chunks were read in an earlier run)."""
        assert self._model is not None and self._ner is not None
        for r in rows:
            if self._texts[r] in _NAMES:
                self._persons[r] = _NAMES[self._texts[r]]
        docs = [r for r in rows if r not in self._persons and r in self._docs]
        texts = [r for r in rows if r not in self._persons and r not in self._docs]
        read = zip(docs, self._ner.pipe([self._docs[r] for r in docs], batch_size=64), strict=True)
        parsed = zip(texts, self._model.pipe([self._texts[r] for r in texts], batch_size=64), strict=True)
        found = {}
        for r, doc in (*read, *parsed):
            self._persons[r] = found[self._texts[r]] = persons(doc)
        _keep(_NAMES, found)

    def names_nobody(self, row: int) -> bool:
        """True when the text of ``row`` holds no person's name (always without the spaCy model)."""
        if self._ner is None:
            return True
        if row not in self._persons:
            self._names_of([row])
        return not self._persons[row]

    def unnamed(self, phrase: str, rows: Sequence[int]) -> bool:
        """True when one of ``rows`` says ``phrase`` in a span holding no person's name (``_unnamed``)."""
        return self._unnamed(phrase, rows)

    def _unnamed(self, phrase: str, rows: Sequence[int]) -> bool:
        """True when one of ``rows`` says ``phrase`` in a span holding no person's name (always without
        the spaCy model: its n-grams have no name check). Texts already read are asked first."""
        if self._ner is None:
            return True
        saying = [r for r in rows if phrase in self.phrases[r]]
        read = [r for r in saying if r in self._persons]
        unread = sorted((r for r in saying if r not in self._persons), key=lambda r: (-len(self._spans[r]), r))
        for r in (*read, *unread):
            if r not in self._persons:
                self._names_of([r])
            if any(p == phrase and not named(s, e, self._persons[r]) for p, s, e in self._spans[r]):
                return True
        return False


def mmr(relevance: np.ndarray, vectors: np.ndarray, top: int, diversity: float = DIVERSITY) -> list[int]:
    """Indices picked by maximal marginal relevance: each maximises
    ``(1 - diversity) * relevance - diversity * (max similarity to those already picked)``."""
    if len(relevance) == 0:
        return []
    picked = [int(np.argmax(relevance))]
    sims = vectors @ vectors.T
    while len(picked) < min(top, len(relevance)):
        rest = [i for i in range(len(relevance)) if i not in picked]
        score = (1 - diversity) * relevance[rest] - diversity * sims[np.ix_(rest, picked)].max(axis=1)
        picked.append(rest[int(np.argmax(score))])
    return picked


def ranked_candidates(candidates: Sequence[Sequence[str]], member_texts: Sequence[str]) -> list[str]:
    """The phrases among ``candidates`` that at least two of ``member_texts`` say (one segment is an
    anecdote, not a theme), said most often first (ties alphabetical)."""
    lowered = [t.lower() for t in member_texts]
    need = min(2, len(lowered))
    support = {p: sum(1 for t in lowered if p in t) for p in {p for phrases in candidates for p in phrases}}
    return sorted((p for p, n in support.items() if n >= need), key=lambda p: (-support[p], p))


def candidate_pool(candidates: Sequence[Sequence[str]], member_texts: Sequence[str], limit: int = POOL) -> list[str]:
    """The phrases worth embedding for one theme: the ``limit`` first ``ranked_candidates``, in a stable order."""
    return sorted(ranked_candidates(candidates, member_texts)[:limit])


def key_phrases(pool: Sequence[str], centroid: np.ndarray, vectors: dict[str, np.ndarray], top: int = 5) -> list[str]:
    """Up to ``top`` key phrases of one theme from its ``candidate_pool``, best first: relevance is
    the cosine of a phrase's embedding (``vectors``) to the theme's ``centroid``, picked by ``mmr``."""
    pool = [p for p in pool if p in vectors]
    if not pool:
        return []
    x = np.vstack([vectors[p] for p in pool])
    return [pool[i] for i in mmr(x @ centroid, x, top)]


def label_of(phrases: Sequence[str], taken: Collection[str] = ()) -> str:
    """The label: the best phrase a consultant could keep (``labels.choose_label``: two to seven words,
    no list, no placeholder, a content word) not used by another theme; else the theme needs a name and
    keeps its best phrase (``labels.best_phrase``; marked "(another group)" when another theme took
    them all: near-duplicates a consultant may merge). "" for no phrases."""
    from assistant.synthesis.labels import best_phrase, choose_label

    return choose_label(phrases, taken) or best_phrase(phrases, taken)


def one_sentence(phrases: Sequence[str], people: int, segments: int) -> str:
    """A one-sentence summary: who (people, segments) and what (the leading phrases after the label)."""
    who = "One person" if people == 1 else f"{people} people"
    said = f"{segments} segment" + ("" if segments == 1 else "s")
    if not phrases:
        return f"{who} ({said}) make points that share no single phrase; read the quotes."
    named = list(phrases[:3])
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return f"{who} ({said}) raise {listed}."


def encode_phrases(encode: Encode, phrases: set[str]) -> dict[str, np.ndarray]:
    """Unit embeddings of ``phrases`` in one call, by phrase."""
    ordered = sorted(phrases)
    if not ordered:
        return {}
    x = np.asarray(encode(ordered), dtype=np.float32)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return dict(zip(ordered, x, strict=False))
