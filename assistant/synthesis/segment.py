"""Split answers into evidence segments with character spans, and spot non-answers.

A segment is a span ``text[start:end]`` of the source text, so every quote shown or cited is a
verbatim substring of what the person typed. Non-answers ("I don't know", "n/a", a stray word)
are kept countable but are not clustered: peers found they form junk topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (or a run of them) followed by space, or at a line break. Abbreviations
# like "e.g." are protected below so they do not split a claim in two.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+|(?<=[;])\s+")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|dept|mr|mrs|ms|dr|st|no)\.$", re.IGNORECASE)

_NON_ANSWERS = {
    "i don't know", "i dont know", "don't know", "dont know", "dunno", "not sure", "i'm not sure",
    "im not sure", "no idea", "no comment", "no comments", "n/a", "na", "n.a", "none", "nothing",
    "nothing to add", "nothing else", "no", "yes", "ok", "okay", "nope", "pass", "skip", "idk",
    "not applicable", "no answer", "nil", "-", "?", "same", "same as above", "as above", "see above",
}
MIN_LETTERS = 3  # fewer letters than this is a fragment, not an answer


@dataclass(frozen=True)
class Span:
    """One evidence segment: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


def is_non_answer(text: str) -> bool:
    """True when ``text`` says nothing that could belong to a theme (kept countable, not clustered)."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_LETTERS:
        return True
    norm = re.sub(r"[\s.!,;:]+$", "", text.strip().lower()).replace("\u2019", "'")
    norm = re.sub(r"\s+", " ", norm)
    return norm in _NON_ANSWERS


def _trimmed(source: str, start: int, end: int) -> Span | None:
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
        span = _trimmed(text, start, match.start())
        if span:
            spans.append(span)
        start = match.end()
    tail = _trimmed(text, start, len(text))
    if tail:
        spans.append(tail)
    return spans


def segment(text: str, mode: str = "answer", min_chars: int = 40) -> list[Span]:
    """Evidence spans of one answer.

    ``mode`` "answer" keeps the whole answer as one span (trimmed); "sentence" splits into
    sentences, merging a sentence shorter than ``min_chars`` into its neighbour so a segment
    carries a claim, not a fragment ("Yes." + "We use Excel for that."). The default is
    "answer": on the theme benches whole answers cluster better than their sentences (see
    bench/theme_quality.py --segments), and a short interview answer is usually one claim.
    """
    if mode == "answer":
        span = _trimmed(text, 0, len(text))
        return [span] if span else []
    if mode != "sentence":
        raise ValueError(f"unknown segment mode {mode!r}: use 'answer' or 'sentence'")
    merged: list[Span] = []
    for span in split_sentences(text):
        if merged and (len(merged[-1].text) < min_chars or len(span.text) < min_chars):
            prev = merged.pop()
            merged.append(Span(prev.start, span.end, text[prev.start : span.end]))
        else:
            merged.append(span)
    return merged
