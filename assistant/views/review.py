"""Review pages' data: the maturity profile with agreement figures, and one component's proposal
with its cited evidence in context, the themes behind it and the decision history.

Identities: cited evidence shows participant numbers only; a withdrawn participant's quote keeps
its place in the proposal but loses its transcript link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from assistant.equity.findings import findings_for
from assistant.equity.people import attribution
from assistant.models import Decision, Engagement, Participant, RatingProposal, Segment, Theme, ThemeMember, Turn, User
from assistant.privacy import Scrubber
from assistant.rating.counts import explain_confidence
from assistant.rating.schema import Citation, IndicatorResult, Proposal, VoiceMix, segment_pk
from assistant.records.engagements import scrubber_for
from assistant.records.review import agreement, current_proposals, latest_decisions
from assistant.rubric import Component, Rubric
from assistant.synthesis.breakdown import MIN_CELL, SUPPRESSED, suppress
from assistant.views.lookup import transcript_url
from assistant.views.runs import run_context

# The maturity profile chart: six rows, levels 1-5 across.
CHART = {"width": 660, "left": 230, "step": 95, "row": 46, "top": 40}


def _x(level: int) -> int:
    """The chart's x coordinate of ``level``."""
    return CHART["left"] + (level - 1) * CHART["step"]


def overview_context(session: Session, engagement: Engagement, rubric: Rubric, **extra: Any) -> dict[str, Any]:
    """The review overview: one row per component (proposal, latest decision, target, whether the
    decision predates the current proposal), the agreement figures and the rating run panel."""
    proposals = current_proposals(session, engagement.id)
    decisions = latest_decisions(session, engagement.id)
    targets = engagement.settings.get("target_levels", {})
    rows = []
    for n, comp in enumerate(rubric.components):
        proposal = proposals.get(comp.id)
        decision = decisions.get(comp.id)
        rows.append(
            {
                "component": comp,
                "proposal": proposal,
                "decision": decision,
                "target": targets.get(comp.id),
                "stale": bool(decision and proposal and decision.proposal_id != proposal.id),
                "y": CHART["top"] + n * CHART["row"],
            }
        )
    x: Callable[[int], int] = _x
    ctx: dict[str, Any] = {
        "engagement": engagement,
        "rows": rows,
        "agreement": agreement(session, engagement.id),
        "rubric": rubric,
        "chart": CHART,
        "problems": [],
        "message": None,
        **run_context(session, engagement, "rating"),
        "x": x,
        "findings": findings_for(session, engagement.id),
    }
    run = ctx["run"]
    # how many open-link participants the last finished rating left out (near-duplicate answers)
    ctx["left_out"] = run.stats.get("flagged_left_out") if run is not None and run.status == "done" else None
    ctx.update(extra)
    return ctx


def current_proposal(session: Session, engagement: Engagement, component_id: str) -> RatingProposal | None:
    """The component's current proposal (the one a decision must name), or None before any rating."""
    return current_proposals(session, engagement.id).get(component_id)


def _cited(
    session: Session, engagement: Engagement, proposal: RatingProposal, refs: set[str]
) -> tuple[dict[str, dict], list[dict]]:
    """Evidence by reference (``E-12``: segment, participant, transcript link, theme) for ``refs`` (every
    quote the page shows) and the live themes behind it, most-cited first."""
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
    evidence: dict[str, dict] = {}
    themes: dict[int, dict] = {}
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
        evidence[ref] = {
            "segment": seg,
            "participant": person,
            "link": link,
            "theme": theme,
            "withdrawn": withdrawn,
            "active": seg.active,
            "attribution": attribute(person.department, person.role_level),
        }
        if theme is not None:
            themes.setdefault(theme.id, {"theme": theme, "segments": []})["segments"].append(ref)
    return evidence, sorted(themes.values(), key=lambda t: (-len(t["segments"]), t["theme"].label))


def component_context(
    session: Session, engagement: Engagement, rubric: Rubric, comp: Component, **extra: Any
) -> dict[str, Any]:
    """One component's review page: the current proposal, its cited evidence in context, the themes
    behind it, every decision (newest first, with reviewer) and the target; ``extra`` overrides."""
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
    reading = read_proposal(model, comp, rubric) if model is not None else None
    refs = (
        {q["citation"].segment_id for q in reading["quotes"]}
        | {c.segment_id for d in reading["disagreements"] for side in d["sides"] for c in side["side"].citations}
        if reading
        else set()
    )
    evidence, themes = _cited(session, engagement, proposal, refs) if proposal is not None else ({}, [])
    decision = history[0][0] if history else None
    ctx: dict[str, Any] = {
        "engagement": engagement,
        "rubric": rubric,
        "comp": comp,
        "proposal": proposal,
        "history": history,
        "evidence": evidence,
        "themes": themes,
        "decision": decision,
        "reading": reading,
        "stale": bool(decision and proposal and decision.proposal_id != proposal.id),
        "target": engagement.settings.get("target_levels", {}).get(comp.id),
        "problems": [],
        "message": None,
        "form": {},
        "findings": findings_for(session, engagement.id, component=comp.id),
    }
    ctx.update(extra)
    return ctx


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
    )


def _people(n: int) -> str:
    """A group's size as shown: groups under the small-group threshold are never given exactly."""
    if n < MIN_CELL:
        return SUPPRESSED + " people"
    return f"{n} people"


def read_proposal(model: Proposal, comp: Component, rubric: Rubric) -> dict[str, Any]:
    """What the review page says about a proposal, every number taken from the stored fields:

    - ``confidence``: the confidence in words (``explain_confidence``);
    - ``indicators``: each indicator with its name, evidence level and that level's description, its
      people and segments, and its quotes;
    - ``quotes``: each quote once, with every indicator it is cited for (name, level, description);
    - ``disagreements``: per split indicator, both sides (label, level and description, people shown
      under the small-group rule, quotes), the level the rule followed and why, and the component
      level each side's reading would give;
    - ``departments`` / ``role_levels``: the voice mix under the small-group rule.
    """
    indicators = []
    quotes: dict[tuple[str, str], dict[str, Any]] = {}
    disagreements = []
    for ind in model.indicators:
        meta = comp.indicator(ind.indicator_id)
        described = meta.levels[ind.evidence_level] if ind.evidence_level else ""
        indicators.append({"result": ind, "meta": meta, "described": described})
        for cite in ind.citations:
            entry = quotes.setdefault((cite.segment_id, cite.quote), {"citation": cite, "for": []})
            entry["for"].append(
                {"id": ind.indicator_id, "name": meta.name, "level": ind.evidence_level, "described": described}
            )
        if ind.split is not None:
            sides = []
            for n, side in enumerate(ind.split.sides):
                would = ind.split.if_sides[n] if n < len(ind.split.if_sides) else None
                sides.append(
                    {
                        "side": side,
                        "people": _people(side.participants),
                        "described": meta.levels[side.level],
                        "would": would,
                    }
                )
            disagreements.append({"indicator": meta, "result": ind, "split": ind.split, "sides": sides})
    return {
        "confidence": explain_confidence(model),
        "indicators": indicators,
        "quotes": list(quotes.values()),
        "disagreements": disagreements,
        "departments": suppress(model.voice_mix.departments),
        "role_levels": suppress(model.voice_mix.role_levels),
        "mix": model.voice_mix,
    }
