"""The shape of an answer, before any model: is it a non-answer, short, vague or concrete? Rules on
words and patterns only (English and Spanish), used by ``decide.judge`` (rules 2 and 4 of its
docstring) and cached per answer text, because a staff turn judges the same answer more than once (a
dry run that finds the text to encode, then the decision). Whether an answer is an instruction aimed
at the assistant (rule 1) is the one screen every stage uses, ``assistant.screening``.
"""

from __future__ import annotations

import re
from functools import lru_cache

SHORT_WORDS = 8  # fewer words than this is short, unless it answers a narrow follow-up
VAGUE_MIN_WORDS = 4  # below this a stock phrase ("it depends") is short: ask to say more
VAGUE_MAX_WORDS = 45  # a longer answer carries enough to work with, hedged or not

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)

# Answers that say nothing yet, whatever was asked (compared without end punctuation, lower case).
_NON_ANSWERS = {
    "ok",
    "okay",
    "k",
    "yes",
    "yeah",
    "yep",
    "sure",
    "no",
    "nope",
    "maybe",
    "idk",
    "dunno",
    "not sure",
    "no idea",
    "i don't know",
    "i dont know",
    "not sure tbh",
    "no clue",
    "sí",
    "si",
    "no sé",
    "no se",
    "tal vez",
    "quizás",
    "n/a",
    "na",
    "none",
    "nothing",
    "same",
    "see above",
    "it depends",
    "unclear",
    "not clear",
    "unknown",
    "hard to say",
    "who knows",
    "it varies",
    "varies",
    "depends",
    "depende",
    "pass",
    "?",
    "me?",
}
_YES_NO = {"yes", "yeah", "yep", "no", "nope", "sí", "si", "never", "not really", "yes, once", "no, never"}

# A follow-up that a few words can answer fully: how long / how often / when / who, or a yes-no
# question; one part only ("Who signs off, and on what basis?" needs more than a name).
_NARROW = re.compile(r"^\s*(how (long|often|many|much)|when\b|who\b|which\b|where\b)", re.IGNORECASE)
# A follow-up of two parts ("Who signs off, and on what basis?", "What broke and how was it fixed?"); a
# comma alone is no second part ("How long did it take, from asking to having the data?").
_TWO_PARTS = re.compile(
    r"\b(?:and|or)\s+(?:what|how|who|whom|why|when|where|which|on what|in what|with what)\b|\?[^?]*\?", re.IGNORECASE
)
_ASKS_FOR_EXAMPLE = re.compile(
    r"\b(?:example|instance|a time (?:when|that)|the last time|a recent time|describe|walk me through)\b", re.IGNORECASE
)
_YES_NO_QUESTION = re.compile(r"^\s*(is|are|was|were|has|have|had|does|do|did|will)\b", re.IGNORECASE)

# Stock phrases that stand in for detail, and weaker hedges: one stock phrase, or two hedges, with
# nothing concrete make an answer vague; a hedge alone ("I think", "usually") does not.
_STOCK = re.compile(
    r"\b(it depends|depends|depending on|kind of|sort of|more or less|the usual|usual|normal|pretty standard|"
    r"whatever|stuff|things|somehow|somewhere|eventually|various|different (ways|things|places)|in a way|"
    r"one way or another|some way or another|as appropriate|like anything|like everywhere|like any other|"
    r"we try our best|we make it work|we manage|we always do|a bit of everything|here and there|back and forth|"
    r"and all that|and whatnot|all the factors|a balance|team effort|part of (everything|how we work)|"
    r"nothing special|in general|for the most part|it happens|it's handled|it gets handled|"
    r"depende|más o menos|mas o menos|ya sabes|es complicado|cosas)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(i think|i believe|i'd say|i'd assume|i guess|i suppose|i'm sure|probably|usually|generally|sometimes|"
    r"everyone|everybody|all of us|important|a priority|a lot of people|some people|not really|maybe|"
    r"supongo|creo que|a veces|normalmente)\b",
    re.IGNORECASE,
)
_MONTHS = (
    r"january|february|march|april|(?-i:May)|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|"
    r"jul|aug|sept?|oct|nov|dec|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre"
)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|miércoles|jueves|viernes|sábado|domingo"
_CONCRETE = re.compile(
    rf"(\d|\b({_MONTHS}|{_DAYS})\b|\b(last|this|next|every|each|once a|twice a) (week|month|year|quarter|spring|summer|"
    rf"fall|autumn|winter|night|morning|day)\b|\b(the last|last|this) time\b|"
    rf"\byesterday\b|\bago\b|\bfor (example|instance)\b|\be\.g\.|"
    r"\bone (time|day)\b|\bthe (last|other) time\b|(?<!\w)[\"“'‘][^\"”'’]{3,}[\"”'’](?!\w))",
    re.IGNORECASE,
)
# Data-work words too general to count as a detail ("we use data", "residents are welcome"): they
# keep an answer on the subject (off-topic rule) but do not make it concrete (vague rule).
_GENERAL_TERMS = frozenset(
    "data dato information system sistema resident residente community comunidad equity equidad council concejo "
    "plan goal strategy estrategia check review revis verific request solicitud quality calidad measure error "
    "mistake language idioma training capacitación budget presupuesto policy política contract contrato agreement "
    "acuerdo partnership assess evaluat evaluación indicator target monitor tracking seguimiento accura count "
    "number número figure cifra access acceso security seguridad privacy privacidad".split()
)
# Set phrases that hold a word of data work or of time without naming one (issue 30): "of course" is no
# training course, "in various forms" no form, "it informed the conversation" no informe (a Spanish
# report), and "one day" after a hope, wish or "maybe" is no day on which something happened ("we hope
# one day residents will have a say"); "who reports to whom" on the org chart is no report, and the org
# chart no chart of data.
_IDIOMS = re.compile(
    r"\b(?:of course|por supuesto|(?:in|takes?|took|taking) (?:various|many|different|all sorts of|several|other) "
    r"forms|(?:in )?(?:any )?(?:shape or form|way,? shape or form)|inform(?:ed|ing|s)\b"
    r"|(?:hope|hopes|hoping|wish|maybe|perhaps|someday|would like to think|d like to think) (?:that )?one day"
    r"|reports? (?:directly )?to (?:who|whom|me|him|her|them)|org(?:ani[sz]ation(?:al)?)? chart)\b",
    re.IGNORECASE,
)


