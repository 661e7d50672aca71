"""Every stored row the report reads, read once per export (``read_sources``).

The builders (``report/build.py`` and the data tables in ``report/tables.py``) take a ``Sources`` and
never query: an export reads the decided levels, the evidence and the themes once, whatever format
it writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from assistant.models import (
    Decision,
    Engagement,
    Interview,
    Participant,
    RatingProposal,
    ReadinessSignal,
    RoadmapItem,
    Segment,
    Theme,
    ThemeMember,
    User,
)
from assistant.privacy import Scrubber
from assistant.records.engagements import group_tables, min_cell_of, roster_rows, scrubber_for, settings_of
from assistant.records.evidence import counted_segments, live_themes
from assistant.report.dataflow_section import DataflowSection, build_section
from assistant.roadmap import readiness as readiness_mod
from assistant.roadmap.generate import items_of
from assistant.roadmap.targets import TargetRow, horizon_of, target_rows
from assistant.rubric import Rubric
from assistant.suppression import Attributor, attributor
from assistant.suppression import Table as DisclosedTable


@dataclass(frozen=True)
class Evidence:
    """A segment that counts, with what the report may need of its author (never a name or an id)."""

    segment: Segment
    department: str
    role_level: str
    consented: bool


@dataclass
class Sources:
    engagement: Engagement
    rubric: Rubric
    names: Scrubber
    k: int
    horizon: int
    page_size: str
    evidence: dict[int, Evidence]  # segment id -> the segment that counts
    themes: list[Theme]
    members: dict[int, list[tuple[float, int]]]  # theme id -> (score, segment id), counted segments only
    proposals_history: list[RatingProposal]
    decisions_history: list[Decision]
    targets: dict[str, TargetRow]
    signals: list[ReadinessSignal]
    items: list[RoadmapItem]
    dates: list[datetime]
    roster: list[tuple[str, str, int]]  # (department, role level, count)
    roadmap_notes: tuple[str, ...] = ()
    roadmap_generated: bool = False
    overall_readiness: str = ""
    prepared_by: str = ""  # the consultant who set the engagement up (their name, else their address)
    groups: dict[str, DisclosedTable] = field(default_factory=dict)  # group_tables: the one disclosure rule
    dataflow: DataflowSection | None = None  # the data-flow section (report/dataflow_section.py), None without flows
    attribute: Attributor = field(init=False)

    def __post_init__(self) -> None:
        people = {e.segment.participant_id: (e.department, e.role_level) for e in self.evidence.values()}
        self.attribute = attributor(people.values(), k=self.k)

    @property
    def current_proposals(self) -> dict[str, RatingProposal]:
        return {p.component: p for p in self.proposals_history if not p.superseded}

    @property
    def decisions(self) -> dict[str, Decision]:
        """The latest decision per component."""
        return {d.component: d for d in self.decisions_history}

    def people_of(self, theme_id: int) -> set[int]:
        return {self.evidence[sid].segment.participant_id for _, sid in self.members.get(theme_id, [])}


def _evidence(session: Session, engagement_id: int) -> dict[int, Evidence]:
    rows = session.exec(
        counted_segments(
            Segment,
            Participant.department,
            Participant.role_level,
            Participant.quote_consent,
            engagement_id=engagement_id,
        ).order_by(col(Segment.id))
    ).all()
    return {s.id: Evidence(s, d or "", r or "", bool(ok)) for s, d, r, ok in rows}


def _members(session: Session, themes: list[Theme], counted: dict[int, Evidence]) -> dict[int, list[tuple[float, int]]]:
    out: dict[int, list[tuple[float, int]]] = defaultdict(list)
    if not themes:
        return out
    rows = session.exec(
        select(ThemeMember.theme_id, ThemeMember.segment_id, ThemeMember.score).where(
            col(ThemeMember.theme_id).in_([t.id for t in themes])
        )
    ).all()
    for tid, sid, score in rows:
        if sid in counted:
            out[tid].append((score, sid))
    return out


def _history(session: Session, model: type, engagement_id: int) -> list:
    """Every row of ``model`` for the engagement, oldest first (superseded proposals, earlier decisions)."""
    return list(session.exec(select(model).where(model.engagement_id == engagement_id).order_by(col(model.id))).all())


def _dates(session: Session, engagement_id: int) -> list[datetime]:
    return list(
        session.exec(
            select(Interview.submitted_at)
            .join(Participant, Participant.id == Interview.participant_id)
            .where(Participant.engagement_id == engagement_id, col(Interview.submitted_at).is_not(None))
        ).all()
    )


def read_sources(session: Session, engagement: Engagement, rubric: Rubric) -> Sources:
    """Everything the report and the data exports show of ``engagement``, read now."""
    evidence = _evidence(session, engagement.id)
    themes = list(session.exec(live_themes(engagement.id).order_by(col(Theme.component), col(Theme.id))).all())
    settings = settings_of(engagement)
    author = session.get(User, engagement.created_by) if engagement.created_by else None
    return Sources(
        engagement=engagement,
        rubric=rubric,
        names=scrubber_for(session, engagement),
        k=min_cell_of(engagement),
        horizon=horizon_of(engagement),
        page_size=settings.page_size,
        evidence=evidence,
        themes=themes,
        members=_members(session, themes, evidence),
        proposals_history=_history(session, RatingProposal, engagement.id),
        decisions_history=_history(session, Decision, engagement.id),
        targets={r.component: r for r in target_rows(session, engagement, rubric)},
        signals=readiness_mod.snapshot(session, engagement, rubric),
        items=items_of(session, engagement.id),
        dates=_dates(session, engagement.id),
        roster=[(r.department, r.role_level, r.count) for r in roster_rows(session, engagement)],
        roadmap_notes=settings.roadmap.notes if settings.roadmap else (),
        roadmap_generated=settings.roadmap is not None,
        overall_readiness=settings.roadmap.overall_readiness if settings.roadmap else "",
        prepared_by=(author.name or author.email) if author else "",
        groups=group_tables(session, engagement),
        dataflow=build_section(session, engagement),
    )
