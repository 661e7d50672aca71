"""Segmenting answers: verbatim spans, sentence merging, non-answers."""

from __future__ import annotations

import pytest

from assistant.sentences import is_non_answer, split_sentences
from assistant.synthesis.segment import segment


def test_sentence_spans_are_verbatim_and_keep_abbreviations_together():
    text = "  We use Excel, e.g. for permits. The GIS layer is old!\nNobody owns it?  "
    spans = split_sentences(text)
    assert [s.text for s in spans] == ["We use Excel, e.g. for permits.", "The GIS layer is old!", "Nobody owns it?"]
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_short_sentences_merge_into_a_claim_and_answer_mode_keeps_one_span():
    text = "Yes. We keep every inspection record in a shared spreadsheet on the S drive."
    assert [s.text for s in segment(text, "sentence")] == [text]
    assert [s.text for s in segment("  one answer.  ")] == ["one answer."]
    with pytest.raises(ValueError, match="unknown segment mode"):
        segment(text, "words")


@pytest.mark.parametrize(
    "text", ["I don't know", "n/a", "No comment.", "  none ", "ok", "-", "??", "Dunno!", "I\u2019m not sure"]
)
def test_non_answers(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["Excellent", "No one owns the data.", "We don't know who owns the permit data."])
def test_real_answers_are_kept(text):
    assert not is_non_answer(text)
