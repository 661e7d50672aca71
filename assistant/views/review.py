"""Review pages' data: the maturity profile with agreement figures, and one component's proposal
with its cited evidence in context, the themes behind it and the decision history.

Identities: cited evidence shows participant numbers only; a withdrawn participant's quote keeps
its place in the proposal but loses its transcript link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from assistant import charts
from assistant.dataflow import bottlenecks as dataflow_bottlenecks
from assistant.dataflow import graph as dataflow_graph
from assistant.equity.findings import findings_for
from assistant.equity.people import attribution
from assistant.models import (
    Decision,
    Engagement,
    EquityFinding,
    Participant,
    RatingProposal,
    Run,
    Segment,
    Theme,
    ThemeMember,
    Turn,
    User,
)
from assistant.privacy import Scrubber
from assistant.rating.counts import explain_confidence
from assistant.rating.schema import Citation, IndicatorResult, Proposal, Side, Split, VoiceMix, segment_pk
from assistant.records.engagements import min_cell_of, population, scrubber_for, settings_of
from assistant.records.review import Agreement, agreement, current_proposals, latest_decisions, pulse_ceiling
from assistant.rubric import Component, Indicator, Rubric
from assistant.suppression import OTHER_DEPARTMENTS, OTHER_ROLES, fewer_than, pooled, suppress
from assistant.views import Page
from assistant.views.lookup import transcript_url
from assistant.views.runs import RunPanel, run_context


def _profile_svg(engagement: Engagement, rubric: Rubric, rows: list[ComponentRow]) -> str:
    """The maturity profile (proposed, decided and target per component) as inline SVG, with each
    component's levels in words as its text alternative."""

    def level(obj: object, attr: str) -> int | None:
        return getattr(obj, attr, None) or None

    points = [
        charts.ProfileRow(r.component.name, level(r.decision, "final_level"), r.target, level(r.proposal, "level"))
        for r in rows
    ]
    desc = " ".join(
        f"{p.component}: proposed {p.proposed or 'none'}, decided {p.decided or 'none'}, target {p.target or 'none'}."
        for p in points
    )
    fig = charts.profile_figure(points, [lvl.name for lvl in rubric.levels])
    return charts.to_svg(fig, f"Maturity profile of {engagement.organisation}", desc, "profile")


@dataclass(frozen=True)
class ComponentRow:
    """One component on the review overview: its current proposal and latest decision (None before
    either), its target, and whether that decision predates the proposal (``stale``)."""

    component: Component
    proposal: RatingProposal | None
    decision: Decision | None
    target: int | None
    stale: bool


@dataclass(frozen=True, kw_only=True)
class ReviewOverview(RunPanel):
    """The review overview: one row per component, the agreement figures, the maturity profile, the
    equity findings, and the rating run panel."""

    rows: list[ComponentRow]
    agreement: Agreement
    rubric: Rubric
    profile_svg: str
    findings: list[EquityFinding]
    left_out: int | None  # open-link participants the last finished rating left out (near-duplicates)


def _left_out(run: Run | None) -> int | None:
    """How many open-link participants the last finished rating run left out (near-duplicate answers)."""
    return run.stats.get("flagged_left_out") if run is not None and run.status == "done" else None


def overview_context(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
) -> ReviewOverview:
    """The review overview (see ``ReviewOverview``)."""
    proposals = current_proposals(session, engagement.id)
    decisions = latest_decisions(session, engagement.id)
    targets = settings_of(engagement).target_levels
    rows = []
    for comp in rubric.components:
        proposal = proposals.get(comp.id)
        decision = decisions.get(comp.id)
        stale = bool(decision and proposal and decision.proposal_id != proposal.id)
        rows.append(ComponentRow(comp, proposal, decision, targets.get(comp.id), stale))
    panel = run_context(session, engagement, "rating")
    return ReviewOverview(
        **panel.context(),
        rows=rows,
        agreement=agreement(session, engagement.id),
        rubric=rubric,
        profile_svg=_profile_svg(engagement, rubric, rows),
        findings=findings_for(session, engagement.id),
        left_out=_left_out(panel.run),
    ).with_news(message, problems)


def current_proposal(session: Session, engagement: Engagement, component_id: str) -> RatingProposal | None:
    """The component's current proposal (the one a decision must name), or None before any rating."""
    return current_proposals(session, engagement.id).get(component_id)


