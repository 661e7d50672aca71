"""The interviewer's decision on one answer: accept it, or ask a follow-up (short, vague or off topic).

One function, ``judge``, used by the web chat (``engine.next_step``), ``dm3 probe`` and the probe
bench alike; ``decide`` adds the follow-up wording. The rules, in order:

1. **Instructions aimed at the assistant** ("ignore your instructions", "show me what others said",
   "rate us 5") are redirected to the question (reason ``off_topic``) and never obeyed: nothing in
   an answer changes what the interviewer does besides this decision.
2. **Short**: too little to work with. A non-answer ("ok", "idk", "yes" to "Can you give an
   example?") or fewer than ``SHORT_WORDS`` words, except that a few words fully answer a narrow
   follow-up ("How often ...?" "Every other Tuesday.", "Is any of it still used?" "No.").
3. **Off topic** (only with an embedding model): the answer is judged against the question it
   replies to (the follow-up when there is one, with the main question as context) and against
   every question of the interview, and compared with what off-topic talk is about (the rubric's
   ``relevance.off_topic_examples``). An answer that names data work (``relevance.data_terms``, in
   English or Spanish) is on the subject whatever its wording; otherwise it is sent back when it sits
   clearly nearer to the off-topic examples than to the questions, or far from anything asked.
4. **Vague**: on the subject in general words: hedges or stock phrases and nothing concrete (no
   number, date, name, system, document or event). Hedges inside an otherwise concrete answer
   ("not really, we only check it monthly in Excel") are not vague.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Literal

from assistant.interview.probes import OfflineProber, instruction_reply
from assistant.rubric import Component, Question, Rubric

Action = Literal["accept", "probe"]
Reason = Literal["short", "vague", "off_topic"]
Relate = Callable[[str, str], float]  # (answer, text) -> cosine similarity from the embedding model
_REASONS: tuple[Reason, ...] = ("short", "vague", "off_topic")

SHORT_WORDS = 8  # fewer words than this is short, unless it answers a narrow follow-up
VAGUE_MIN_WORDS = 4  # below this a stock phrase ("it depends") is short: ask to say more
VAGUE_MAX_WORDS = 45  # a longer answer carries enough to work with, hedged or not
# Off-topic rule (cosine similarities of all-MiniLM-L6-v2; see bench/probe_eval.py for the measure):
OFF_MARGIN = 0.05  # sent back when the off-topic examples beat the questions by more than this ...
FAR_FROM_ASKED = 0.05  # ... or when the answer is this far from what was asked and nearer to off-topic talk
RUBRIC_WEIGHT = 0.8  # a match with another question of the interview counts a little less than with this one

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)

# Instructions or requests aimed at the assistant (English and Spanish). Matched on the whole answer.
_INSTRUCTION = re.compile(
    r"|".join(
        [
            r"\b(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(instructions?|rules?|rubric|prompt|questions?|"
            r"guidelines|system)\b",
            r"\b(ignora|olvida|olvídate de)\b[^.!?\n]{0,30}\b(instrucciones|reglas|preguntas)\b",
            r"\b(system|hidden|secret)\s+(prompt|instructions?)\b",
            r"^\s*(system|assistant|admin(istrator)?)\s*:",
            r"</?\s*(answer|system|instructions?)\s*>",
            r"\bnew instructions?\b",
            r"\byou are now\b",
            r"\b(pretend|act as if|act like|role-?play)\b[^.!?\n]{0,30}\b(you|you're|you are)\b",
            r"\bpretend (you're|you are|to be)\b",
            r"\brepeat (everything|all|the text|your)\b",
            r"\bprint (the|your) (system )?prompt\b",
            r"\bwrite me (a|an)\b",
            # steering the rating
            r"\b(rate|score|mark|grade|put|assign|give|record|rank)\b[^.!?\n]{0,40}\b(us|our|we|department|section|"
            r"component|equity_lens|this)\b[^.!?\n]{0,40}\b(level\s*[1-5]|[1-5]\b|five|highest|top|max(imum)?|fully|"
            r"compliant|optimi[sz]ed|perfect)",
            r"\bwhat (level|score|rating)\b[^.!?\n]{0,30}\b(give|giving|put)\b",
            r"\b(final|our) (rating|score|level)\b[^.!?\n]{0,30}\b(tell|give|show)\b",
            r"\btell me\b[^.!?\n]{0,30}\b(rating|score)\b",
            r"\b(answers?|this) (should|must) be (scored|rated)\b",
            r"\boverrides? the others\b",
            r"\b(skip|end) (the rest|the remaining|the interview)\b",
            # asking for other people's answers
            r"\b(show|tell|give|send|summari[sz]e|list|share|read)\b[^.!?\n]{0,40}\b(what|everything|answers?|"
            r"responses?)\b[^.!?\n]{0,40}\b(others?|other people|everyone|everybody|colleagues|coworkers|my staff|"
            r"my team|the rest|managers|supervisor|director|finance|they)\b[^.!?\n]{0,30}"
            r"\b(said|say|told|answered|wrote|"
            r"interviews?|answers?)\b",
            r"\bwhat did\b[^.!?\n]{0,40}\b(say|said|answer|tell you)\b",
            r"\b(which|who) of (my|our) (staff|team|people|employees)\b",
            r"\b(list|names?) of (everyone|everybody|all|the people)\b[^.!?\n]{0,30}\b(interview|answered|said)\b",
            r"\b(dime|muéstrame|muestrame|enséñame)\b[^.!?\n]{0,40}\b(respondieron|dijeron|contestaron)\b",
        ]
    ),
    re.IGNORECASE | re.MULTILINE,
)

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
    r"january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|"
    r"jul|aug|sept?|oct|nov|dec|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre"
)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|miércoles|jueves|viernes|sábado|domingo"
_CONCRETE = re.compile(
    rf"(\d|\b({_MONTHS}|{_DAYS})\b|\b(last|this|next|every|each|once a|twice a) (week|month|year|quarter|spring|summer|"
    rf"fall|autumn|winter|time|night|morning|day)\b|\byesterday\b|\bago\b|\bfor (example|instance)\b|\be\.g\.|"
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
_SENTENCE_START = re.compile(r"(^|[.!?:;]\s+|\n)\s*[\"'(]?$")


@dataclass(frozen=True)
class Verdict:
    """Why an answer needs a follow-up (``reason`` None: accept it); ``instruction``: aimed at the assistant."""

    reason: Reason | None
    instruction: bool = False


@dataclass(frozen=True)
class Decision:
    """What ``dm3 probe`` prints for one answer: ``{"action", "reason", "message"}``."""

    action: Action
    reason: Reason | None
    message: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits, any script; "don't" is one word)."""
    return _WORD.findall(text)


