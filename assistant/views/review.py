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
from assistant.rating.schema import segment_pk
from assistant.review import agreement, current_proposals, latest_decisions
from assistant.rubric import Component, Rubric
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
        rows.append({
            "component": comp, "proposal": proposal, "decision": decision, "target": targets.get(comp.id),
            "stale": bool(decision and proposal and decision.proposal_id != proposal.id),
            "y": CHART["top"] + n * CHART["row"],
        })
    x: Callable[[int], int] = _x
    ctx: dict[str, Any] = {
        "engagement": engagement, "rows": rows, "agreement": agreement(session, engagement.id), "rubric": rubric,
        "chart": CHART, "problems": [], "message": None, **run_context(session, engagement, "rating"), "x": x,
        "findings": findings_for(session, engagement.id),
    }
    ctx.update(extra)
    return ctx


def current_proposal(session: Session, engagement: Engagement, component_id: str) -> RatingProposal | None:
    """The component's current proposal (the one a decision must name), or None before any rating."""
    return current_proposals(session, engagement.id).get(component_id)


def _cited(session: Session, engagement: Engagement, proposal: RatingProposal) -> tuple[dict[str, dict], list[dict]]:
    """Cited evidence by reference (``E-12``: segment, participant, transcript link, theme) and the
    live themes behind it, most-cited first."""
    pks = {pk for c in proposal.citations if (pk := segment_pk(c["segment_id"])) is not None}
    if not pks:
        return {}, []
    rows = session.exec(
        select(Segment, Participant, Turn)
        .join(Participant, Participant.id == Segment.participant_id)
        .join(Turn, Turn.id == Segment.turn_id, isouter=True)
        .where(col(Segment.id).in_(pks), Segment.engagement_id == engagement.id)
    ).all()
    theme_of = dict(session.exec(
        select(ThemeMember.segment_id, Theme)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(col(ThemeMember.segment_id).in_(pks), col(Theme.archived).is_(False))
    ).all())
    evidence: dict[str, dict] = {}
    themes: dict[int, dict] = {}
    attribute = attribution(session, engagement)
    for seg, person, turn in rows:
        ref = f"E-{seg.id}"
        withdrawn = person.withdrawn_at is not None
        link = (f"/engagements/{engagement.id}/transcripts/{turn.interview_id}#turn-{turn.id}"
                if turn is not None and not withdrawn else None)
        theme = theme_of.get(seg.id)
        evidence[ref] = {"segment": seg, "participant": person, "link": link, "theme": theme,
                         "withdrawn": withdrawn, "active": seg.active,
                         "attribution": attribute(person.department, person.role_level)}
        if theme is not None:
            themes.setdefault(theme.id, {"theme": theme, "segments": []})["segments"].append(ref)
    return evidence, sorted(themes.values(), key=lambda t: (-len(t["segments"]), t["theme"].label))


def component_context(session: Session, engagement: Engagement, rubric: Rubric, comp: Component,
                      **extra: Any) -> dict[str, Any]:
    """One component's review page: the current proposal, its cited evidence in context, the themes
    behind it, every decision (newest first, with reviewer) and the target; ``extra`` overrides."""
    proposal = current_proposal(session, engagement, comp.id)
    history = session.exec(
        select(Decision, User).join(User, User.id == Decision.reviewer_id)
        .where(Decision.engagement_id == engagement.id, Decision.component == comp.id)
        .order_by(col(Decision.id).desc())
    ).all()
    evidence, themes = _cited(session, engagement, proposal) if proposal is not None else ({}, [])
    decision = history[0][0] if history else None
    ctx: dict[str, Any] = {
        "engagement": engagement, "rubric": rubric, "comp": comp, "proposal": proposal, "history": history,
        "evidence": evidence, "themes": themes, "decision": decision,
        "stale": bool(decision and proposal and decision.proposal_id != proposal.id),
        "target": engagement.settings.get("target_levels", {}).get(comp.id),
        "problems": [], "message": None, "form": {},
        "findings": findings_for(session, engagement.id, component=comp.id),
    }
    ctx.update(extra)
    return ctx
