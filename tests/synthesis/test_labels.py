"""Labels a person wrote: a phrase of two to seven words from staff text, never a keyword list, a name
placeholder alone or a number fragment; a theme without one needs a name and keeps its best phrase."""

from __future__ import annotations

import pytest

from assistant import phrases
from assistant.synthesis import phrases as P
from assistant.synthesis import themes as T
from assistant.synthesis.labels import best_phrase, choose_label, is_phrase_label, needs_a_name
from assistant.synthesis.represent import ctfidf_keywords, offline_label


@pytest.mark.parametrize(
    "label",
    [
        "Fix, know, automatically",  # the keyword lists
        "Usually, guess, okay",
        "Manage, guess, we'd",
        "[colleague]",  # a name placeholder alone
        "[colleague]'s export",
        "About 40 people",  # a number fragment alone
        "Two staff",  # a count and one thing: a fragment of a sentence
        "3 months",
        "40",
        "Usually guess okay",  # fillers with no content word
        "Spreadsheets",  # one word
        "Spreadsheets (another group)",
        "Fix it",
        "The export that runs every night and breaks when nobody checks it",  # a sentence, not a label
        "",
    ],
)
def test_what_a_consultant_would_not_keep(label):
    assert not is_phrase_label(label)
    assert needs_a_name(label, "offline") and needs_a_name(label, "llm")


@pytest.mark.parametrize(
    "label",
    [
        "Emailed spreadsheet copies",
        "Data quality",
        "Waiting times in the emergency department",
        "Car parking",
        "Fifty or sixty flagged incidents",
        "First aid",
        "24 hour service",
        "Ask IT",  # an acronym, not the stop word "it"
    ],
)
def test_phrases_a_consultant_would_keep(label):
    assert is_phrase_label(label) and not needs_a_name(label, "offline")


def test_a_consultants_rename_always_wins():
    assert not needs_a_name("Dave", "consultant") and not needs_a_name("Fix, know", "consultant")


def test_the_label_is_the_first_phrase_that_qualifies_and_is_free():
    found = ["spreadsheets", "about 40 people", "emailed spreadsheet copies", "version control"]
    assert choose_label(found) == "Emailed spreadsheet copies"
    assert choose_label(found, {"emailed spreadsheet copies"}) == "Version control"
    assert choose_label(["spreadsheets", "[colleague]"]) is None
    # none qualifies: the theme keeps its best phrase (it needs a name), never a list
    assert P.label_of(["spreadsheets", "excel"]) == "Spreadsheets"
    assert best_phrase(["[colleague]", "about 40 people", "excel"]) == "Excel"
    assert P.label_of(["spreadsheets"], {"spreadsheets"}) == "Spreadsheets (another group)"


def test_the_offline_label_is_a_phrase_or_one_keyword_never_a_list():
    texts = ["Our data quality is poor in the permits system.", "Data quality checks never happen."]
    assert offline_label(["data quality", "permits", "checks"], texts[0], texts) == "Data quality"
    label = offline_label(["fix", "know", "automatically"], "We fix it when we know.", ["We fix it when we know."])
    assert "," not in label and label == "Fix"
    assert offline_label([], "Nobody owns the data and it shows in every report we send out.") == (
        "Nobody owns the data and it shows…"
    )


# --- where a theme's shared phrases do not make a label (issue 28) ------------------------------------


def _named(texts: list[str], embedder, *groups: list[int]) -> list[str]:
    """The labels ``name_with_phrases`` gives top themes over ``groups`` of ``texts`` (offline label first)."""
    x = embedder.encode(texts)
    drafts = [T._draft(x, members, None, None, 3) for members in groups]
    T._name_offline(texts, drafts)
    T.name_with_phrases(texts, drafts, embedder.encode)
    return [d.label for d in drafts]


def test_phrases_are_read_as_staff_wrote_them():
    texts = [
        "The vendor's help desk took a month. We added a second co-responder team.",
        "Not much, just the usual stuff.",
    ]
    said = [p for found in phrases.parse(texts) for p in found]
    assert "vendor's help desk" in said and "second co-responder team" in said  # found again in the text
    assert "usual stuff" in said  # a chunk spaCy ran over a comma starts after it
    assert all(p in " ".join(texts).lower() for p in said)