@dataclass(frozen=True)
class CitedSegment:
    """A cited segment as the review page attributes it: who (public label, pooled group as
    ``attribution``: department, role level), where to read it (``link``, None once withdrawn), its
    live theme, and whether it is still active evidence."""

    segment: Segment
    participant: Participant
    link: str | None
    theme: Theme | None
    withdrawn: bool
    active: bool
    attribution: tuple[str, str]


@dataclass(frozen=True)
class CitedTheme:
    """A live theme behind the cited evidence, with the references (``E-12``) cited from it."""

    theme: Theme
    segments: list[str]


def _cited(
    session: Session, engagement: Engagement, proposal: RatingProposal, refs: set[str]
) -> tuple[dict[str, CitedSegment], list[CitedTheme]]:
    """Evidence by reference (``E-12``) for ``refs`` (every quote the page shows) and the live themes
    behind it, most-cited first."""
    pks = {pk for ref in refs if (pk := segment_pk(ref)) is not None}
    if not pks:
        return {}, []
    rows = session.exec(
        select(Segment, Participant, Turn)
        .join(Participant, Participant.id == Segment.participant_id)
        .join(Turn, Turn.id == Segment.turn_id, isouter=True)
        .where(col(Segment.id).in_(pks), Segment.engagement_id == engagement.id)
    ).all()
    theme_of = dict(
        session.exec(
            select(ThemeMember.segment_id, Theme)
            .join(Theme, Theme.id == ThemeMember.theme_id)
            .where(col(ThemeMember.segment_id).in_(pks), col(Theme.archived).is_(False))
        ).all()
    )
    evidence: dict[str, CitedSegment] = {}
    themes: dict[int, CitedTheme] = {}
    attribute = attribution(session, engagement)
    for seg, person, turn in rows:
        ref = f"E-{seg.id}"
        withdrawn = person.withdrawn_at is not None
        link = (
            transcript_url(engagement.id, person.public_label, turn.question_id, turn.probe_index)
            if turn is not None and not withdrawn
            else None
        )
        theme = theme_of.get(seg.id)
        evidence[ref] = CitedSegment(
            seg, person, link, theme, withdrawn, seg.active, attribute(person.department, person.role_level)
        )
        if theme is not None:
            themes.setdefault(theme.id, CitedTheme(theme, [])).segments.append(ref)
    return evidence, sorted(themes.values(), key=lambda t: (-len(t.segments), t.theme.label))


@dataclass(frozen=True, kw_only=True)
class ComponentReview(Page):
    """One component's review page: the current proposal and what the page says about it
    (``reading``, see ``read_proposal``), its cited evidence by reference and the themes behind it,
    every decision (newest first, with reviewer), whether the latest predates the proposal, the
    target, the component's equity findings; ``form``: a refused decision as typed."""

    engagement: Engagement
    rubric: Rubric
    comp: Component
    proposal: RatingProposal | None
    history: list[tuple[Decision, User]]
    evidence: dict[str, CitedSegment]
    themes: list[CitedTheme]
    decision: Decision | None
    reading: Reading | None
    stale: bool
    target: int | None
    findings: list[EquityFinding]
    bottlenecks: list[dataflow_bottlenecks.Bottleneck] = field(default_factory=list)
    # a pulse follow-up: (True, the earlier assessment's decided level, the most it may decide here)
    pulse_limit: tuple[bool, int | None] = (False, None)


def handoff_bottlenecks(
    session: Session, engagement: Engagement, comp: Component, top: int = 5
) -> list[dataflow_bottlenecks.Bottleneck]:
    """The data-flow map's largest manual bottlenecks, for a component whose roadmap activities remove
    manual hand-offs (``addresses_handoffs`` in the rubric); empty for the others."""
    if not any(a.addresses_handoffs for a in comp.activities):
        return []
    g = dataflow_graph.build(
        dataflow_graph.hops(session, engagement.id), dataflow_graph.node_labels(session, engagement)
    )
    return [b for b in dataflow_bottlenecks.rank(g) if b.method != "automatic"][:top]


