"""Split answers into evidence segments with character spans.

A segment is a span ``text[start:end]`` of the source text (see ``assistant.sentences``), so
every quote shown or cited is a verbatim substring of what the person typed.
"""

from __future__ import annotations

from assistant.sentences import Span, split_sentences, trimmed


def segment(text: str, mode: str = "answer", min_chars: int = 40) -> list[Span]:
    """Evidence spans of one answer.

    ``mode`` "answer" keeps the whole answer as one span (trimmed); "sentence" splits into
    sentences, merging a sentence shorter than ``min_chars`` into its neighbour so a segment
    carries a claim, not a fragment ("Yes." + "We use Excel for that."). The default is
    "answer": on the theme benches whole answers cluster better than their sentences (see
    bench/theme_quality.py --segments), and a short interview answer is usually one claim.
    """
    if mode == "answer":
        span = trimmed(text, 0, len(text))
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
