"""The offline rating engine: indicator matching from the evidence, no model, deterministic.

For each sentence of each usable segment (instructions to the rater are screened out first):

1. *Signals.* The rubric's keyword phrases per indicator and level are looked for (case, hyphens
   and curly quotes normalised, small inflections allowed). A phrase preceded closely by a
   negation ("we don't have a data catalog") is not evidence of that level: it caps the sentence
   below it. Phrases that carry their own negation ("nobody has a list") count as written. A phrase
   of level 3 or above names a practice that exists, so it is a floor: what the sentence says about
   the practice can place it higher.
2. *Similarity.* The sentence is embedded and compared with every indicator's per-level evidence
   descriptions and with what each indicator is about (its name and description). A sentence speaks
   to the indicator closest to it by its level texts when that indicator is also the closest by level
   texts and topic together (and the sentence is close enough to one of its level texts), and to any
   indicator a signal of it matched; never to its second-closest, nor to one the readings disagree
   on. Without a signal the level is that of the indicator's closest level description;
   a sentence that denies something ("we have no catalogue, it's in my head") is capped at 2, one that
   only denies ("we have never done a harm review") is level 1, but a negation that affirms ("nothing goes
   live without a review", "nobody starts a survey until they have checked", "we didn't lose a
   single report", "it didn't disappear when she left") is not a denial.
3. *Continuations.* A sentence that speaks to no indicator of its own carries on the account of the
   sentence before it in the same answer ("It's survived two mayors now."): it speaks to the same
   indicators and is read together with that sentence (``continuations``).

Each indicator's evidence level, its disagreements and its quotes come from ``aggregate`` (people,
not mentions; the highest level at least half the accounts reach, as the rubric rule counts
indicators; frontline and leadership apart by two levels or more lean lower and are shown side by
side). The component level then comes from the
rubric rule, as do the judgments; every count comes from ``counts``.

The data-flow map's bottlenecks (items of kind ``bottleneck``) are cited, not counted: each usable
one is cited under the indicators the rubric marks ``bottlenecks`` that have an evidence level, and
among the proposal's citations either way; they never change a level or a count of people.

Themes feed the citations, not the level: an indicator's quotes (one per person, nearest its
level first) are drawn from as many of the themes synthesis found as speak to it at that level,
so a proposal shows the spread of what people said rather than several takes on one point.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.embeddings import Embedder
from assistant.rating.aggregate import IndicatorLevel, Vote, indicator_level, pick_citations
from assistant.rating.counts import explain_confidence, finish_counts, voice_mix
from assistant.rating.evidence import Screened, screen, thin_reason
from assistant.rating.phrasing import (
    ASPIRATION_CAP,
    NEGATION,
    NEGATION_WINDOW,
    ROUTINE_FLOOR,
    denies,
    describes_lack,
    is_aspiration,
    is_negative,
    normalise,
    only_denies,
    states_routine,
)
from assistant.rating.schema import (
    INSUFFICIENT,
    PROPOSED,
    Citation,
    EvidenceItem,
    IndicatorResult,
    Proposal,
    VoiceMix,
    by_kind,
)
from assistant.rating.validate import MIN_QUOTE_CHARS
from assistant.rubric import Component, RatingRule, Rubric

ENGINE = "offline"
RELEVANCE_FLOOR = 0.35  # cosine to an indicator's closest level description to count as addressing it
SIGNAL_FLOOR_FROM = 3  # signals at this level and above name a practice that exists: a floor, not a ceiling


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
    topics: np.ndarray  # (indicators, dim): what each indicator is about (``joint_topics``)
    signals: list[_Signal]
    absence: np.ndarray  # (indicators, 5): level texts that describe a lack (``absence_levels``)


@dataclass
class _IndicatorEvidence:
    votes: list[Vote] = field(default_factory=list)


def speaks_to(by_levels: np.ndarray, by_aboutness: np.ndarray) -> int:
    """The index of the indicator a sentence speaks to without a signal, or -1 when the readings disagree."""
    closest = int(by_levels.argmax())
    return closest if int(by_aboutness.argmax()) == closest else -1


def joint_topics(described: np.ndarray, level_texts: np.ndarray) -> np.ndarray:
    """What each indicator is about, as unit vectors: its name and description (``described``, one row
    per indicator) together with the mean of its five level texts (``level_texts``, indicators x 5 x dim).

    Rule: the topic reading of which indicator a sentence speaks to uses the description and the level
    texts jointly. The description alone names the topic in a few abstract words, so a sentence that
    shares one word with it is pulled there; the level texts say in concrete words what the practice
    looks like (systems that fail, outages and tests for continuity). It does not settle every case: a
    sentence must still be closest to the indicator by its level texts alone (``speaks_to``), and "we
    rehearse losing the main finance server" still reads as funding there. (issue 30)
    """
    joint = described + level_texts.mean(axis=1)
    return joint / np.linalg.norm(joint, axis=1, keepdims=True)


def component_levels(sims: np.ndarray) -> np.ndarray:
    """The cosines that place a sentence on the scale: ``sims`` (indicators x 5, one sentence's cosines to
    every level text of a component) plus, per level, the mean over the component's indicators.

    Rule: a sentence's level is read against its indicator's level texts and, with equal weight, against
    what that level says across the whole component. One level text is a single short sentence; its
    neighbours at the same level say in other words what that level looks like (documented and owned at
    3, measured and acted on at 4, improved and copied by others at 5), so plain staff words that miss
    one text's wording still land near their level. (issue 30: on the held-out groups taken together
    exact agreement 33 to 37 of 65 sets with ``joint_topics``; see bench/rating_eval.py.)
    """
    return sims + sims.mean(axis=0, keepdims=True)


def similarity_level(sims: np.ndarray, absence: np.ndarray | None = None) -> int:
    """The level (1-5) whose description is closest to the sentence: ``sims`` holds its cosines to one
    indicator's five level texts.

    Rule: the closest level, not a similarity-weighted mean of the levels. A weighted mean regresses to
    the middle of the scale: every weight on another level pulls a level-5 account down and a level-1
    account up, and only the ends cannot be pulled back, so top-level evidence read low (on the bench's
    sets written at level 5, 24 of 47 such readings gave 5 as a mean, 30 of 47 as the closest level;
    at level 1, 21 and 24 of 26).

    ``absence`` (one flag per level, from ``absence_levels``) marks level texts that describe a lack to
    leave out: a sentence that denies nothing is not read at them (see ``absence_levels``).
    """
    if absence is not None and not absence.all():
        sims = np.where(absence, -np.inf, sims)
    return int(np.argmax(sims)) + 1


def absence_levels(level_texts: Sequence[str]) -> np.ndarray:
    """Per level (1-5), whether the level text is the bottom of the scale described as a lack: level 1
    when its text denies something ("nobody keeps a list", "contracts say nothing about who owns the
    data", "no group makes data decisions").

    Rule: a sentence that says nothing is missing (``phrasing.describes_lack``: no negation, no words of
    dependence on one person or of work that stops) is never read at such a level text, whatever nouns
    they share.
    "The head-of-data job is in the city bylaws now" sits closest to "data work depends on one enthusiast
    with no authority" because both talk about who leads, not because it describes an absence; a reader
    of the rubric takes level 1 to mean the practice is missing, and a sentence that says something is in
    place is evidence of some level of it. The mirror of the rule that a sentence that denies something is
    capped at 2. Level 1 texts that describe something done (re-typing, files passed by email, buying on
    price alone) stay open to every sentence, as do level 2 texts ("some policies exist, but...").
    (issue 30, round 6: on heldout3 sentences of practice at levels 3-5 read as level 1 on six sets.)
    """
    flags = np.zeros(len(level_texts), dtype=bool)
    flags[0] = is_negative(level_texts[0])
    return flags


def _level(
    sentence: str, hits: tuple[list[int], list[int]], sims: np.ndarray, k: int, absence: np.ndarray
) -> tuple[int, bool]:
    """One sentence's level (1-5) for the ``k``-th indicator of its component and whether a signal set it:
    ``hits`` are the levels of its plain and negated signal matches for the indicator, ``sims`` its cosines
    to every level text of the component (indicators x 5), ``absence`` the indicator's ``absence_levels``."""
    plain, negated = hits
    negative = is_negative(sentence)
    by_similarity = similarity_level(component_levels(sims)[k], None if describes_lack(sentence) else absence)
    if plain:
        level = max(plain)
        if level >= SIGNAL_FLOOR_FROM and not negated and not negative:
            # a phrase naming a practice that exists ("our continuity plan", "the data champions") shows
            # at least its level; what is said about the practice ("updated after every drill, in city
            # policy") can place it higher
            level = max(level, by_similarity)
        if negated:  # "we have a shared drive but no data catalog": the negated level caps
            level = min(level, min(negated) - 1) if min(negated) > min(plain) else level
    elif only_denies(sentence):
        # "we have never done a harm review", "nobody has told us what leadership wants": the practice is
        # missing and nothing in place is named (level 2 needs some of it, in pockets)
        level = 1
    elif negated:
        # "we don't have a data catalog, it's all in my head": below the negated level, never above what
        # similarity says
        level = max(1, min(min(negated) - 1, by_similarity))
    else:
        # embeddings barely see "not": a sentence saying something is missing speaks to low maturity,
        # whichever description it sounds like
        level = min(by_similarity, 2) if negative else by_similarity
    if states_routine(sentence):  # a review or meeting on a stated cadence is a routine, never ad hoc work
        level = max(level, ROUTINE_FLOOR)
    if is_aspiration(sentence):  # an aim is not a practice, whatever words it borrows
        level = min(level, ASPIRATION_CAP)
    return max(1, min(5, level)), bool(plain or negated)


def continuations(items: Sequence[str], read: list[list[int]]) -> list[int | None]:
    """For each sentence (``items`` holds each one's segment id, in order), the index of the sentence whose
    account it continues, or None; ``read`` (the indicators each sentence speaks to) is filled in for those
    that continue one.

    Rule: a sentence that speaks to no indicator of its own, neither by a signal nor by closeness, continues
    the account of the sentence before it in the same answer, and speaks to the same indicators ("The head
    of data job is written into the city charter. It's survived two mayors now. Three people have held it,
    and other cities have copied how we set it up."). A person tells a practice in several sentences;
    read one at a time, the ones that say how it has lasted, spread or improved name neither the practice
    nor its topic, so they fell below every indicator and level-5 accounts read at the level of their first
    sentence. The engine reads a continuation together with the sentence it continues (the pair is one
    text to the model, and its denials and aims are the pair's); it quotes the continuation alone. A
    sentence in a new answer, or after one that spoke to nothing, continues nothing. (issue 30, round 8.)
    """
    follows: list[int | None] = [None] * len(items)
    for n in range(1, len(items)):
        if not read[n] and read[n - 1] and items[n] == items[n - 1]:
            read[n] = list(read[n - 1])
            follows[n] = n - 1
    return follows


class OfflineRater:
    """Rates one component at a time from evidence items; holds the rubric's description embeddings."""

    def __init__(self, rubric: Rubric, embedder: Embedder) -> None:
        self.rubric = rubric
        self.embedder = embedder
        self._models: dict[str, _ComponentModel] = {}

    def _model(self, component_id: str) -> _ComponentModel:
        if component_id not in self._models:
            comp = self.rubric.component(component_id)
            texts = [ind.levels[lvl] for ind in comp.indicators for lvl in range(1, 6)]
            vectors = self.embedder.encode(texts).reshape(len(comp.indicators), 5, -1)
            described = self.embedder.encode([f"{ind.name}: {ind.description}" for ind in comp.indicators])
            topics = joint_topics(described, vectors)
            signals = []
            for ind in comp.indicators:
                for key, phrases in ind.signals.items():
                    for phrase in phrases:
                        norm = normalise(phrase)
                        pattern = re.compile(r"(?<![a-z0-9])" + re.escape(norm) + r"[a-z]{0,3}(?![a-z0-9])")
                        signals.append(_Signal(ind.id, int(key), pattern, bool(NEGATION.search(norm))))
            absence = np.array([absence_levels([ind.levels[lvl] for lvl in range(1, 6)]) for ind in comp.indicators])
            self._models[component_id] = _ComponentModel(comp, vectors, topics, signals, absence)
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
                negated = not sig.self_negated and denies(clause)
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
        # Which indicator a sentence speaks to: the one closest to it by its level descriptions, provided
        # it is also the closest by its level texts and what it is about (name and description) together.
        # The level texts alone mislead ("use data to decide where to spend money" sounds like "residents
        # use the published data", which is sharing); a sentence the two readings disagree on is not
        # counted for any indicator without a signal.
        aboutness = (best_per_indicator + vectors @ model.topics.T) / 2
        hits = [self._signal_hits(model, sentence) for _, sentence in units]
        read = [
            [
                k
                for k, ind in enumerate(comp.indicators)
                if ind.id in hits[n] or (best_per_indicator[n, k] >= RELEVANCE_FLOOR and k == speaks_to(best, about))
            ]
            for n, (best, about) in enumerate(zip(best_per_indicator, aboutness, strict=True))
        ]
        texts = [sentence for _, sentence in units]
        follows = continuations([item.id for item, _ in units], read)
        joined = {n: f"{texts[m]} {texts[n]}" for n, m in enumerate(follows) if m is not None}
        if joined:  # a continuation is read together with the sentence it continues
            together = self.embedder.encode(list(joined.values()))
            sims[list(joined)] = np.einsum("nd,ild->nil", together, model.descriptions)
            texts = [joined.get(n, text) for n, text in enumerate(texts)]
        for n, (item, sentence) in enumerate(units):
            for k in read[n]:
                ind = comp.indicators[k]
                level, by_signal = _level(texts[n], hits[n].get(ind.id, ([], [])), sims[n], k, model.absence[k])
                evidence[ind.id].votes.append(Vote(item, sentence, level, by_signal, float(best_per_indicator[n, k])))
        return evidence

    # --- the proposal ------------------------------------------------------------------

    def rate(self, component_id: str, items: Sequence[EvidenceItem], *, k: int) -> Proposal:
        """The offline proposal for ``component_id`` from ``items`` (deterministic for the same input);
        ``k`` is the engagement's small-group threshold (no department under it is broken out).

        Rules enforced: thin evidence (rubric minimum segments and participants after screening,
        fewer indicators with evidence than the rule's minimum, or evidence from fewer people than
        the minimum) gives ``insufficient_evidence`` with no level; instructions to the rater are
        never evidence; every count comes from the indicators' segment ids (``counts``).
        """
        comp = self.rubric.component(component_id)
        rule = self.rubric.rule_for(component_id)
        minimum = self.rubric.minimum_for(component_id)
        usable, usable_bottlenecks, excluded, cut = screen_by_kind(items)
        usable_items = [s.item for s in usable]
        base = dict(component=component_id, engine=ENGINE, excluded=excluded, screened=cut)
        reason = thin_reason(usable_items, minimum)
        if reason:
            return Proposal(
                status=INSUFFICIENT,
                rationale=reason + _excluded_note(excluded, cut),
                voice_mix=voice_mix(usable_items, []),
                indicators=_empty(comp),
                **base,
            )

        evidence = self._votes(self._model(component_id), _units(usable))
        found: dict[str, IndicatorLevel] = {
            ind.id: indicator_level(evidence[ind.id].votes, k=k) for ind in comp.indicators if evidence[ind.id].votes
        }
        levels = {ind.id: found[ind.id].level if ind.id in found else None for ind in comp.indicators}
        level = rule.level_for(list(levels.values()))
        indicators = _indicator_results(comp, rule, found, levels, level, pick_citations(found), _order(usable_items))
        mix = finish_counts(indicators, usable_items)
        flows = cite_bottlenecks(comp, indicators, [b.item for b in usable_bottlenecks])
        all_citations = _dedupe([c for ind in indicators for c in ind.citations] + flows)

        if level is None or mix.participants < minimum.participants:
            why = _why_insufficient(rule, levels, level, mix.participants, minimum.participants)
            for ind in indicators:
                ind.judgment = rule.judgment(ind.evidence_level, None)
            return Proposal(
                status=INSUFFICIENT,
                level=None,
                indicators=indicators,
                citations=all_citations,
                voice_mix=mix,
                rationale=f"insufficient evidence: {why}." + _excluded_note(excluded, cut),
                **base,
            )

        proposal = Proposal(
            status=PROPOSED, level=level, indicators=indicators, citations=all_citations, voice_mix=mix, **base
        )
        proposal.rationale = (
            _rationale(self.rubric, comp, level, proposal) + _bottleneck_note(flows) + _excluded_note(excluded, cut)
        )
        proposal.confidence = _confidence(indicators, found, mix)
        return proposal


def _indicator_results(
    comp: Component,
    rule: RatingRule,
    found: dict[str, IndicatorLevel],
    levels: dict[str, int | None],
    level: int | None,
    quotes: dict[str, list[Citation]],
    order: Callable[[str], int],
) -> list[IndicatorResult]:
    """One result per indicator of ``comp``: its judgment against the component ``level``, the segments its
    level rests on (in evidence order), its citations, and a split's "what if" component levels."""
    indicators: list[IndicatorResult] = []
    for ind in comp.indicators:
        got = found.get(ind.id)
        split = got.split if got else None
        if split is not None:
            split = split.model_copy(
                update={
                    "if_sides": [
                        rule.level_for([side.level if i == ind.id else lvl for i, lvl in levels.items()])
                        for side in split.sides
                    ]
                }
            )
        indicators.append(
            IndicatorResult(
                indicator_id=ind.id,
                judgment=rule.judgment(levels[ind.id], level),
                evidence_level=levels[ind.id],
                segment_ids=sorted({v.item.id for v in got.counted}, key=order) if got else [],
                citations=quotes.get(ind.id, []),
                split=split,
            )
        )
    return indicators


def screen_by_kind(items: Sequence[EvidenceItem]) -> tuple[list[Screened], list[Screened], list[str], list[str]]:
    """``evidence.screen`` of the segments and of the bottlenecks apart: (usable segments, usable
    bottlenecks, ids of items left out whole, ids of segments whose instruction sentences were cut)."""
    segments, bottlenecks = by_kind(items)
    usable, excluded, cut = screen(segments)
    flows, excluded_flows, _cut = screen(bottlenecks)
    return usable, flows, excluded + excluded_flows, cut


def cite_bottlenecks(
    comp: Component, indicators: list[IndicatorResult], bottlenecks: list[EvidenceItem]
) -> list[Citation]:
    """The citations of the data-flow map's bottlenecks (each quoted whole), added under every indicator of
    ``comp`` marked ``bottlenecks`` in the rubric that has an evidence level (an indicator without one
    cites nothing); returned for the proposal's own citations."""
    cites = [Citation(segment_id=b.id, quote=b.text) for b in bottlenecks]
    marked = {ind.id for ind in comp.indicators if ind.bottlenecks}
    for ind in indicators:
        if ind.indicator_id in marked and ind.evidence_level is not None:
            ind.citations.extend(cites)
    return cites


def _bottleneck_note(cites: list[Citation]) -> str:
    if not cites:
        return ""
    return " Bottlenecks on the data-flow map: " + "".join(f"[{c.segment_id}]" for c in cites) + "."


def _why_insufficient(
    rule: RatingRule, levels: dict[str, int | None], level: int | None, participants: int, needed: int
) -> str:
    """Why a component with matched evidence still gets no level: too few indicators, or too few people."""
    if level is None:
        with_evidence = sum(1 for v in levels.values() if v is not None)
        return f"only {with_evidence} indicator(s) have evidence; the rule needs {rule.min_indicators_with_evidence}"
    return f"the matched evidence comes from {participants} participant(s); the rubric asks for {needed}"


def _units(usable: list[Screened]) -> list[tuple[EvidenceItem, str]]:
    """(item, sentence) pairs from the screened sentences: each a verbatim span of the item's text, long
    enough to quote (a sentence too short to show anything, "Champions?", is not evidence on its own)."""
    return [(s.item, sentence) for s in usable for sentence in s.sentences if len(sentence.strip()) >= MIN_QUOTE_CHARS]


def _dedupe(citations: list) -> list:
    seen, out = set(), []
    for c in citations:
        key = (c.segment_id, c.quote)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _order(items: list[EvidenceItem]) -> Callable[[str], int]:
    index = {item.id: n for n, item in enumerate(items)}
    return lambda sid: index.get(sid, len(index))


def _empty(comp: Component) -> list[IndicatorResult]:
    return [IndicatorResult(indicator_id=i.id, judgment="no_evidence") for i in comp.indicators]


def _excluded_note(excluded: list[str], cut: list[str] = ()) -> str:
    note = ""
    if excluded:
        note += " Left out as instructions to the rater rather than evidence: " + ", ".join(f"[{e}]" for e in excluded)
        note += "."
    if cut:
        note += " Instructions to the rater cut out of " + ", ".join(f"[{e}]" for e in cut) + " (the rest is evidence)."
    return note


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _rationale(rubric: Rubric, comp: Component, level: int, proposal: Proposal) -> str:
    """The rationale in words, with the same counts the page shows: the headline people are the voice
    mix's (everyone behind any indicator), each indicator's people its own."""
    indicators = proposal.indicators
    mix = proposal.voice_mix
    with_evidence = [i for i in indicators if i.evidence_level is not None]
    parts = [
        f"Level {level} ({rubric.level_name(level)}): {len(with_evidence)} of {len(indicators)} indicators "
        f"have evidence, from {_people(mix.participants)} ({mix.quoted} quoted); {explain_confidence(proposal)}."
    ]
    for ind in with_evidence:
        name = comp.indicator(ind.indicator_id).name
        cites = "".join(f"[{c.segment_id}]" for c in ind.citations)
        text = (
            f"{name}: evidence at level {ind.evidence_level} from {_people(ind.participants)} {cites} "
            f"({ind.judgment.replace('_', ' ')})"
        )
        if ind.split is not None:
            sides = " and ".join(f"{side.label} at level {side.level}" for side in ind.split.sides)
            text += f"; {sides} disagree, the rule followed level {ind.split.followed}"
        parts.append(text + ".")
    missing = [comp.indicator(i.indicator_id).name for i in indicators if i.evidence_level is None]
    if missing:
        parts.append("No evidence on: " + "; ".join(missing) + ".")
    return " ".join(parts)


def _confidence(indicators: list[IndicatorResult], found: dict[str, IndicatorLevel], mix: VoiceMix) -> float:
    """0-1: coverage of indicators, agreement between people, share of signal matches, number of voices
    (``explain_confidence`` says the same in words)."""
    rated = [i for i in indicators if i.evidence_level is not None]
    if not rated:
        return 0.0
    agreement = np.mean(
        [np.mean([v == i.evidence_level for v in found[i.indicator_id].person_level.values()]) for i in rated]
    )
    signal_share = np.mean([np.mean([v.by_signal for v in found[i.indicator_id].counted]) for i in rated])
    coverage = len(rated) / len(indicators)
    voices = min(1.0, mix.participants / 4)
    return round(float(0.35 * agreement + 0.25 * coverage + 0.2 * signal_share + 0.2 * voices), 2)
