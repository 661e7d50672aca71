"""Consultant review of rating proposals: decisions, their audit trail, and agreement figures.

Only decided levels go forward (to the roadmap and the report). Rules enforced by ``decide``:
- *accept* takes the proposed level; only a proposal with a level can be accepted;
- *change* sets another rubric level and needs a rationale;
- *reject* sets no level and needs a rationale;
- a superseded proposal cannot be decided (review the current one);
- in a pulse follow-up (``Engagement.kind == "pulse"``) a decision can confirm or lower the level
  the earlier assessment decided, never raise it (raising needs the full evidence of a full
  assessment); with no level decided before, a pulse sets none (``pulse_ceiling``);
- every decision writes an ``AuditEvent`` with who, when, and the component's decided state
  before and after, in the same transaction (the caller commits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from sklearn.metrics import cohen_kappa_score
from sqlmodel import Session, col, select

from assistant.models import Decision, Engagement, RatingProposal, User
from assistant.records.engagements import change_settings, settings_of
from assistant.rubric import Rubric, get_rubric
from assistant.security import AuditAbout, audit_by

Action = Literal["accept", "change", "reject"]
ACTIONS = ("accept", "change", "reject")


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says what to do instead."""


def current_proposals(session: Session, engagement_id: int) -> dict[str, RatingProposal]:
    """{component: its newest non-superseded proposal}."""
    rows = session.exec(
        select(RatingProposal)
        .where(RatingProposal.engagement_id == engagement_id, col(RatingProposal.superseded).is_(False))
        .order_by(RatingProposal.id)
    ).all()
    return {row.component: row for row in rows}


def latest_decisions(session: Session, engagement_id: int) -> dict[str, Decision]:
    """{component: its most recent decision}, whichever proposal it was made on."""
    rows = session.exec(select(Decision).where(Decision.engagement_id == engagement_id).order_by(Decision.id)).all()
    return {row.component: row for row in rows}


def decided_levels(session: Session, engagement_id: int) -> dict[str, int | None]:
    """{component: decided level} from the latest decision (None after a reject); undecided
    components are absent. Only these levels feed the roadmap."""
    return {c: d.final_level for c, d in latest_decisions(session, engagement_id).items()}


def pulse_ceiling(session: Session, engagement_id: int, component: str) -> tuple[bool, int | None]:
    """(is this a pulse that limits ``component``, the highest level it may decide): the level the
    previous assessment decided for it (None: it decided none, so the pulse may set none). For a full
    engagement, (False, None): no limit."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.kind != "pulse" or engagement.previous_id is None:
        return False, None
    return True, decided_levels(session, engagement.previous_id).get(component)


def _check_pulse(session: Session, proposal: RatingProposal, final: int | None) -> None:
    limited, ceiling = pulse_ceiling(session, proposal.engagement_id, proposal.component)
    if not limited or final is None:
        return
    if ceiling is None:
        raise ReviewError(
            "a pulse can confirm or lower a level, never raise it, and the earlier assessment decided no "
            "level for this component: reject the proposal (a full assessment can set one)"
        )
    if final > ceiling:
        raise ReviewError(
            f"a pulse can confirm or lower a level, never raise it: the earlier assessment decided "
            f"{ceiling}, so choose {ceiling} or lower (raising needs a full assessment)"
        )


def _state(decision: Decision | None) -> dict:
    if decision is None:
        return {"decided": False}
    return {
        "decided": True,
        "decision_id": decision.id,
        "action": decision.action,
        "level": decision.final_level,
        "proposal_id": decision.proposal_id,
    }


def decide(
    session: Session,
    rubric: Rubric,
    proposal_id: int,
    reviewer: User,
    action: str,
    level: int | None = None,
    rationale: str = "",
) -> Decision:
    """Record a consultant's decision on a proposal against ``rubric`` (the engagement's: its levels are
    the ones a change may choose); returns the Decision (added, not committed)."""
    proposal = session.get(RatingProposal, proposal_id)
    if proposal is None:
        raise ReviewError(f"no rating proposal {proposal_id}; reload the review page")
    if proposal.superseded:
        raise ReviewError("this proposal was replaced by a newer rating run; review the current proposal instead")
    if action not in ACTIONS:
        raise ReviewError(f"unknown action {action!r}: use accept, change or reject")
    rationale, valid_levels = (rationale or "").strip(), {lvl.level for lvl in rubric.levels}
    if action == "accept":
        if proposal.status != "proposed" or proposal.level is None:
            raise ReviewError("there is no proposed level to accept; choose 'change level' with a rationale, or reject")
        final = proposal.level
    elif action == "change":
        if level is None or level not in valid_levels:
            raise ReviewError(f"choose a level from the rubric ({min(valid_levels)}-{max(valid_levels)})")
        if not rationale:
            raise ReviewError("changing the level needs a rationale: say what the evidence shows")
        final = level
    else:
        if not rationale:
            raise ReviewError("rejecting a proposal needs a rationale: say what is wrong with it")
        final = None
    _check_pulse(session, proposal, final)
    before = _state(latest_decisions(session, proposal.engagement_id).get(proposal.component))
    decision = Decision(
        proposal_id=proposal.id,
        engagement_id=proposal.engagement_id,
        component=proposal.component,
        reviewer_id=reviewer.id,
        action=action,
        final_level=final,
        rationale=rationale,
    )
    session.add(decision)
    session.flush()
    about = AuditAbout(
        engagement_id=proposal.engagement_id,
        entity=f"rating_proposal:{proposal.id}",
        before=before,
        after={
            **_state(decision),
            "component": proposal.component,
            "proposed_level": proposal.level,
            "engine": proposal.engine,
            "rationale": rationale,
        },
    )
    audit_by(session, f"rating.{action}", reviewer, role="consultant", **about)
    return decision


@dataclass
class Agreement:
    """How far consultants' decided levels agree with the proposals they decided on."""

    pairs: list[tuple[int, int]] = field(default_factory=list)  # (proposed, decided)
    rejected: int = 0
    decided: int = 0
    exact: float | None = None
    within_one: float | None = None
    kappa: float | None = None
    kappa_note: str = ""


