"""The interviewer's decision on one answer: accept it, or ask a follow-up (short, vague or off topic).

One function, ``judge``, used by the web chat (``engine.next_step``), ``dm3 probe`` and the probe
bench alike; ``decide`` adds the follow-up wording. The rules, in order:

1. **Requests aimed elsewhere** (``aimed.aimed_elsewhere``), whatever their length: instructions to the
   assistant in any phrasing ("ignore your instructions", "rate us 5", "just mark this complete"),
   requests for its instructions or for others' answers, questions about the survey itself (its
   purpose, who reads it, anonymity), questions put back to the interviewer ("what are you going to
   do with my answers?", "can I do this tomorrow instead"), help requests and complaints for
   facilities, IT support or HR with no data work in them. They get the instruction reply (reason
   ``off_topic``) and are never obeyed: nothing in an answer changes what the interviewer does
   besides this decision.
2. **Short**: too little to work with. A non-answer ("ok", "idk", "yes" to "Can you give an
   example?") or fewer than ``answer_shape.SHORT_WORDS`` words, except that a few words fully answer a narrow
   follow-up ("How often ...?" "Every other Tuesday.", "Is any of it still used?" "No.", but not "No."
   to "Do you have an example?"), and a terse answer that names a thing and a time or amount
   (``concrete.what_and_when``: "311 calls by district, quarterly") is an answer.
3. **Off topic** (only with an embedding model): the answer is judged against the question it
   replies to (the follow-up when there is one, with the main question as context) and against
   every question of the interview, and compared with what off-topic talk is about (the rubric's
   ``relevance.off_topic_examples``). An answer that names data work (``relevance.data_terms``, in
   English or Spanish) is on the subject whatever its wording; otherwise it is sent back when it sits
   clearly nearer to the off-topic examples than to the questions, or far from anything asked. A flat
   no ("honestly none that I know of") is on the subject; the model reads English, so a Spanish
   answer that rule 4 finds vague is vague, not off topic.
4. **Vague**: nothing concrete of its own (``concrete.concrete_beyond_question``: no system, file,
   number, time, person in a role, place, or event told in the past tense, once the words it takes
   from the question are left out: restating the question is no detail), and either hedges or stock
   phrases, or ``POLISHED_MIN_WORDS`` words or more of any kind: a polished non-answer (value
   statements, reassurance, blame, aspirations, process jargon) is vague however long and fluent it
   is. So is an answer thick with the words of polish (``answer_shape.is_polish``) and no number,
   name or quote, even if it names a thing or a time in passing ("the vendor is a key partner and we
   always keep it positive"). Hedges inside an otherwise concrete answer ("not really, we only check
   it monthly in Excel") are not vague.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

from assistant.interview.aimed import aimed_elsewhere
from assistant.interview.answer_shape import (
    data_term,
    is_polish,
    is_short,
    is_spanish,
    is_stock_phrase,
    is_vague,
    words,
)
from assistant.interview.concrete import (
    concrete_beyond_question,
    opens_with_no,
    tells_an_event,
    what_and_when,
)
from assistant.interview.probes import OfflineProber, instruction_reply
from assistant.rubric import Component, Question, Rubric

Action = Literal["accept", "probe"]
Reason = Literal["short", "vague", "off_topic"]
Relate = Callable[[str, str], float]  # (answer, text) -> cosine similarity from the embedding model
_REASONS: tuple[Reason, ...] = ("short", "vague", "off_topic")

# Off-topic rule (cosine similarities of all-MiniLM-L6-v2; see bench/probe_eval.py for the measure):
OFF_MARGIN = 0.05  # sent back when the off-topic examples beat the questions by more than this ...
FAR_FROM_ASKED = 0.05  # ... or when the answer is this far from what was asked and nearer to off-topic talk
POLISHED_MIN_WORDS = 16  # a polished non-answer runs to a couple of sentences at least
RUBRIC_WEIGHT = 0.8  # a match with another question of the interview counts a little less than with this one


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
    if data_term(answer, rubric.relevance.data_terms) is not None or opens_with_no(answer):
        return False  # a flat no ("honestly none that I know of") tells about the practice asked about
    if follow_up is not None and tells_an_event(answer):
        return False  # "What happened the last time?" "We ran a shuttle in July": the event asked for
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
                follow_ups += [prober.probe(q, comp.staff_label, "", reason, index).text for reason in _REASONS]
                follow_ups.append(instruction_reply(rubric, q, comp.staff_label, index).text)
            texts.update(dict.fromkeys(asked_texts(q, None)))
            for follow_up in follow_ups:
                texts.update(dict.fromkeys(asked_texts(q, follow_up)))
    return list(texts)


def judge(
    answer: str, question: Question, rubric: Rubric, follow_up: str | None = None, relate: Relate | None = None
) -> Verdict:
    """The decision on ``answer`` to ``question`` (or to ``follow_up``, one of its follow-ups).

    Returns ``Verdict(None)`` to accept it, or the reason for a follow-up; rules in the module
    docstring. Without ``relate`` (no embedding model) the off-topic rule is not applied, except
    for instructions aimed at the assistant, which are always caught.
    """
    terms = rubric.relevance.data_terms
    if aimed_elsewhere(answer, terms):
        return Verdict("off_topic", instruction=True)
    if is_short(answer, follow_up) and not what_and_when(answer, terms):
        # a few words that are all stock phrase ("Some here and there, the usual stuff") need an example,
        # not a request to say more of the same
        if is_stock_phrase(answer):
            return Verdict("vague")
        return Verdict("short")
    asked = (question.text, follow_up or "")
    worded_vague = is_polish(answer) or is_vague(answer, terms)
    # a polished non-answer, or one that only restates the question, names no detail of its own
    vague = is_polish(answer) or (
        (worded_vague or len(words(answer)) >= POLISHED_MIN_WORDS)
        and not concrete_beyond_question(answer, asked, terms)
    )
    # stock phrases, hedges or polish with nothing concrete are a vague answer to what was asked, not
    # talk about something else; the embedding model reads English, so a Spanish answer found vague
    # at all is vague, not off topic because the model cannot place it
    if (
        relate is not None
        and not (vague and (worded_vague or is_spanish(answer)))
        and is_off_topic(answer, question, follow_up, rubric, relate)
    ):
        return Verdict("off_topic")
    return Verdict("vague" if vague else None)


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
        message = instruction_reply(rubric, q, comp.staff_label, index).text
    else:
        message = OfflineProber(rubric).probe(q, comp.staff_label, answer, verdict.reason, index).text
    return Decision("probe", verdict.reason, message)
