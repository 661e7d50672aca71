"""Target levels and the planning horizon of an engagement, and the phases the horizon gives.

Rules:
- only decided levels count; a component without one is "awaiting review" and has no default target;
- the default target is one step above the decided level, capped at the top rubric level;
- a stored target below the decided level is refused (a roadmap never plans a step down);
- the horizon (months) splits into three phases (``records/phases.py``, shared with ``followup/``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from assistant.models import Engagement, User
from assistant.records.engagements import change_settings, settings_of
from assistant.records.engagements.settings import DEFAULT_HORIZON, HORIZONS
from assistant.records.phases import Phase, horizon_of, phases_for
from assistant.records.review import ReviewError, decided_levels, set_targets
from assistant.rubric import Rubric

# kept here for the roadmap's callers; defined with the settings and in records/phases.py
__all__ = ["DEFAULT_HORIZON", "HORIZONS", "Phase", "horizon_of", "phases_for"]


@dataclass(frozen=True)
class TargetRow:
    """A component's decided level (None: awaiting review), its target and whether it was set by hand."""

    component: str
    name: str
    decided: int | None
    target: int | None
    stored: bool

    @property
    def awaiting_review(self) -> bool:
        return self.decided is None

    @property
    def gap(self) -> int:
        if self.decided is None or self.target is None:
            return 0
        return max(0, self.target - self.decided)


def default_target(decided: int, top: int = 5) -> int:
    """One step above ``decided``, capped at ``top``."""
    return min(decided + 1, top)


def target_rows(session: Session, engagement: Engagement, rubric: Rubric) -> list[TargetRow]:
    """One row per rubric component, in rubric order: decided level (latest decision; a rejection
    leaves none), stored target or the default one."""
    decided = decided_levels(session, engagement.id)
    stored = settings_of(engagement).target_levels
    top = max(lvl.level for lvl in rubric.levels)
    rows = []
    for comp in rubric.components:
        level = decided.get(comp.id)
        target = stored.get(comp.id)
        if level is None:
            rows.append(TargetRow(comp.id, comp.name, None, None, False))
            continue
        rows.append(
            TargetRow(
                comp.id,
                comp.name,
                level,
                target if target is not None else default_target(level, top),
                target is not None,
            )
        )
    return rows


def save_plan(
    session: Session, engagement: Engagement, targets: dict[str, int | None], horizon: int, user: User, rubric: Rubric
) -> list[TargetRow]:
    """Store targets (None: back to the default) and the horizon; both audited. Returns the new rows.

    Raises ``ReviewError`` for a horizon not offered, a target below the decided level, or a target
    for a component awaiting review (set it once the level is decided)."""
    if horizon not in HORIZONS:
        raise ReviewError(f"choose a horizon of {', '.join(str(h) for h in HORIZONS)} months")
    decided = decided_levels(session, engagement.id)
    names = {c.id: c.name for c in rubric.components}
    for component, level in targets.items():
        if level is None:
            continue
        if decided.get(component) is None:
            raise ReviewError(
                f"{names.get(component, component)} is awaiting review: decide its level before setting a target"
            )
        if level < decided[component]:
            raise ReviewError(
                f"the target for {names[component]} ({level}) is below its decided level "
                f"({decided[component]}); a roadmap plans steps up"
            )
    set_targets(session, engagement, targets, user, rubric)
    before = horizon_of(engagement)
    if before != horizon or settings_of(engagement).roadmap_horizon_months is None:
        change_settings(
            session,
            engagement,
            "roadmap.horizon",
            user,
            {"roadmap_horizon_months": horizon},
            role="consultant",
            before={"horizon_months": before},
            after={"horizon_months": horizon},
        )
    return target_rows(session, engagement, rubric)