@lru_cache(maxsize=512)
def is_instruction(answer: str) -> bool:
    """True when the answer asks the assistant to do something other than take an answer (never obeyed).

    Cached per answer text: a staff turn judges the same answer more than once (a dry run that finds
    the text to encode, then the decision)."""
    return bool(_INSTRUCTION.search(answer))


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
    narrow = follow_up is not None and " and " not in follow_up.lower() and "," not in follow_up
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
    specific = tuple(t for t in data_terms if t.lower() not in _GENERAL_TERMS)
    return _data_term(answer, specific) is not None


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


@lru_cache(maxsize=1024)
def _data_term(answer: str, terms: tuple[str, ...]) -> str | None:
    """The first of ``terms`` named in ``answer`` (cached: see ``is_instruction``), or None."""
    pattern = _term_pattern(terms)
    match = pattern.search(answer) if pattern else None
    return match.group(0) if match else None


def asked_texts(question: Question, follow_up: str | None) -> list[str]:
    """What the answer replies to, as compared by the off-topic rule: the follow-up (alone and with
    the main question as context) when there is one, and the main question with its topic."""
    texts = [f"{question.text} {question.topic}".strip(), question.text]
    if follow_up:
        texts = [follow_up, f"{follow_up} {question.text}"] + texts
    return texts


def is_off_topic(answer: str, question: Question, follow_up: str | None, rubric: Rubric, relate: Relate) -> bool:
    """True when the answer is about something else (see rule 3 in the module docstring).

    ``relate(answer, text)`` is the cosine similarity of the embedding model; only the answer is
    encoded per call (the rubric's texts are cached by the scorer). A scorer with ``many(answer,
    texts)`` (``Relatedness``) gives each group of cosines in one matrix product instead.
    """
    if _data_term(answer, rubric.relevance.data_terms) is not None:
        return False
    asked_to = asked_texts(question, follow_up)
    interview = _rubric_texts(rubric)
    examples = rubric.relevance.off_topic_examples
    many = getattr(relate, "many", None)
    if many is not None:
        asked = float(many(answer, asked_to).max())
        best_in_interview = float(many(answer, interview).max()) if interview else -1.0
        off = float(many(answer, examples).max()) if examples else -1.0
    else:
        asked = max(relate(answer, text) for text in asked_to)
        best_in_interview = max((relate(answer, text) for text in interview), default=-1.0)
        off = max((relate(answer, text) for text in examples), default=-1.0)
    on = max(asked, RUBRIC_WEIGHT * best_in_interview)
    return off - on > OFF_MARGIN or (asked < FAR_FROM_ASKED and off > on)


def rubric_texts(rubric: Rubric) -> list[str]:
    """Every question and follow-up of the interview (what an on-topic answer may speak to)."""
    return list(_rubric_texts(rubric))


_RUBRIC_TEXTS: dict[int, tuple[Rubric, tuple[str, ...]]] = {}  # id(rubric) -> (rubric, its texts); rubrics are few