def without_idioms(answer: str) -> str:
    """``answer`` with the set phrases of ``_IDIOMS`` blanked out, for the concreteness tests only."""
    return _IDIOMS.sub(" ", answer)


_SENTENCE_START = re.compile(r"(^|[.!?:;]\s+|\n)\s*[\"'(]?$")


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits, any script; "don't" is one word)."""
    return _WORD.findall(text)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.!,;:…]+$", "", text.strip().lower().replace("\u2019", "'")))


def is_short(answer: str, follow_up: str | None) -> bool:
    """True when the answer is too little to work with for what was asked.

    Rule: a non-answer ("ok", "idk", "yes" to "Can you give an example?") is short; so is any answer
    of fewer than ``SHORT_WORDS`` words, except a few words that fully answer a narrow one-part
    follow-up ("How often ...?" "Every other Tuesday.") or "yes"/"no" to a yes-no follow-up.
    """
    norm = _norm(answer)
    count = len(words(answer))
    # "No." to "Do you have an example?" leaves the request for an example unanswered: asked once more
    narrow = follow_up is not None and not _TWO_PARTS.search(follow_up) and not _ASKS_FOR_EXAMPLE.search(follow_up)
    if narrow and _YES_NO_QUESTION.match(follow_up) and norm in _YES_NO:
        return False
    if norm in _NON_ANSWERS or count == 0:
        return True
    if count >= SHORT_WORDS:
        return False
    if narrow and (_NARROW.match(follow_up) or _YES_NO_QUESTION.match(follow_up)):
        return answer.strip().endswith("?")  # "IT?" is a guess, not an answer
    return True


def is_concrete(answer: str, data_terms: tuple[str, ...] = ()) -> bool:
    """True when the answer holds a detail: a number, date, time of year, name or system, quote, or a
    thing of data work named (``data_terms``, other than the general words "data" and "information")."""
    answer = without_idioms(answer)  # "of course" is no training course
    if _CONCRETE.search(answer):
        return True
    for match in re.finditer(r"\b[A-Z][\w'-]*", answer):
        word = match.group(0)
        if word in ("I", "I'm", "I'd", "I've", "I'll", "OK"):
            continue
        if not _SENTENCE_START.search(answer[: match.start()]):
            return True  # a name, a system, a department or an acronym mid-sentence
        if sum(ch.isupper() for ch in word) >= 2:
            return True  # an acronym or a product name (IT, GIS, PowerBI) at the start of a sentence
    return names_data_work(answer, data_terms)


def names_data_work(answer: str, data_terms: tuple[str, ...]) -> bool:
    """True when the answer names a specific thing of data work: one of ``data_terms`` as a whole word
    ("forms", "keyed"), other than the general words ("data", "information", "quality")."""
    specific = _specific(data_terms)
    return _whole_term(specific).search(answer) is not None if specific else False


@lru_cache(maxsize=8)
def _specific(data_terms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in data_terms if t.lower() not in _GENERAL_TERMS)


def is_vague(answer: str, data_terms: tuple[str, ...] = ()) -> bool:
    """True when the answer stays general: hedges or stock phrases and no concrete detail (see ``is_concrete``)."""
    if len(words(answer)) >= VAGUE_MAX_WORDS or is_concrete(answer, data_terms):
        return False
    return bool(_STOCK.search(answer)) or len(_HEDGE.findall(answer)) >= 2


@lru_cache(maxsize=8)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for the data terms: lower-case terms match the start of a word in any case,
    terms written in capitals (IT, GIS) match only as whole words in capitals."""
    if not terms:
        return None
    lower = sorted((re.escape(t.lower()) for t in terms if not t.isupper()), key=len, reverse=True)
    upper = sorted((re.escape(t) for t in terms if t.isupper()), key=len, reverse=True)
    parts = []
    if lower:
        parts.append(r"(?i:(?<![\w])(?:" + "|".join(lower) + "))")
    if upper:
        parts.append(r"(?<![\w])(?:" + "|".join(upper) + r")(?![\w])")
    return re.compile("|".join(parts))


