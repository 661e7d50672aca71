"""Is there concrete content in an answer: what a follow-up would otherwise ask for?

Concrete: a named system, tool or file (a product name, a spreadsheet, a form, a dashboard), a
number or a time (every Friday, last spring, 3 weeks, 2019), a person in a role (my supervisor, the
GIS analyst, IT), a place or department, or an event told in the past tense with its object ("we
moved the permits to ...", "a crew closed out 40 work orders"). A polished non-answer has none of
these: abstract nouns (processes, stakeholders, culture), evaluative words, aspirations.

Two stages, so most answers never reach the model: ``answer_shape.is_concrete`` (numbers, dates,
capitalised names and acronyms, quotes, specific data-work words) and the word lists below are
regular expressions; only an answer that passes them with nothing found is parsed by spaCy's small
English model (shared with name detection: ``privacy.spacy_pipeline``) for named entities and
past-tense actions on a thing. Without spaCy installed the second stage is skipped (the lists decide).
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.interview.answer_shape import (
    _DAYS,
    _MONTHS,
    ACRONYM,
    CAPITALISED,
    has_strong_detail,
    names_data_work,
    without_idioms,
    words,
)
from assistant.interview.answer_shape import is_concrete as has_marker
from assistant.privacy import spacy_pipeline, without_contacts

# Things, people in roles and places of everyday data work (start of a word, any case; English and Spanish).
_THINGS = (
    r"spreadsheet|excel|database|dashboard|portal|website|web site|web page|intranet|shared drive|s: drive|"
    r"folder|binder|whiteboard|sticky note|post-it|printout|paper|tablet|handheld|laptop|phone call|"
    r"e-?mails?|inbox|voicemail|text message|csv|pdf|word doc|template|tab\b|column|sheet|map|layer|gis|app\b|apps\b|"
    r"software|form\b|forms\b|work orders?|tickets?|case file|log\b|logbook|sign-?in|calendar|agenda|minutes|"
    r"slides?|deck|memo|invoice|receipt|bill\b|bills\b|citation|permit|license|inspection|meeting|workshop|"
    r"(?<!of )course|webinar|training session|all-staff|town hall|huddle|stand-?up|"
    r"(?:strategic|master|action|work|business|capital|comprehensive|annual) plan|annual report|budget book|"
    r"handbook|manual|playbook|charter|ordinance|resolution|sop\b|standard operating|procedures? doc|"
    r"hoja|papel|planilla|formulario|correo|archivo|carpeta|reunión|junta"
)
_ROLES = (
    r"supervisor|manager|director|department head|data lead|clerk|analyst|coordinator|inspector|crew|"
    r"technician|\btech\b|admin|secretary|"
    r"receptionist|dispatcher|caseworker|case manager|librarian|engineer|planner|officer|deputy|chief|boss|"
    r"coworker|co-worker|my lead|team lead|lead worker|attorney|lawyer|legal (?:department|office|team)|"
    r"finance|payroll|accounting|"
    r"treasurer|auditor|council|commissioner|mayor|city manager|county manager|vendor|consultant|contractor|"
    r"university|college|nonprofit|state agency|the state|federal|intern|volunteer|landlord|public works|"
    r"utilities|police|fire department|human resources|planning department|assessor|recorder|code enforcement|"
    r"animal control|building department|health department|help ?desk|"
    r"supervisora|jefe|jefa|encargad|compañer|analista|finanzas"
)
_PLACES = (
    r"front desk|counter|yard|in the field|out in the field|shelter|library|park\b|parks\b|school|station|"
    r"annex|city hall|warehouse|clinic|courthouse|call center|311|911"
)
_TIMES = (
    r"daily|weekly|monthly|quarterly|annual|annually|yearly|nightly|overnight|end of (?:the )?(?:day|shift|week|month|"
    r"year)|at night|in the morning|this morning|mornings|afternoons|fiscal year|budget season|"
    r"(?:mondays|tuesdays|wednesdays|thursdays|fridays)|cada (?:semana|mes|año|día)"
)
# Hands-on data work told as an action: "I type it", "whoever enters it", "we key them in".
_ACTIONS = (
    r"typ(?:e|es|ed|ing) (?:it|them|in|up|the)|enter(?:s|ed|ing)? (?:it|them|the|into)|key(?:s|ed)? (?:it|them|in)\b|"
    r"scan(?:s|ned)?|upload(?:s|ed)?|download(?:s|ed)?|export(?:s|ed)?|print(?:s|ed)? (?:it|them|out)|"
    r"fill(?:s|ed)? (?:it|them|in|out)|call(?:s|ed)? (?:them|him|her|the)|look(?:s|ed)? (?:it|them) up"
)
_LEXICON = re.compile(rf"(?<![\w])(?:{_THINGS}|{_ROLES}|{_PLACES}|{_TIMES}|{_ACTIONS})", re.IGNORECASE)
# A flat no opening the answer is information ("Nowhere.", "They're not, we just fix it"): not a
# polished non-answer, whatever follows.
_FLAT_NO = re.compile(
    r"^\W*(?:(?:usually|mostly|honestly|well|really|basically|pretty much),? )?"
    r"(?:no(?:body| one|where|ne|thing)\b|never\b|(?:they|it|we|i)(?:'re|'s| are| is| do|'d| would)? ?(?:not|n't|don't|"
    r"wouldn't|aren't|isn't)\b(?! (?:say|call it|know about that|be the one)\b)|there(?:'s| is) no\b|nada\b|nadie\b|"
    r"nunca\b)",
    re.IGNORECASE,
)

# spaCy entities that carry a detail the regular expressions missed: a time with something that fixes
# it ("two summers ago", "that spring"), a spelled-out amount ("a dozen", "half"); names are already
# found by their capitals, and the small model's PERSON on a capitalised first word ("Accuracy is
# ...") or DATE on "every single day" / "over the years" tells nothing.
_TIME_ENTITIES = {"DATE", "TIME"}
_AMOUNT_ENTITIES = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}
_TIME_ANCHOR = re.compile(
    r"\b(?:ago|last|spring|summer|fall|autumn|winter|morning|afternoon|evening|night|quarter|weekend|yesterday|"
    r"tomorrow|weeks?|months?|hours?|minutes?|christmas|holidays)\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|dozen|half|dos|tres|cuatro|cinco|diez|cien|mil)\b",
    re.IGNORECASE,
)
# Past-tense verbs that tell no event ("it was", "we had", "there were", "it did"); the shared
# pipeline runs without a lemmatizer, so the forms are listed.
_LIGHT_VERBS = frozenset(
    "was were had did seemed felt thought believed said meant tried wanted liked needed made took".split()
)
_ABSTRACT_OBJECTS = re.compile(
    r"^(?:it|this|that|them|everything|something|anything|nothing|things?|stuff|way|ways|approach|care|time|"
    r"lot|best|part|sense|steps?|action|ownership|responsibility|importance|value|priority|effort|tone|lead|"
    r"direction|bar|standard|pace|difference|progress|strides|headway)$",
    re.IGNORECASE,
)


TERSE_MIN_WORDS = 3  # a terse answer that names what and when ("311 calls by district, quarterly") is not short

# What and when in a terse answer: a thing, person in a role or name, and a number or time ("vendor support
# line, usually 2-3 days"). One of them alone ("Excel.", "the monthly one", "a few times") leaves the
# follow-up unanswered.
_AMOUNT_OR_TIME = re.compile(
    rf"\d|\b(?:{_MONTHS}|{_DAYS}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|thousand|dozen|half|daily|weekly|monthly|quarterly|yearly|annually|nightly|overnight|"
    r"hours?|days?|weeks?|months?|years?|mornings?|afternoons?|tonight|yesterday|ago)\b",
    re.IGNORECASE,
)


def what_and_when(answer: str, data_terms: tuple[str, ...] = ()) -> bool:
    """True when a terse answer (``TERSE_MIN_WORDS`` words or more) names both a thing (a system, file,
    person in a role, name or data-work word) and an amount or a time: it says what and when, unlike a
    one-word reply ("Excel.") or a time alone ("the monthly one"). A phone number, an email or a street
    address is no amount or time ("Priya: (555) 123-4567.", "Go to 1200 Main Street.")."""
    answer = without_contacts(answer)
    if len(words(answer)) < TERSE_MIN_WORDS or not _AMOUNT_OR_TIME.search(answer):
        return False
    rest = _AMOUNT_OR_TIME.sub(" ", answer)
    named = re.search(rf"(?<=\w[ ,]){CAPITALISED}|{ACRONYM}", rest) is not None
    return named or _LEXICON.search(rest) is not None or names_data_work(rest, data_terms)


def warm_up() -> None:
    """Load the spaCy pipeline ahead of the first staff turn (it takes a second or two)."""
    spacy_pipeline()


def opens_with_no(answer: str) -> bool:
    """True when the answer opens with a flat no ("Nowhere.", "Honestly none that I know of"): information."""
    return _FLAT_NO.search(answer) is not None


def lexicon_detail(answer: str) -> bool:
    """True when the answer names a thing, a person in a role, a place or a time of data work."""
    return bool(_LEXICON.search(answer))


@lru_cache(maxsize=512)
def has_concrete_content(answer: str, data_terms: tuple[str, ...] = ()) -> bool:
    """True when the answer holds something concrete (see the module docstring); regular
    expressions first, spaCy only when they find nothing. Cached per answer text."""
    answer = without_idioms(answer)  # "in various forms" names no form (answer_shape._IDIOMS)
    if has_marker(answer, data_terms) or lexicon_detail(answer) or _FLAT_NO.search(answer):
        return True
    nlp = spacy_pipeline()
    if nlp is None:
        return False
    doc = nlp(answer)
    for ent in doc.ents:
        if ent.label_ in _TIME_ENTITIES and (_TIME_ANCHOR.search(ent.text) or _NUMBER_WORD.search(ent.text)):
            return True
        if ent.label_ in _AMOUNT_ENTITIES and _NUMBER_WORD.search(ent.text):
            return True
    return any(_past_event(token) or _named_data(token) for token in doc)


# Words of a question an answer may echo without adding anything ("Describe the last meeting ..." "We use
# data in meetings all the time"): content words of four letters or more, compared by their first five.
_ECHO_STOP = frozenset(
    "about after again also been before being could does doing done each from have into just like make more most "
    "much only other over same some such than that their them then there these they this those through very what "
    "when where which while with would your yours give tell describe walk example recent specific".split()
)


def _stem(word: str) -> str:
    return word.lower()[:5]


def concrete_beyond_question(answer: str, asked: tuple[str, ...], data_terms: tuple[str, ...] = ()) -> bool:
    """``has_concrete_content`` once the words the answer takes from what was asked (``asked``: the
    question and follow-up) are left out: restating the question ("Results are broken down in ways that
    make sense for the report") names no detail of one's own."""
    echoed = {_stem(w) for text in asked for w in words(text) if len(w) >= 4 and w.lower() not in _ECHO_STOP}
    if not echoed:
        return has_concrete_content(answer, data_terms)
    masked = re.sub(
        r"[^\W_]+(?:'[^\W_]+)?",
        lambda m: "it" if len(m.group(0)) >= 4 and _stem(m.group(0)) in echoed else m.group(0),
        answer,
    )
    return has_concrete_content(masked, data_terms)


@lru_cache(maxsize=512)
def tells_an_event(answer: str) -> bool:
    """True when the answer tells an event in the simple past with a thing as its object and a number,
    a name or a month in it ("We ran a shuttle in July", "we moved the stop to Route 9"): an account of
    what happened, whatever it is about. False without spaCy."""
    if not has_strong_detail(answer):
        return False
    nlp = spacy_pipeline()
    return nlp is not None and any(_past_event(token) for token in nlp(answer))


# A kind of data named by what it is about ("parcel data", "crash records", "shelter counts"); data
# named by a quality of it ("data quality", "good data", "governance data") is not.
_DATA_HEADS = frozenset("data records numbers counts figures list lists layer file files datos".split())
_ABSTRACT_MODIFIERS = frozenset(
    "quality governance management strategy culture performance enterprise business key core big open good "
    "better accurate reliable relevant sensitive".split()
)


def _named_data(token) -> bool:  # noqa: ANN001 (a spaCy Token)
    """A noun naming what the data is about, written before it: "parcel data", "crash records"."""
    return (
        token.dep_ == "compound"
        and token.pos_ in ("NOUN", "PROPN")
        and token.head.text.lower() in _DATA_HEADS
        and token.text.lower() not in _ABSTRACT_MODIFIERS
    )


def _past_event(token) -> bool:  # noqa: ANN001 (a spaCy Token; spaCy is imported lazily)
    """An event told in the simple past: a verb with a thing as its object ("we moved the permits",
    "a crew closed out 40 work orders") or with what was said or found ("somebody mentioned planning
    had parcel data")."""
    if token.tag_ != "VBD" or token.text.lower() in _LIGHT_VERBS:
        return False
    for child in token.children:
        if child.dep_ in ("dobj", "dative") and child.pos_ in ("NOUN", "PROPN"):
            if not _ABSTRACT_OBJECTS.match(child.text):
                return True
        if child.dep_ == "ccomp" and any(c.dep_.startswith("nsubj") for c in token.children):
            return True
    return False
