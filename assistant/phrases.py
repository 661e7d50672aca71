"""Noun phrases and word n-grams of staff text, shared by the stages that read it.

Themes label groups of segments with them (``synthesis/phrases.py`` scores them KeyBERT-style); the
data-flow map pulls system names out of answers with them (``dataflow/``). A phrase is a spaCy noun
chunk (widened by an "of" phrase: "list of the data"), lower case, determiners and pronouns trimmed;
a phrase holding a person's name (spaCy's PERSON entities) is left out by ``noun_phrases``. Without a
spaCy model, word 1-3-grams without stop words at either end stand in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from assistant.privacy import doc_person_spans, spacy_pipeline

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_LEADING = {
    "the",
    "a",
    "an",
    "our",
    "my",
    "their",
    "his",
    "her",
    "its",
    "your",
    "this",
    "that",
    "these",
    "those",
    "some",
    "any",
    "all",
    "every",
    "each",
    "much",
    "many",
    "more",
    "most",
    "other",
    "such",
    "what",
    "which",
    "we",
    "i",
    "they",
    "you",
    "it",
    "lot",
    "lots",
    "kind",
    "sort",
}
_EMPTY = {
    "it",
    "they",
    "we",
    "i",
    "you",
    "he",
    "she",
    "them",
    "us",
    "me",
    "one",
    "ones",
    "thing",
    "things",
    "stuff",
    "something",
    "anything",
    "everything",
    "nothing",
    "someone",
    "anyone",
    "everyone",
    "nobody",
    "people",
    "way",
    "lot",
    "time",
    "day",
    "bit",
    "what",
    "which",
    "who",
    "that",
    "this",
    "there",
    "here",
}


def nlp() -> Language | None:
    """The spaCy pipeline shared with name detection (``privacy.spacy_pipeline``); None when not installed."""
    return spacy_pipeline()


def _usable(phrase: str) -> bool:
    words = phrase.split()
    return (
        1 <= len(words) <= 5
        and sum(ch.isalpha() for ch in phrase) >= 4
        and not all(w in _EMPTY for w in words)
        and not any(ch.isdigit() for ch in phrase[:1])
    )


_NOT_NOUN = {"ADV", "PART", "CCONJ", "PUNCT", "INTJ", "SYM"}


def _phrase_start(doc: Doc, start: int, end: int) -> int:
    """Where the noun phrase of the chunk ``start:end`` begins: after punctuation that parts words
    inside it (a chunk spaCy ran over a comma: "not much, just the usual stuff"), then past leading
    determiners, pronouns, adverbs and particles ("just the", "really")."""
    for i in range(start, end):
        if doc[i].is_punct and (doc[i].whitespace_ or (i > 0 and doc[i - 1].whitespace_)):
            start = i + 1
    while start < end and (doc[start].lower_ in _LEADING or doc[start].pos_ in _NOT_NOUN):
        start += 1
    return start


def _as_written(doc: Doc, start: int, end: int) -> str:
    """The tokens ``start:end`` as staff wrote them ("vendor's help desk", "co-responder team"), lower
    case, so a phrase is found again in the text it came from."""
    text = " ".join(doc[start:end].text.split()) if start < end else ""
    return text.strip(" -'\u2019,.;:").lower()


def chunk_phrases(doc: Doc) -> list[tuple[str, int, int]]:
    """Noun phrases of one parsed text with their token spans ``(phrase, start, end)``, lower case, as
    written (possessives and hyphens kept), determiners, pronouns and leading adverbs trimmed; names not
    yet checked (``noun_phrases`` leaves them out)."""
    chunks = list(doc.noun_chunks)
    out: list[tuple[str, int, int]] = []
    for i, chunk in enumerate(chunks):
        spans = [(chunk.start, chunk.end)]
        nxt = chunks[i + 1] if i + 1 < len(chunks) else None
        if nxt is not None and nxt.start == chunk.end + 1 and doc[chunk.end].lower_ == "of":
            spans.append((chunk.start, nxt.end))
        for start, end in spans:
            phrase = _as_written(doc, _phrase_start(doc, start, end), end)
            if _usable(phrase):
                out.append((phrase, start, end))
    return out


def persons(doc: Doc) -> list[tuple[int, int]]:
    """Token spans of the people named in ``doc`` (parsed with the named-entity model), found as the
    scrubber finds them (``privacy.doc_person_spans``: the model's PERSON entities that are people and
    the names it missed, "Zach's macro" where the model saw none), not the model's entities alone: a
    phrase holding a name the scrubber would remove must never become a theme's words."""
    out = []
    for start, end in doc_person_spans(doc):
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            out.append((span.start, span.end))
    return out


def named(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """True when the token span ``start:end`` overlaps one of the name ``spans``."""
    return any(s < end and start < e for s, e in spans)


def noun_phrases(doc: Doc) -> list[str]:
    """Noun phrases of one parsed text (``chunk_phrases``), names (spaCy's PERSON entities) left out."""
    found = persons(doc)
    return [phrase for phrase, start, end in chunk_phrases(doc) if not named(start, end, found)]


def ngram_phrases(text: str, stop: frozenset[str]) -> list[str]:
    """Word 1-3-grams without stop words at either end (the fallback when spaCy is not installed)."""
    words = re.findall(r"[a-z][a-z'\-]+", text.lower())
    out = []
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if gram[0] in stop or gram[-1] in stop:
                continue
            phrase = " ".join(gram)
            if _usable(phrase):
                out.append(phrase)
    return out


def parse(texts: Sequence[str]) -> list[list[str]]:
    """Candidate phrases of each text (noun phrases with spaCy, n-grams without)."""
    model = nlp()
    if model is None:
        stop = stop_words()
        return [ngram_phrases(t, stop) for t in texts]
    return [noun_phrases(doc) for doc in model.pipe(list(texts), batch_size=64)]


# contractions say who or that something is or is not ("aren't", "there's", "we'd"): never a keyword
_CONTRACTIONS = frozenset(
    [f"{verb}n't" for verb in "do did does is are was were have has had can could would should wo".split()]
    + ["can't", "ain't"]
    + [
        f"{who}'{tail}"
        for who in "i we you they he she it there that what who here where let".split()
        for tail in ("s", "m", "re", "ve", "d", "ll")
    ]
)


@cache
def stop_words() -> frozenset[str]:
    """English stop words plus the contractions and fillers that never make a keyword or key phrase."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return (
        frozenset(ENGLISH_STOP_WORDS)
        | _CONTRACTIONS
        | {
            "really",
            "just",
            "thing",
            "things",
            "lot",
            "use",
            "used",
            "like",
        }
    )