def component_context(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    comp: Component,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    form: dict[str, Any] | None = None,
) -> ComponentReview:
    """One component's review page (see ``ComponentReview``)."""
    proposal = current_proposal(session, engagement, comp.id)
    history = session.exec(
        select(Decision, User)
        .join(User, User.id == Decision.reviewer_id)
        .where(Decision.engagement_id == engagement.id, Decision.component == comp.id)
        .order_by(col(Decision.id).desc())
    ).all()
    model = proposal_model(proposal) if proposal is not None else None
    if model is not None:
        model = scrubbed(model, scrubber_for(session, engagement))
    reading = (
        read_proposal(model, comp, rubric, k=min_cell_of(engagement), population=group_population(session, engagement))
        if model is not None
        else None
    )
    refs = (
        {q.citation.segment_id for q in reading.quotes}
        | {c.segment_id for d in reading.disagreements for side in d.sides for c in side.side.citations}
        if reading
        else set()
    )
    evidence, themes = _cited(session, engagement, proposal, refs) if proposal is not None else ({}, [])
    decision = history[0][0] if history else None
    return ComponentReview(
        engagement=engagement,
        rubric=rubric,
        comp=comp,
        proposal=proposal,
        history=list(history),
        evidence=evidence,
        themes=themes,
        decision=decision,
        reading=reading,
        stale=bool(decision and proposal and decision.proposal_id != proposal.id),
        target=settings_of(engagement).target_levels.get(comp.id),
        findings=findings_for(session, engagement.id, component=comp.id),
        bottlenecks=handoff_bottlenecks(session, engagement, comp),
        pulse_limit=pulse_ceiling(session, engagement.id, comp.id),
        message=message,
        problems=problems or [],
        form=form or {},
    )


