"""The offline rating engine: indicator matching from the evidence, no model, deterministic.

For each sentence of each usable segment (instructions to the rater are screened out first):

1. *Signals.* The rubric's keyword phrases per indicator and level are looked for (case, hyphens
   and curly quotes normalised, small inflections allowed). A phrase preceded closely by a
   negation ("we don't have a data catalog") is not evidence of that level: it caps the sentence
   below it. Phrases that carry their own negation ("nobody has a list") count as written.
2. *Similarity.* The sentence is embedded and compared with every indicator's per-level evidence
   descriptions. An indicator is addressed when a signal of it matched, or when the sentence is
   close enough to its descriptions (absolute floor, and within a margin of its best indicator).
   Without a signal the level is the similarity-weighted level of that indicator's descriptions.

Each indicator's evidence level counts people, not mentions: every participant gets one level
(the lower median of their sentences, signals weighing more than similarity), the indicator takes
the lower median across participants, and when frontline/supervisor and manager/executive
accounts differ by two levels or more it leans to the lower side (what is seen on the ground).
The component level then comes from the rubric rule, as do the judgments.

Themes feed the citations, not the level: an indicator's quotes (one per person, nearest its
level first) are drawn from as many of the themes synthesis found as speak to it at that level,
so a proposal shows the spread of what people said rather than several takes on one point.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.rating.evidence import Screened, screen, thin_reason, voice_mix
from assistant.rating.schema import (
    INSUFFICIENT,
    PROPOSED,
    Citation,
    EvidenceItem,
    IndicatorResult,
    Proposal,
)
from assistant.rubric import Component, Rubric

ENGINE = "offline"
RELEVANCE_FLOOR = 0.35  # cosine to an indicator's closest level description to count as addressing it
RELEVANCE_MARGIN = 0.0  # ...and its best indicator: a sentence speaks to the one indicator it is closest to, unless a signal names another
SOFTMAX_SCALE = 25.0  # how sharply similarity picks a level when no signal matched
SIGNAL_FLOOR_FROM = 3  # signals at this level and above name a practice that exists: a floor, not a ceiling
SIGNAL_WEIGHT = 2  # a signal-matched sentence counts this many times in a person's median
CONFLICT_GAP = 2  # levels between frontline-side and leadership-side accounts that count as a conflict
FRONTLINE_SIDE = {"frontline", "supervisor"}
LEADERSHIP_SIDE = {"manager", "executive"}

_NEGATION = re.compile(
    r"\b(no|not|never|dont|do not|doesnt|does not|didnt|did not|havent|have not|hasnt|has not|"
    r"isnt|is not|arent|are not|wasnt|werent|without|lack|lacks|lacking|nobody|nothing|none|no one|"
    r"cant|cannot|can not|wont|neither|nor|hardly|barely)\b"
)
# Negations that affirm: "not only", "no longer"; a negated loss or stop ("didn't lose a single report",
# "we don't stop at reporting"); and a requirement ("nobody starts a survey until they have checked",
# "no contract is signed unless the clauses are in"), which describes a rule that is followed.
_NOT_A_NEGATION = re.compile(
    r"\bnot (only|just)\b|\bno longer\b|\bno doubt\b"
    r"|\b(didnt|did not|dont|do not|doesnt|does not|never|wont|will not|not|nothing|nobody|no one)\s+(\w+\s+)?"
    r"(lose|lost|miss|missed|stop|stopped|drop|dropped|fail|failed|break|broke|cost|depend|lapse|lapsed)\b"
    r"|\b(no|not|never|nobody|nothing|none|no one|dont|do not|doesnt|does not|wont|cant|cannot)\b"
    r"[^.;]*?\b(until|unless)\b"
)
NEGATION_WINDOW = 8  # words before a signal, within its clause, in which a negation reverses it


def normalise(text: str) -> str:
    """Lowercase, straight apostrophes dropped, hyphens between letters removed, spaces squeezed."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", "", text)
    text = text.replace("'", "")
    return " ".join(text.split())


@dataclass
class _Signal:
    indicator: str
    level: int
    pattern: re.Pattern[str]
    self_negated: bool


@dataclass
class _ComponentModel:
    component: Component
    descriptions: np.ndarray  # (indicators, 5, dim)
    signals: list[_Signal]


@dataclass
class _Vote:
    item: EvidenceItem
    sentence: str
    level: int
    by_signal: bool
    similarity: float


@dataclass
class _IndicatorEvidence:
    votes: list[_Vote] = field(default_factory=list)


def _denies(norm: str) -> bool:
    """True when normalised text denies something: an odd number of negations once the affirming
    constructions are taken out ("you don't get a budget without the data" is two, an affirmation;
    "nothing goes live without a review" too)."""
    return len(_NEGATION.findall(_NOT_A_NEGATION.sub(" ", norm))) % 2 == 1


