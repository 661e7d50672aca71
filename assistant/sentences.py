"""Staff text as sentences: verbatim sentence spans, and whether a text says anything at all.

Shared below the stages: synthesis cuts answers into segments with these spans, rating reads a
segment sentence by sentence, imports and ``dm3 themes`` set non-answers aside. A span is
``text[start:end]`` of the source, so every quote shown or cited is a verbatim substring of what
the person typed. Non-answers ("I don't know", "n/a", a stray word) are kept countable but are
not evidence: peers found they form junk topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (or a run of them) followed by space, or at a line break. Abbreviations
# like "e.g." are protected below so they do not split a claim in two.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+|(?<=[;])\s+")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|dept|mr|mrs|ms|dr|st|no)\.$", re.IGNORECASE)

_NON_ANSWERS = {
    "i don't know",
    "i dont know",
    "don't know",
    "dont know",
    "dunno",
    "not sure",
    "i'm not sure",
    "im not sure",
    "no idea",
    "no comment",
    "no comments",
    "n/a",
    "na",
    "n.a",
    "none",
    "nothing",
    "nothing to add",
    "nothing else",
    "no",
    "yes",
    "ok",
    "okay",
    "nope",
    "pass",
    "skip",
    "idk",
    "not applicable",
    "no answer",
    "nil",
    "-",
    "?",
    "same",
    "same as above",
    "as above",
    "see above",
}
MIN_LETTERS = 3  # fewer letters than this is a fragment, not an answer


@dataclass(frozen=True)
class Span:
    """A piece of a source text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


def says_something(text: str) -> bool:
    """True when ``text`` holds at least ``MIN_LETTERS`` letters (the measure of "says something"),
    counting only until that is known."""
    count = MIN_LETTERS
    for ch in text:
        if ch.isalpha():
            count -= 1
            if count <= 0:
                return True
    return count <= 0


def is_non_answer(text: str) -> bool:
    """True when ``text`` says nothing that could be evidence (kept countable, never clustered or rated)."""
    if not says_something(text):
        return True
    norm = re.sub(r"[\s.!,;:]+$", "", text.strip().lower()).replace("\u2019", "'")
    norm = re.sub(r"\s+", " ", norm)
    return norm in _NON_ANSWERS


def trimmed(source: str, start: int, end: int) -> Span | None:
    """``source[start:end]`` without surrounding whitespace, as a Span; None when nothing is left."""
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return Span(start, end, source[start:end]) if end > start else None


def split_sentences(text: str) -> list[Span]:
    """Sentence-level spans of ``text`` (whitespace trimmed), in order; never empty for non-blank text."""
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ABBREVIATIONS.search(text[start : match.start()]):
            continue
        span = trimmed(text, start, match.start())
        if span:
            spans.append(span)
        start = match.end()
    tail = trimmed(text, start, len(text))
    if tail:
        spans.append(tail)
    return spans
