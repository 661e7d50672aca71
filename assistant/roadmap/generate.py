"""Generating the roadmap of an engagement from stored rows, keeping the consultant's edits.

``generate`` gathers the inputs (decided levels, targets, readiness, themes), runs
``sequence.plan`` and stores the result as ``RoadmapItem`` rows. Re-generation rules:
- new activities are added;
- an item a consultant moved keeps its phase (``pinned``), and every item keeps its owner;
- a removed item stays removed (it is never re-added), and what depends on it treats it as done;
- custom activities are kept as they are;
- an item the levels and targets no longer call for is deleted, unless a consultant edited it
  (moved it or gave it an owner): then it is kept and marked "no longer needed".
The run is audited with what it added, kept and dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from assistant.models import Engagement, RoadmapItem, Segment, Theme, ThemeMember, User, utcnow
from assistant.records.engagements import change_settings
from assistant.records.evidence import counted_members, counted_segments, manual_handoff_people
from assistant.records.review import decided_levels
from assistant.roadmap import readiness as readiness_mod
from assistant.roadmap.sequence import Fixed, Plan, PlanInput, ThemeInfo, plan
from assistant.roadmap.targets import target_rows
from assistant.rubric import Rubric


@dataclass
class Generated:
    plan: Plan
    added: list[str]
    updated: list[str]
    kept: list[str]
    dropped: list[str]


def theme_inputs(session: Session, engagement_id: int) -> tuple[dict[str, list[ThemeInfo]], dict[str, int]]:
    """({component: its themes with distinct people}, {component: distinct people with evidence}),
    counting only active segments of people who have not withdrawn; "other voices" is not a theme."""
    rows = session.exec(
        counted_members(Theme, Segment.participant_id)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.engagement_id == engagement_id, col(Theme.archived).is_(False), col(Theme.is_other).is_(False))
    ).all()
    people: dict[int, set[int]] = defaultdict(set)
    theme_rows: dict[int, Theme] = {}
    for theme, pid in rows:
        theme_rows[theme.id] = theme
        people[theme.id].add(pid)
    themes: dict[str, list[ThemeInfo]] = defaultdict(list)
    for tid, theme in sorted(theme_rows.items()):
        themes[theme.component].append(
            ThemeInfo(tid, theme.label, tuple(theme.keywords), len(people[tid]), tuple(theme.quote_ids))
        )
    comp_people = session.exec(
        counted_segments(Segment.component, Segment.participant_id, engagement_id=engagement_id).distinct()
    ).all()
    counts: dict[str, int] = defaultdict(int)
    for component, _pid in comp_people:
        counts[component] += 1
    return dict(themes), dict(counts)


def items_of(session: Session, engagement_id: int) -> list[RoadmapItem]:
    """Every roadmap row of the engagement (removed ones included) in roadmap order."""
    return list(
        session.exec(
            select(RoadmapItem)
            .where(RoadmapItem.engagement_id == engagement_id)
            .order_by(col(RoadmapItem.phase), col(RoadmapItem.position), col(RoadmapItem.id))
        ).all()
    )


def plan_input(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    rows: list[RoadmapItem],
    equity: dict[str, int] | None = None,
) -> PlanInput:
    """The sequencing input for ``engagement`` as stored now (readiness re-derived first); ``equity``
    counts the equity reviewers' open findings per component (they raise an activity's priority)."""
    signals = readiness_mod.refresh(session, engagement, rubric)
    themes, people = theme_inputs(session, engagement.id)
    targets = {r.component: r.target for r in target_rows(session, engagement, rubric) if r.target is not None}
    fixed = [
        Fixed(r.key, r.phase, r.component, r.title, tuple(r.depends_on), custom=r.origin == "custom")
        for r in rows
        if r.status == "planned" and (r.pinned or r.origin == "custom")
    ]
    return PlanInput(
        rubric=rubric,
        decided=decided_levels(session, engagement.id),
        targets=targets,
        readiness={s.kind: readiness_mod.effective(s) for s in signals},
        themes=themes,
        component_people=people,
        fixed=fixed,
        removed=frozenset(r.key for r in rows if r.status == "removed"),
        equity=dict(equity or {}),
        handoff_people=manual_handoff_people(session, engagement.id),
    )


def generate(
    session: Session, engagement: Engagement, rubric: Rubric, user: User, equity: dict[str, int] | None = None
) -> Generated:
    """(Re)generate the roadmap; returns what changed (rows added, not committed). Rules above.
    ``equity``: open equity findings per component (``assistant.equity.findings.finding_counts``)."""
    rows = items_of(session, engagement.id)
    result = plan(plan_input(session, engagement, rubric, rows, equity))
    now = utcnow()
    added, updated, kept = _store_planned(session, engagement.id, result, {r.key: r for r in rows}, now)
    still_kept, dropped = _retire_unneeded(session, rows, {i.key for i in result.items})
    kept += still_kept
    roadmap = {
        "generated_at": now.isoformat(timespec="seconds"),
        "overall_readiness": result.overall_readiness,
        "cap": result.cap,
        "notes": result.notes,
        "awaiting_review": result.awaiting_review,
    }
    after = {
        "added": added,
        "updated": len(updated),
        "kept": kept,
        "dropped": dropped,
        "overall_readiness": result.overall_readiness,
    }
    change_settings(session, engagement, "roadmap.generate", user, {"roadmap": roadmap}, role="consultant", after=after)
    session.flush()
    return Generated(result, added, updated, kept, dropped)


def _store_planned(
    session: Session, engagement_id: int, result: Plan, by_key: dict[str, RoadmapItem], now: datetime
) -> tuple[list[str], list[str], list[str]]:
    """Write each planned item into its row (a new row when there is none), keeping a pinned row's
    phase and a custom row's wording. Returns the keys added, updated and kept."""
    added, updated, kept = [], [], []
    for item in result.items:
        row = by_key.get(item.key)
        if row is None:
            row = RoadmapItem(engagement_id=engagement_id, key=item.key, component=item.component, title=item.title)
            added.append(item.key)
        elif row.pinned or row.origin == "custom":
            kept.append(item.key)
        else:
            updated.append(item.key)
        if row.origin != "custom":
            row.title, row.description, row.component = item.title, item.description, item.component
            row.from_level, row.origin = item.from_level, item.origin
        row.depends_on = item.depends_on
        row.phase = row.phase if row.pinned else item.phase
        row.priority, row.position, row.why, row.needed, row.updated_at = (
            item.priority,
            item.position,
            item.why,
            True,
            now,
        )
        session.add(row)
    return added, updated, kept


def _retire_unneeded(session: Session, rows: list[RoadmapItem], planned: set[str]) -> tuple[list[str], list[str]]:
    """Rows the plan no longer needs: an edited one (pinned or owned) stays, marked not needed; any
    other is deleted. Returns the keys kept and the keys dropped."""
    kept, dropped = [], []
    for row in rows:
        if row.key in planned or row.status == "removed":
            continue
        if row.pinned or row.owner:
            row.needed = False
            row.why = {
                **row.why,
                "placement": "no longer needed by the decided levels and targets; kept because you edited it",
            }
            session.add(row)
            kept.append(row.key)
        else:
            session.delete(row)
            dropped.append(row.key)
    return kept, dropped