def agreement(session: Session, engagement_id: int) -> Agreement:
    """Exact agreement and quadratic-weighted kappa between proposed and decided levels, over each
    component's latest decision whose proposal had a level and which set one (rejects are counted
    apart). Kappa is None with a note when it is undefined: fewer than two pairs, or a single level
    on both sides."""
    result = Agreement()
    decisions = latest_decisions(session, engagement_id)
    result.decided = len(decisions)
    for decision in decisions.values():
        proposal = session.get(RatingProposal, decision.proposal_id)
        if decision.action == "reject":
            result.rejected += 1
            continue
        if proposal is not None and proposal.level is not None and decision.final_level is not None:
            result.pairs.append((proposal.level, decision.final_level))
    if not result.pairs:
        result.kappa_note = "no decided pairs yet"
        return result
    proposed = [p for p, _ in result.pairs]
    decided = [d for _, d in result.pairs]
    result.exact = sum(p == d for p, d in result.pairs) / len(result.pairs)
    result.within_one = sum(abs(p - d) <= 1 for p, d in result.pairs) / len(result.pairs)
    if len(result.pairs) < 2:
        result.kappa_note = "needs at least two decided components"
    elif len(set(proposed) | set(decided)) < 2:
        result.kappa_note = "undefined: every level is the same"
    else:
        value = float(cohen_kappa_score(proposed, decided, weights="quadratic"))
        if math.isnan(value):
            result.kappa_note = "undefined for these levels"
        else:
            result.kappa = value
    return result


def set_targets(
    session: Session,
    engagement: Engagement,
    targets: dict[str, int | None],
    reviewer: User,
    rubric: Rubric | None = None,
) -> dict[str, int]:
    """Store target levels per component in the engagement's ``target_levels`` setting (None clears one);
    returns the stored targets. Rule: a target is a rubric level of a rubric component; audited."""
    rubric = rubric or get_rubric()
    valid_levels = {lvl.level for lvl in rubric.levels}
    known = {c.id for c in rubric.components}
    before = dict(settings_of(engagement).target_levels)
    after = dict(before)
    for component, level in targets.items():
        if component not in known:
            raise ReviewError(f"unknown component {component!r}")
        if level is None:
            after.pop(component, None)
        elif level not in valid_levels:
            raise ReviewError(f"a target must be a rubric level ({min(valid_levels)}-{max(valid_levels)})")
        else:
            after[component] = level
    change = {"target_levels": after}
    change_settings(
        session, engagement, "targets.set", reviewer, change, role="consultant", before={"target_levels": before}
    )
    return after