def test_contractions_are_no_keyword_or_label():
    for word in ("aren't", "there's", "we'd", "didn't", "that's"):
        assert word in phrases.stop_words()
    assert not is_phrase_label("Aren't") and not is_phrase_label("There's no way")
    texts = ["They aren't, really. We fix it.", "They aren't. We fix it and move on.", "I fix it."]
    assert all("'" not in k for k in ctfidf_keywords(texts, [[0, 1, 2]])[0])


def test_a_theme_whose_shared_phrase_is_one_word_is_named_by_a_typical_phrase_of_it(embedder):
    texts = [
        "Over a month. The monthly status report came too late to use.",
        "Over a month, honestly, for the monthly status report.",
        "A month or more. Nobody chased the overdue invoices.",
    ]
    (label,) = _named(texts, embedder, [0, 1, 2])
    assert label == "Monthly status report"  # said by two, holds the theme's word: better than "Month"
    texts[1] = "Over a month, honestly."
    (label,) = _named(texts, embedder, [0, 1, 2])
    assert label == "Month"  # one person's words are an anecdote, not the theme's name: it needs a name
    texts = ["Parking near the north gate.", "Parking near the east gate.", "Parking is full by the river path."]
    (label,) = _named(texts, embedder, [0, 1, 2])
    assert label == "Parking"  # a phrase without the theme's word ("River path") would mislead: it needs a name


def test_a_theme_sharing_no_phrase_is_named_by_a_noun_phrase_not_a_verb(embedder):
    texts = ["I fix it quick.", "They aren't, really. We fix it quick and move on.", "We fix it. A quick fix, no more."]
    (label,) = _named(texts, embedder, [0, 1, 2])
    assert label == "Quick fix"  # one says it, all use its words; the offline label would be "Fix" or "Aren't"


def test_a_typical_phrase_never_names_a_person(embedder):
    texts = ["Over a month. Dave Smith's spreadsheet was late.", "Over a month, honestly.", "A month, I think."]
    (label,) = _named(texts, embedder, [0, 1, 2])
    assert "dave" not in label.lower() and "smith" not in label.lower()
    assert needs_a_name(label, "offline")  # nothing else qualifies: it needs a name


def test_typical_phrases_keep_labels_unique(embedder):
    texts = ["I fix it quick.", "They aren't, really. We fix it quick and move on.", "We fix it. A quick fix, no more."]
    first, second = _named(texts, embedder, [0, 1, 2], [0, 1, 2])
    assert is_phrase_label(first) and first.lower() != second.lower()


def test_a_short_answer_many_gave_word_for_word_names_a_theme_of_verbs(embedder):
    texts = ["Did not answer", "Did not answer.", "Did not answer", "Listened."]
    (label,) = _named(texts, embedder, [0, 1, 2, 3])
    assert label == "Did not answer"
    # an answer that names someone is no label, however often it was given
    texts = ["Ask Dave Smith.", "Ask Dave Smith.", "Ask Dave Smith.", "Ask someone."]
    (label,) = _named(texts, embedder, [0, 1, 2, 3])
    assert "dave" not in label.lower() and "smith" not in label.lower()


def test_an_offline_keyword_pair_that_is_no_noun_phrase_is_no_label(embedder):
    fixed = ["It gets fixed, eventually.", "It gets fixed when someone complains.", "Eventually it gets fixed."]
    other = ["We fixed the permit data.", "Someone fixed the report.", "The report gets sent."]
    label, _ = _named([*fixed, "It gets fixed.", *other], embedder, [0, 1, 2, 3], [4, 5, 6])
    assert label != "Gets fixed" and needs_a_name(label, "offline"), label  # c-TF-IDF's pair: a verb fragment


def test_a_sentence_two_wrote_word_for_word_names_a_theme(embedder):
    texts = ["Over a month. By then we had moved on.", "Over a month. Nobody chased it.", "A month, maybe more."]
    (label,) = _named(texts, embedder, [0, 1, 2])
    assert label == "Over a month"
    texts = ["Not sure. There's nothing I know of that says.", "Honestly there's nothing I know of that says."]
    (label,) = _named([*texts, "Nothing that says so."], embedder, [0, 1, 2])
    assert label != "There's nothing I know of that says"  # a sentence is a statement, not a name


def test_a_keyword_pair_nobody_wrote_is_no_label(embedder):
    texts = ["I fix it.", "I fix it.", "They aren't, really. We fix it and move on.", "We fix it."]
    (label,) = _named(texts, embedder, [0, 1, 2, 3])
    assert label == "Fix" and needs_a_name(label, "offline")  # never "Fix fix", c-TF-IDF's pair