# Stems in the rubric's data terms that are meant to match longer words ("neighbo" for neighbourhood).
_STEM_SUFFIX = r"(?:s|es|ed|d|ing|ings|er|ers|ic|ics|al|a|as|o|os)?"


@lru_cache(maxsize=8)
def _whole_term(terms: tuple[str, ...]) -> re.Pattern[str]:
    """The data terms as whole words with a plural or verb ending ("forms", "keyed"), for the
    concreteness test: "app" must not find "approach", nor "import" "important". A term that is a
    stem ("neighbo", "evaluat", "gráfic") still matches the start of a word."""
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        if term.isupper():  # IT, GIS: only as written, never "it"
            parts.append(rf"(?-i:{re.escape(term)}s?)(?![\w])")
            continue
        body = re.escape(term.lower())
        stem = term.endswith(("bo", "at", "fic", "stic", "ur", "is", "ific", "ra", "ad"))
        parts.append(body + (r"\w*" if stem else _STEM_SUFFIX + r"(?![\w])"))
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + ")", re.IGNORECASE)


@lru_cache(maxsize=1024)
def data_term(answer: str, terms: tuple[str, ...]) -> str | None:
    """The first of ``terms`` named in ``answer`` (cached: a turn judges the same answer twice), or None."""
    pattern = _term_pattern(terms)
    match = pattern.search(answer) if pattern else None
    return match.group(0) if match else None


# The words of a polished non-answer: values, reassurance, management language and sweeping quantifiers
# ("we always strive to make sure the right information reaches everyone"). A plain account uses one now
# and then; three or more with no number, name or quote in the answer is polish, whatever else it says
# ("the vendor is responsive", "data is part of the daily work" name a thing or a time only in passing).
POLISH_MARKERS = 3
_POLISH = re.compile(
    r"\b(?:always|constantly|continuously|strive|striving|committed|commitment|key|ensure|ensuring|positive|solid|"
    r"strong|good relationships?|seriously|important|importance|every effort|best practices?|stakeholders?|holistic|"
    r"robust|proactive|continuous improvement|data-driven|data driven|culture|transparen\w*|accountab\w*|"
    r"collaborat\w*|align\w*|leverag\w*|insights?|outcomes?|we all|everyone|everybody|across the board|"
    r"across the organi[sz]ation|the right (?:people|information|time|way|thing)|value[sd]?|priorit\w*|meaningful|"
    r"effective\w*|efficien\w*|appropriate\w*|responsib\w*|support\w*|improv\w*|in general|overall|generally|"
    r"as needed|where possible|pretty much|part of|everything we do|on the same page|moving forward|"
    r"going forward|at the end of the day|make sure)\b",
    re.IGNORECASE,
)
# a capitalised word (a name when inside a sentence; not "I", "I'm": the speaker is no detail) and an acronym
CAPITALISED, ACRONYM = r"(?!I\b)[A-Z][\w'-]*", r"\b[A-Z]{2,}\b"
# a number, a capitalised word inside a sentence, an acronym or a quoted phrase
_STRONG_DETAIL = re.compile(rf"\d|(?<=\w[ ,(]){CAPITALISED}|{ACRONYM}|(?<!\w)[\"“'‘][^\"”'’]{{3,}}[\"”'’](?!\w)")


def is_polish(answer: str) -> bool:
    """True when the answer carries ``POLISH_MARKERS`` or more words of polish (``_POLISH``) and no number,
    name, acronym or quote: a polished non-answer, even if it names a thing or a time in passing."""
    return len(_POLISH.findall(answer)) >= POLISH_MARKERS and not has_strong_detail(answer)


def has_strong_detail(answer: str) -> bool:
    """True when the answer holds a number, a name or acronym mid-sentence, or a quote."""
    return _STRONG_DETAIL.search(without_idioms(answer)) is not None


# Words only Spanish writes (articles, pronouns, common verbs), for telling a Spanish answer from an English one.
_SPANISH_WORDS = frozenset(
    "que los las el la es en un una por pero con del se lo le nos muy más mas está esta están hay sí "
    "también tambien todo todos cada quien cuando porque como sabe saber verdad pues depende".split()
)


def is_spanish(answer: str) -> bool:
    """True when at least a quarter of the answer's words are Spanish function words (two at least)."""
    found = [w for w in words(answer.lower()) if w in _SPANISH_WORDS]
    return len(found) >= 2 and len(found) * 4 >= len(words(answer))


def is_stock_phrase(answer: str) -> bool:
    """True when a few words are all stock phrase ("Some here and there, the usual stuff"): such an
    answer needs an example, not a request to say more of the same."""
    return len(words(answer)) >= VAGUE_MIN_WORDS and bool(_STOCK.search(answer)) and not is_concrete(answer)