def _is_negative(sentence: str) -> bool:
    """True when the sentence denies something (see ``_denies``)."""
    return _denies(normalise(sentence))


def _lower_median(values: Sequence[int]) -> int:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def _median(levels: Sequence[tuple[int, tuple]]) -> int:
    """The middle level of (level, strength) pairs; with an even count, the level of the stronger of the
    two middle ones (the lower when they are equally strong).

    Why not the lower median: with two accounts, one at 5 named in the rubric's own words and one at 2
    that only sounds a little like a description, the lower median always takes 2, so every even count
    leans low; the evidence, not the position, should settle a tie.
    """
    ordered = sorted(levels, key=lambda pair: pair[0])
    n = len(ordered)
    if n % 2:
        return ordered[n // 2][0]
    low, high = ordered[n // 2 - 1], ordered[n // 2]
    return high[0] if high[1] > low[1] else low[0]


class OfflineRater:
    """Rates one component at a time from evidence items; holds the rubric's description embeddings."""

    def __init__(self, rubric: Rubric, embedder) -> None:  # noqa: ANN001 - any object with encode()
        self.rubric = rubric
        self.embedder = embedder
        self._models: dict[str, _ComponentModel] = {}

    def _model(self, component_id: str) -> _ComponentModel:
        if component_id not in self._models:
            comp = self.rubric.component(component_id)
            texts = [ind.levels[lvl] for ind in comp.indicators for lvl in range(1, 6)]
            vectors = self.embedder.encode(texts).reshape(len(comp.indicators), 5, -1)
            signals = []
            for ind in comp.indicators:
                for key, phrases in ind.signals.items():
                    for phrase in phrases:
                        norm = normalise(phrase)
                        pattern = re.compile(r"(?<![a-z0-9])" + re.escape(norm) + r"[a-z]{0,3}(?![a-z0-9])")
                        signals.append(_Signal(ind.id, int(key), pattern, bool(_NEGATION.search(norm))))
            self._models[component_id] = _ComponentModel(comp, vectors, signals)
        return self._models[component_id]

    # --- per sentence ------------------------------------------------------------------

    def _signal_hits(self, model: _ComponentModel, sentence: str) -> dict[str, tuple[list[int], list[int]]]:
        """{indicator: (levels of plain matches, levels of negated matches)}."""
        norm = normalise(sentence)
        hits: dict[str, tuple[list[int], list[int]]] = {}
        for sig in model.signals:
            for match in sig.pattern.finditer(norm):
                # the negation's scope: the same clause, a few words back ("no data catalog or inventory")
                clause = re.split(r"[,;:.!?]| but | and then ", norm[: match.start()])[-1]
                clause = " ".join(clause.split()[-NEGATION_WINDOW:])
                negated = not sig.self_negated and _denies(clause)
                plain, neg = hits.setdefault(sig.indicator, ([], []))
                (neg if negated else plain).append(sig.level)
        return hits

    def _votes(self, model: _ComponentModel, units: list[tuple[EvidenceItem, str]]) -> dict[str, _IndicatorEvidence]:
        comp = model.component
        evidence = {ind.id: _IndicatorEvidence() for ind in comp.indicators}
        if not units:
            return evidence
        vectors = self.embedder.encode([text for _, text in units])
        sims = np.einsum("nd,ild->nil", vectors, model.descriptions)  # (units, indicators, 5)
        best_per_indicator = sims.max(axis=2)
        levels = np.arange(1, 6)
        for n, (item, sentence) in enumerate(units):
            hits = self._signal_hits(model, sentence)
            negative = _is_negative(sentence)
            top = float(best_per_indicator[n].max())
            for k, ind in enumerate(comp.indicators):
                rel = float(best_per_indicator[n, k])
                plain, negated = hits.get(ind.id, ([], []))
                close = rel >= RELEVANCE_FLOOR and rel >= top - RELEVANCE_MARGIN
                if not (plain or negated or close):
                    continue
                weights = np.exp(SOFTMAX_SCALE * (sims[n, k] - sims[n, k].max()))
                by_similarity = int(np.floor(float((weights * levels).sum() / weights.sum()) + 0.5))
                if plain:
                    level = max(plain)
                    if level >= SIGNAL_FLOOR_FROM and not negated and not negative:
                        # a phrase naming a practice that exists ("our continuity plan", "the data
                        # champions") shows at least its level; what is said about the practice
                        # ("updated after every drill, in city policy") can place it higher
                        level = max(level, by_similarity)
                    if negated:  # "we have a shared drive but no data catalog": the negated level caps
                        level = min(level, min(negated) - 1) if min(negated) > min(plain) else level
                    by_signal = True
                elif negated:
                    # "we don't have a data catalog": below the negated level, never above what similarity says
                    level = max(1, min(min(negated) - 1, by_similarity))
                    by_signal = True
                else:
                    # embeddings barely see "not": a sentence saying something is missing speaks to
                    # low maturity, whichever description it sounds like
                    level = min(by_similarity, 2) if negative else by_similarity
                    by_signal = False
                evidence[ind.id].votes.append(_Vote(item, sentence, max(1, min(5, level)), by_signal, rel))
        return evidence

    # --- aggregation -------------------------------------------------------------------

    @staticmethod
    def _indicator_level(votes: list[_Vote]) -> tuple[int, dict[str, int], str]:
        """(level, {participant: level}, note) counting people, not mentions."""
        per_person: dict[str, list[tuple[int, tuple]]] = defaultdict(list)
        roles: dict[str, str] = {}
        # A person's phrases that name a practice outweigh sentences that merely sound close to a
        # description: when someone has both, only the former set their level.
        signalled = {v.item.participant for v in votes if v.by_signal}
        for vote in votes:
            if vote.item.participant in signalled and not vote.by_signal:
                continue
            per_person[vote.item.participant].append((vote.level, (vote.by_signal, vote.similarity)))
            roles[vote.item.participant] = vote.item.role_level
        person_level = {p: _median(lv) for p, lv in per_person.items()}
        strength = {p: max(s for _, s in lv) for p, lv in per_person.items()}
        level = _median([(lvl, strength[p]) for p, lvl in person_level.items()])
        note = ""
        front = [lvl for p, lvl in person_level.items() if roles[p] in FRONTLINE_SIDE]
        lead = [lvl for p, lvl in person_level.items() if roles[p] in LEADERSHIP_SIDE]
        if front and lead:
            low, high = sorted([_lower_median(front), _lower_median(lead)])
            if high - low >= CONFLICT_GAP:
                level = min(level, low + (high - low - 1) // 2)  # below the midpoint: lean lower
                note = (f"frontline-side accounts ({_lower_median(front)}) and leadership-side accounts "
                        f"({_lower_median(lead)}) disagree; leaning lower")
        return level, person_level, note

    def rate(self, component_id: str, items: Sequence[EvidenceItem]) -> Proposal:
        """The offline proposal for ``component_id`` from ``items`` (deterministic for the same input).

        Rules enforced: thin evidence (rubric minimum segments and participants after screening,
        fewer indicators with evidence than the rule's minimum, or cited evidence from fewer
        people than the minimum) gives ``insufficient_evidence`` with no level.
        """
        comp = self.rubric.component(component_id)
        rule = self.rubric.rule_for(component_id)
        minimum = self.rubric.minimum_for(component_id)
        usable, excluded = screen(items)
        usable_items = [s.item for s in usable]
        base = dict(component=component_id, engine=ENGINE, excluded=excluded)
        reason = thin_reason(usable_items, minimum)
        if reason:
            return Proposal(status=INSUFFICIENT, rationale=reason + _excluded_note(excluded),
                            voice_mix=voice_mix(usable_items, []), indicators=_empty(comp), **base)

        model = self._model(component_id)
        evidence = self._votes(model, _units(usable))
        levels: dict[str, int | None] = {}
        details: dict[str, tuple[dict[str, int], str]] = {}
        for ind in comp.indicators:
            votes = evidence[ind.id].votes
            if votes:
                lvl, people, note = self._indicator_level(votes)
                levels[ind.id], details[ind.id] = lvl, (people, note)
            else:
                levels[ind.id] = None
        level = rule.level_for([levels[i.id] for i in comp.indicators])

        indicators: list[IndicatorResult] = []
        for ind in comp.indicators:
            lvl = levels[ind.id]
            citations = _pick_citations(evidence[ind.id].votes, lvl) if lvl is not None else []
            people, note = details.get(ind.id, ({}, ""))
            indicators.append(IndicatorResult(
                indicator_id=ind.id,
                judgment=rule.judgment(lvl, level),
                evidence_level=lvl,
                segment_ids=sorted({c.segment_id for c in citations}, key=_order(usable_items)),
                citations=citations,
                note=note or (f"{len(people)} participant(s)" if people else ""),
            ))
        all_citations = _dedupe([c for ind in indicators for c in ind.citations])
        mix = voice_mix(usable_items, [c.segment_id for c in all_citations])
        with_evidence = sum(1 for v in levels.values() if v is not None)

        if level is None or mix.participants < minimum.participants:
            why = (f"only {with_evidence} indicator(s) have evidence; the rule needs {rule.min_indicators_with_evidence}"
                   if level is None else
                   f"the matched evidence comes from {mix.participants} participant(s); the rubric asks for {minimum.participants}")
            for ind in indicators:
                ind.judgment = "no_evidence" if ind.evidence_level is None else ind.judgment
            return Proposal(status=INSUFFICIENT, level=None, indicators=[
                ind.model_copy(update={"judgment": rule.judgment(ind.evidence_level, None)}) for ind in indicators
            ], citations=all_citations, voice_mix=mix,
                rationale=f"insufficient evidence: {why}." + _excluded_note(excluded), **base)

        rationale = _rationale(self.rubric, comp, level, indicators, details, mix) + _excluded_note(excluded)
        confidence = _confidence(indicators, details, evidence, len(comp.indicators), mix.participants)
        return Proposal(status=PROPOSED, level=level, indicators=indicators, citations=all_citations,
                        rationale=rationale, confidence=confidence, voice_mix=mix, **base)


def _units(usable: list[Screened]) -> list[tuple[EvidenceItem, str]]:
    """(item, sentence) pairs from the screened sentences: each a verbatim span of the item's text."""
    return [(s.item, sentence) for s in usable for sentence in s.sentences]


def _pick_citations(votes: list[_Vote], level: int, per_indicator: int = 4) -> list[Citation]:
    """Up to ``per_indicator`` quotes for an indicator at ``level``, one per participant, drawn
    across themes.

    Quotes nearest the level come first, then signal matches; among quotes equally good on both,
    one from a theme (``EvidenceItem.theme``) not cited yet for this indicator comes before another
    from a theme already cited, then the closer to the indicator's descriptions. So an indicator
    that several themes speak to is cited from each of them, not only from the loudest one.
    """
    ranked = sorted(votes, key=lambda v: (abs(v.level - level), not v.by_signal, -v.similarity))
    chosen: list[Citation] = []
    people: set[str] = set()
    themes: set[str | None] = set()
    while len(chosen) < per_indicator:
        ranked = [v for v in ranked if v.item.participant not in people]
        if not ranked:
            break
        # min() keeps the first of equals, so the order above settles every tie
        vote = min(ranked, key=lambda v: (abs(v.level - level), not v.by_signal, v.item.theme in themes))
        people.add(vote.item.participant)
        themes.add(vote.item.theme)
        chosen.append(Citation(segment_id=vote.item.id, quote=vote.sentence))
    return chosen


def _dedupe(citations: list[Citation]) -> list[Citation]:
    seen, out = set(), []
    for c in citations:
        key = (c.segment_id, c.quote)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _order(items: list[EvidenceItem]):  # noqa: ANN202
    index = {item.id: n for n, item in enumerate(items)}
    return lambda sid: index.get(sid, len(index))


def _empty(comp: Component) -> list[IndicatorResult]:
    return [IndicatorResult(indicator_id=i.id, judgment="no_evidence") for i in comp.indicators]


def _excluded_note(excluded: list[str]) -> str:
    if not excluded:
        return ""
    return (" Left out as instructions to the rater rather than evidence: "
            + ", ".join(f"[{e}]" for e in excluded) + ".")


def _rationale(rubric: Rubric, comp: Component, level: int, indicators: list[IndicatorResult],
               details: dict[str, tuple[dict[str, int], str]], mix) -> str:  # noqa: ANN001
    with_evidence = [i for i in indicators if i.evidence_level is not None]
    parts = [
        f"Level {level} ({rubric.level_name(level)}): {len(with_evidence)} of {len(indicators)} indicators "
        f"have evidence, from {mix.participants} participant(s)."
    ]
    for ind in with_evidence:
        name = comp.indicator(ind.indicator_id).name
        people, note = details[ind.indicator_id]
        cites = "".join(f"[{sid}]" for sid in ind.segment_ids)
        text = f"{name}: evidence at level {ind.evidence_level} from {len(people)} participant(s) {cites} ({ind.judgment.replace('_', ' ')})"
        if note:
            text += f"; {note}"
        parts.append(text + ".")
    missing = [comp.indicator(i.indicator_id).name for i in indicators if i.evidence_level is None]
    if missing:
        parts.append("No evidence on: " + "; ".join(missing) + ".")
    return " ".join(parts)


def _confidence(indicators: list[IndicatorResult], details, evidence, total: int, participants: int) -> float:  # noqa: ANN001
    """0-1: coverage of indicators, agreement between people, share of signal matches, number of voices."""
    rated = [i for i in indicators if i.evidence_level is not None]
    if not rated:
        return 0.0
    agreement = np.mean([
        np.mean([abs(v - i.evidence_level) <= 0 for v in details[i.indicator_id][0].values()]) for i in rated
    ])
    signal_share = np.mean([
        np.mean([v.by_signal for v in evidence[i.indicator_id].votes]) for i in rated
    ])
    coverage = len(rated) / total
    voices = min(1.0, participants / 4)
    score = 0.35 * agreement + 0.25 * coverage + 0.2 * signal_share + 0.2 * voices
    return round(float(score), 2)
