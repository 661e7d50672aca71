"""The rule for a theme label a consultant can keep: a phrase from staff text, never a bag of words.

A label qualifies (``is_phrase_label``) when it is one phrase of two to seven words that says
something on its own: no comma or semicolon (a list of keywords: "Fix, know, automatically"), no name
placeholder ("[colleague]", what the scrubber leaves of a name), and at least one word that is not a
stop word, a filler, a number or a word that names nobody in particular ("About 40 people", "Usually
guess okay" have none; "Two staff", a count and one thing, has too few). It ends with its noun, not a
stop word or a verb's helper ("Answer did"; a word in capitals is an acronym: "Ask IT"). A
consultant's rename always qualifies: the caller decides that, the label engine "consultant" says it.

``choose_label`` picks the first qualifying phrase not taken by another theme; where none qualifies,
the theme is shown as needing a name and keeps its best phrase (``best_phrase``), so the report and
the roadmap still print words staff wrote.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from assistant.phrases import stop_words
from assistant.synthesis.represent import filler_words

MIN_WORDS, MAX_WORDS = 2, 7
NEEDS_A_NAME = "needs a name"

# words that name nobody and nothing in particular: a label made of them and numbers is a fragment
_GENERIC = frozenset(
    """
    people person persons one ones someone somebody everyone everybody anyone nobody lot lots bit way ways
    percent per cent half third quarter dozen hundred hundreds thousand thousands few several number numbers
    zero one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty
    seventy eighty ninety first second third last next other others
""".split()
)
# a label that opens with a count and names one thing is a fragment of a sentence ("Two staff", "3 months")
_COUNTS = frozenset(
    """
    zero one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty
    seventy eighty ninety hundred hundreds thousand thousands dozen dozens few several couple
""".split()
)
_HELPERS = frozenset("did does doing got gets getting was were is are be been being has have had".split())
_WORD = re.compile(r"[a-z][a-z'\-]*")


def words_of(phrase: str) -> list[str]:
    """The words of ``phrase``, lower case (a curly apostrophe read as a straight one)."""
    return _WORD.findall(phrase.lower().replace("\u2019", "'"))


def content_words(phrase: str) -> list[str]:
    """The words of ``phrase`` that carry meaning: no stop word, filler, number or generic word."""
    stop, filler = stop_words(), filler_words()
    return [w for w in words_of(phrase) if w not in stop and w not in filler and w not in _GENERIC]


def is_phrase_label(label: str) -> bool:
    """True when ``label`` is a phrase a consultant could keep (the module's rule)."""
    text = " ".join(label.split())
    if not text or any(ch in text for ch in ",;()[]{}<>|") or text.endswith("\u2026"):
        return False
    words = text.lower().split()
    # a noun phrase ends with its noun: not with a stop word or a verb's helper ("Answer did"); a word in
    # capitals is an acronym, not a stop word ("Ask IT")
    last = text.split()[-1] if words else ""
    if words and (words[-1] in stop_words() or words[-1] in _HELPERS) and not (last.isupper() and len(last) > 1):
        return False
    counted = words[0] in _COUNTS or words[0][:1].isdigit()
    return MIN_WORDS <= len(words) <= MAX_WORDS and len(content_words(text)) > (1 if counted else 0)


def capitalised(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def choose_label(phrases: Sequence[str], taken: Collection[str] = ()) -> str | None:
    """The first of ``phrases`` (best first) that ``is_phrase_label`` and no other theme took
    (``taken``, lower case), capitalised; None when none does."""
    for p in phrases:
        if p.lower() not in taken and is_phrase_label(p):
            return capitalised(p)
    return None


def best_phrase(phrases: Sequence[str], taken: Collection[str] = ()) -> str:
    """The label of a theme that needs a name: its best phrase that holds a content word and no
    placeholder or list, not taken if possible (never a comma list); "" when it has none."""
    usable = [p for p in phrases if content_words(p) and not any(ch in p for ch in ",;[]")]
    free = [p for p in usable if p.lower() not in taken]
    if free:
        return capitalised(free[0])
    return f"{capitalised(usable[0])} (another group)" if usable else ""


def needs_a_name(label: str, engine: str) -> bool:
    """True when a theme's label is not one a consultant would keep and no consultant named it."""
    return engine != "consultant" and not is_phrase_label(label)
