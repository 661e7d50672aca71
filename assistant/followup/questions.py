"""Answers to the same question in two assessments: the share of people whose answer supports each of
the question's indicators then and now, with an effect size.

Rules (employee-pulse practice: compare only identical questions, report effect sizes, one anonymity
threshold for every wave and for the differences between waves):
- a question is compared when both assessments asked it with the same wording (the text of its
  question turns; the rubric's text where none was stored, as for imported answers) under the same
  rubric version (``compare.same_rubric``);
- its respondents on a side are the distinct people (not withdrawn) with a counted segment answering it;
- an answer supports an indicator of the question when one of its segments is evidence of that
  indicator in that side's rating (the proposal the latest decision was made on, else the current
  one): the segments the indicator's evidence level rests on. The evidence level is shown beside it;
- the effect size is Cohen's h for two proportions, h = 2·asin(√p_now) − 2·asin(√p_then), read by
  Cohen's conventions: |h| under 0.2 negligible, under 0.5 small, under 0.8 medium, else large;
- every figure leaves ``question_changes`` raw; ``shown`` suppresses them with the engagement's k:
  each side's respondents, supporters and non-supporters pass ``count_or_none``, the change in
  supporters passes ``difference_or_none``; a side's share is shown only when its three counts are,
  and the later share and h only when the change is too (else the change could be worked out).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from assistant.models import Engagement, Interview, Participant, RatingProposal, Segment, Turn
from assistant.records.evidence import counted_segments
from assistant.records.review import current_proposals, latest_decisions
from assistant.rubric import Rubric
from assistant.suppression import count_or_none, difference_or_none

READINGS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"))
_REF = re.compile(r"^(?:E-)?(\d+)$")


def cohens_h(then: float, now: float) -> float:
    """Cohen's h between two proportions (positive: ``now`` is higher)."""
    return 2 * math.asin(math.sqrt(now)) - 2 * math.asin(math.sqrt(then))


def reading(h: float) -> str:
    """Cohen's plain-words reading of an effect size h: negligible, small, medium or large."""
    return next((words for bound, words in READINGS if abs(h) < bound), "large")


@dataclass(frozen=True)
class Side:
    """One assessment's answers to a question on one indicator: people who answered, whose answer
    supports the indicator, and the indicator's evidence level in that rating (None: none)."""

    respondents: int
    supporters: int
    level: int | None = None

    @property
    def share(self) -> float:
        return self.supporters / self.respondents if self.respondents else 0.0


@dataclass(frozen=True)
class QuestionChange:
    """One indicator of one question asked in both assessments, raw (``shown`` suppresses it)."""

    question: str  # the rubric's question id
    text: str
    component: str
    indicator: str
    then: Side
    now: Side

    @property
    def h(self) -> float:
        return cohens_h(self.then.share, self.now.share)


@dataclass(frozen=True)
class ShownQuestion:
    """A ``QuestionChange`` as a page, a file or a report may carry it: None where suppressed."""

    question: str
    text: str
    component: str
    indicator: str
    indicator_name: str
    then_people: int | None
    now_people: int | None
    then_share: float | None
    now_share: float | None
    then_level: int | None
    now_level: int | None
    h: float | None
    reading: str | None  # negligible | small | medium | large; None with h


def _asked(session: Session, engagement_id: int) -> dict[str, set[str]]:
    """{question id: the wordings its question turns carried} in the engagement's interviews."""
    rows = session.exec(
        select(Turn.question_id, Turn.text)
        .join(Interview, col(Interview.id) == Turn.interview_id)
        .join(Participant, col(Participant.id) == Interview.participant_id)
        .where(Participant.engagement_id == engagement_id, Turn.role == "assistant", Turn.kind == "question")
    ).all()
    out: dict[str, set[str]] = {}
    for question_id, text in rows:
        if question_id:
            out.setdefault(question_id, set()).add(text.strip())
    return out


def _answers(session: Session, engagement_id: int) -> dict[str, dict[int, set[int]]]:
    """{question id: {person: their counted segment ids answering it}}."""
    rows = session.exec(
        counted_segments(Segment.question_id, Segment.participant_id, Segment.id, engagement_id=engagement_id).where(
            col(Segment.question_id).is_not(None)
        )
    ).all()
    out: dict[str, dict[int, set[int]]] = {}
    for question_id, person, segment_id in rows:
        out.setdefault(question_id, {}).setdefault(person, set()).add(segment_id)
    return out


def _evidence(session: Session, engagement_id: int) -> dict[str, tuple[set[int], int | None]]:
    """{indicator id: (its evidence segment ids, its evidence level)} in each component's rating: the
    proposal the latest decision was made on, else the current proposal."""
    rated = current_proposals(session, engagement_id)
    for component, decision in latest_decisions(session, engagement_id).items():
        proposal = session.get(RatingProposal, decision.proposal_id)
        if proposal is not None:
            rated[component] = proposal
    out: dict[str, tuple[set[int], int | None]] = {}
    for proposal in rated.values():
        for indicator in proposal.indicators or []:
            ids = {int(m.group(1)) for ref in indicator.get("segment_ids", []) if (m := _REF.match(str(ref)))}
            out[indicator.get("indicator_id", "")] = (ids, indicator.get("evidence_level"))
    return out


def _wording(asked: dict[str, set[str]], question_id: str, rubric_text: str) -> set[str]:
    return asked.get(question_id) or {rubric_text.strip()}


def question_changes(
    session: Session, a: Engagement, b: Engagement, rubric: Rubric, *, same_version: bool
) -> list[QuestionChange]:
    """Every indicator of every question ``a`` (earlier) and ``b`` (later) both asked with the same
    wording, in rubric order, raw (see the module rules); none unless ``same_version``."""
    if not same_version:
        return []
    asked = (_asked(session, a.id), _asked(session, b.id))
    answers = (_answers(session, a.id), _answers(session, b.id))
    evidence = (_evidence(session, a.id), _evidence(session, b.id))
    out = []
    for component in rubric.components:
        for question in component.questions:
            if not (question.id in answers[0] and question.id in answers[1]):
                continue
            wording = _wording(asked[0], question.id, question.text)
            if len(wording) != 1 or wording != _wording(asked[1], question.id, question.text):
                continue  # asked in other words on either side: not the same question
            for indicator in question.indicators:
                then, now = (_side(answers[i][question.id], evidence[i].get(indicator)) for i in (0, 1))
                out.append(QuestionChange(question.id, next(iter(wording)), component.id, indicator, then, now))
    return out


def _side(people: dict[int, set[int]], evidence: tuple[set[int], int | None] | None) -> Side:
    ids, level = evidence or (set(), None)
    return Side(len(people), sum(1 for segments in people.values() if segments & ids), level)


def shown(change: QuestionChange, k: int, indicator_name: str = "") -> ShownQuestion:
    """``change`` suppressed with the engagement's ``k`` (see the module rules)."""
    sides = []
    for side in (change.then, change.now):
        against = side.respondents - side.supporters
        counts = [count_or_none(n, k=k) for n in (side.respondents, side.supporters, against)]
        sides.append((counts[0], None if None in counts else side.share))
    moved = difference_or_none(change.then.supporters, change.now.supporters, k=k)
    (then_people, then_share), (now_people, now_share) = sides
    if moved is None:
        now_share = None
    h = change.h if then_share is not None and now_share is not None else None
    return ShownQuestion(
        change.question,
        change.text,
        change.component,
        change.indicator,
        indicator_name or change.indicator,
        then_people,
        now_people,
        then_share,
        now_share,
        change.then.level,
        change.now.level,
        h,
        reading(h) if h is not None else None,
    )