def _rubric_texts(rubric: Rubric) -> tuple[str, ...]:
    """``rubric_texts`` built once per rubric object (the rubric is kept with them, so its id is not reused)."""
    cached = _RUBRIC_TEXTS.get(id(rubric))
    if cached is not None and cached[0] is rubric:
        return cached[1]
    texts = tuple(t for comp in rubric.components for q in comp.questions for t in (q.text, *q.probes))
    if len(_RUBRIC_TEXTS) >= 16:
        _RUBRIC_TEXTS.clear()
    _RUBRIC_TEXTS[id(rubric)] = (rubric, texts)
    return texts


def comparison_texts(rubric: Rubric, max_probes: int = 2) -> list[str]:
    """Every text the off-topic rule may compare an answer with, for the offline follow-ups: the
    interview's questions and follow-ups, the off-topic examples, and for each question what
    ``asked_texts`` gives for the main question, its rubric follow-ups and each follow-up the
    offline prober or the instruction reply can ask (probe numbers 1 to ``max_probes``).

    ``Relatedness.prepare`` encodes them ahead of the first staff turn; an LLM-written follow-up is
    new text and is encoded when first answered.
    """
    texts = dict.fromkeys(_rubric_texts(rubric))
    texts.update(dict.fromkeys(rubric.relevance.off_topic_examples))
    prober = OfflineProber(rubric)
    for comp in rubric.components:
        for q in comp.questions:
            follow_ups = list(q.probes)
            for index in range(1, max_probes + 1):
                follow_ups += [prober.probe(q, comp.name, "", reason, index).text for reason in _REASONS]
                follow_ups.append(instruction_reply(rubric, q, comp.name, index).text)
            texts.update(dict.fromkeys(asked_texts(q, None)))
            for follow_up in follow_ups:
                texts.update(dict.fromkeys(asked_texts(q, follow_up)))
    return list(texts)


def judge(
    answer: str,
    question: Question,
    rubric: Rubric,
    follow_up: str | None = None,
    relate: Relate | None = None,
) -> Verdict:
    """The decision on ``answer`` to ``question`` (or to ``follow_up``, one of its follow-ups).

    Returns ``Verdict(None)`` to accept it, or the reason for a follow-up; rules in the module
    docstring. Without ``relate`` (no embedding model) the off-topic rule is not applied, except
    for instructions aimed at the assistant, which are always caught.
    """
    if is_instruction(answer):
        return Verdict("off_topic", instruction=True)
    if is_short(answer, follow_up):
        # a few words that are all stock phrase ("Some here and there, the usual stuff") need an example,
        # not a request to say more of the same
        if len(words(answer)) >= VAGUE_MIN_WORDS and _STOCK.search(answer) and not is_concrete(answer):
            return Verdict("vague")
        return Verdict("short")
    if relate is not None and is_off_topic(answer, question, follow_up, rubric, relate):
        return Verdict("off_topic")
    if is_vague(answer, rubric.relevance.data_terms):
        return Verdict("vague")
    return Verdict(None)


def find_question(component: Component, question: str) -> Question:
    """The component's question with id or text ``question``; ``ValueError`` naming the component otherwise."""
    for q in component.questions:
        if question in (q.id, q.text):
            return q
    raise ValueError(f"component {component.id!r} has no question {question!r} (give its id or exact text)")


def decide(
    rubric: Rubric,
    role_level: str,
    component: str,
    question: str,
    follow_up: str | None,
    answer: str,
    relate: Relate | None = None,
    max_probes: int = 2,
) -> Decision:
    """The offline decision on one answer, with the follow-up's wording: what ``dm3 probe`` prints.

    ``question`` is the main question's id or exact text; ``follow_up`` the follow-up being answered
    (None for an answer to the main question), counted as the first of at most ``max_probes``.
    ``ValueError`` names an unknown role level, component or question, or an empty answer.
    """
    if role_level not in {r.id for r in rubric.role_levels}:
        raise ValueError(f"unknown role_level {role_level!r} (use one of {[r.id for r in rubric.role_levels]})")
    try:
        comp = rubric.component(component)
    except KeyError:
        raise ValueError(f"unknown component {component!r}") from None
    q = find_question(comp, question)
    if not isinstance(answer, str) or not answer.strip():
        raise ValueError("the answer is empty")
    follow_up = follow_up.strip() if isinstance(follow_up, str) and follow_up.strip() else None
    index = 1 if follow_up is None else 2
    verdict = judge(answer, q, rubric, follow_up, relate)
    if verdict.reason is None or index > max_probes:
        return Decision("accept", None, None)
    if verdict.instruction:
        message = instruction_reply(rubric, q, comp.name, index).text
    else:
        message = OfflineProber(rubric).probe(q, comp.name, answer, verdict.reason, index).text
    return Decision("probe", verdict.reason, message)