def _with_quotes(value: Any, clean: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: clean.get(v, v) if k == "quote" else _with_quotes(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_quotes(v, clean) for v in value]
    return value


def _quotes_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {v for k, v in value.items() if k == "quote" and isinstance(v, str)} | {
            q for v in value.values() for q in _quotes_in(v)
        }
    if isinstance(value, list):
        return {q for v in value for q in _quotes_in(v)}
    return set()


def scrubbed(model: Proposal, scrubber: Scrubber) -> Proposal:
    """The proposal as a reviewer may read it: every quote and the rationale through the engagement's
    scrubber (a colleague named in an answer reads "[colleague]"); the stored proposal is unchanged."""
    data = model.model_dump()
    quotes = sorted(_quotes_in(data))
    data = _with_quotes(data, dict(zip(quotes, scrubber.scrub_all(quotes), strict=True)))
    data["rationale"] = scrubber.scrub(data["rationale"])
    return Proposal.model_validate(data)


def proposal_model(row: RatingProposal) -> Proposal:
    """The stored proposal as the engines' typed object (stored voice mix keys it does not know are ignored)."""
    mix = {k: v for k, v in (row.voice_mix or {}).items() if k in VoiceMix.model_fields}
    return Proposal(
        component=row.component,
        status=row.status,
        level=row.level,
        indicators=[IndicatorResult.model_validate(i) for i in row.indicators or []],
        citations=[Citation.model_validate(c) for c in row.citations or []],
        rationale=row.rationale,
        confidence=row.confidence,
        voice_mix=VoiceMix.model_validate(mix),
        engine=row.engine,
        prompt_version=row.prompt_version,
        error=row.error,
        excluded=list((row.voice_mix or {}).get("excluded", [])),
        screened=list((row.voice_mix or {}).get("screened", [])),
    )


def _people(n: int, *, k: int) -> str:
    """A group's size as shown: groups under the small-group threshold ``k`` are never given exactly."""
    if n < k:
        return fewer_than(k) + " people"
    return f"{n} people"


def _mix(counts: dict[str, int], population: dict[str, dict[str, int]] | None, by: str, other: str, *, k: int) -> dict:
    """A voice mix as shown: groups of fewer than ``k`` people in the engagement pooled as ``other``
    (never named), then small counts hidden (``assistant.suppression``)."""
    if population is not None:
        counts = pooled(counts, population[by], other, k=k)
    return suppress(counts, k=k)


def _within_k(model: Proposal, *, k: int) -> Proposal:
    """``model`` without the splits (department or role level) that break out a group under ``k``: "Where
    accounts disagree" never attributes pooled quotes to fewer than ``k`` people (nor does a proposal
    rated before the lead raised the threshold)."""
    indicators = [
        i.model_copy(update={"split": None})
        if i.split is not None and any(s.participants < k for s in i.split.sides)
        else i
        for i in model.indicators
    ]
    return model.model_copy(update={"indicators": indicators})


def group_population(session: Session, engagement: Engagement) -> dict[str, dict[str, int]]:
    """People per department and per role level (``records.engagements.population``), for pooling
    groups under k out of a stored proposal's voice mix."""
    out: dict[str, dict[str, int]] = {"department": {}, "role_level": {}}
    for (department, role), n in population(session, engagement).items():
        out["department"][department] = out["department"].get(department, 0) + n
        out["role_level"][role] = out["role_level"].get(role, 0) + n
    return out


@dataclass(frozen=True)
class IndicatorReading:
    """An indicator's result with the rubric's indicator and its evidence level in words."""

    result: IndicatorResult
    meta: Indicator
    described: str


@dataclass(frozen=True)
class CitedFor:
    """An indicator a quote is cited for: its id, name, evidence level and that level in words."""

    id: str
    name: str
    level: int | None
    described: str


@dataclass(frozen=True)
class QuoteReading:
    """A cited quote, shown once, with every indicator it is cited for."""

    citation: Citation
    cited_for: list[CitedFor]


@dataclass(frozen=True)
class SideReading:
    """One side of a disagreement: its people under the small-group rule, its level in words, and the
    component level following it would give (None when not computed)."""

    side: Side
    people: str
    described: str
    would: int | None


@dataclass(frozen=True)
class Disagreement:
    """A split indicator: the rubric's indicator, its result and split, and both sides."""

    indicator: Indicator
    result: IndicatorResult
    split: Split
    sides: list[SideReading]


@dataclass(frozen=True)
class Reading:
    """What the review page says about a proposal (see ``read_proposal``)."""

    confidence: str
    indicators: list[IndicatorReading]
    quotes: list[QuoteReading]
    disagreements: list[Disagreement]
    departments: dict[str, Any]
    role_levels: dict[str, Any]
    mix: VoiceMix


def _disagreement(ind: IndicatorResult, meta: Indicator, *, k: int) -> Disagreement:
    split = ind.split
    assert split is not None
    sides = [
        SideReading(
            side,
            _people(side.participants, k=k),
            meta.levels[side.level],
            split.if_sides[n] if n < len(split.if_sides) else None,
        )
        for n, side in enumerate(split.sides)
    ]
    return Disagreement(meta, ind, split, sides)


def read_proposal(
    model: Proposal, comp: Component, rubric: Rubric, *, k: int, population: dict[str, dict[str, int]] | None = None
) -> Reading:
    """What the review page says about a proposal, every number taken from the stored fields, groups
    under the engagement's threshold ``k`` never given exactly: the confidence in words, each
    indicator with its evidence level in words, each quote once with every indicator it is cited for,
    per split indicator both sides (people under the small-group rule, the level each side's reading
    would give), and the voice mix under the small-group rule. A split with a side under ``k`` people
    is not shown (``_within_k``).
    """
    model = _within_k(model, k=k)
    indicators = []
    quotes: dict[tuple[str, str], QuoteReading] = {}
    disagreements = []
    for ind in model.indicators:
        meta = comp.indicator(ind.indicator_id)
        described = meta.levels[ind.evidence_level] if ind.evidence_level else ""
        indicators.append(IndicatorReading(ind, meta, described))
        for cite in ind.citations:
            entry = quotes.setdefault((cite.segment_id, cite.quote), QuoteReading(cite, []))
            entry.cited_for.append(CitedFor(ind.indicator_id, meta.name, ind.evidence_level, described))
        if ind.split is not None:
            disagreements.append(_disagreement(ind, meta, k=k))
    return Reading(
        confidence=explain_confidence(model),
        indicators=indicators,
        quotes=list(quotes.values()),
        disagreements=disagreements,
        departments=_mix(model.voice_mix.departments, population, "department", OTHER_DEPARTMENTS, k=k),
        role_levels=_mix(model.voice_mix.role_levels, population, "role_level", OTHER_ROLES, k=k),
        mix=model.voice_mix,
    )
