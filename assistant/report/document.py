"""The engagement report as one document model, built from stored rows; every renderer (HTML,
DOCX, PDF) and the web report page draw from it, so they cannot disagree.

Rules enforced here, once:
- only decided levels appear; a component without one says "awaiting review";
- participation tables count people and hide groups under the engagement's threshold k
  (``equity.min_cell``, ``assistant.suppression.suppress``); the method text states that k;
- quotes come only from people who agreed to be quoted and have not withdrawn, with names replaced
  (``deidentify``); a quoted passage in a rationale or summary that is not from such a person is
  replaced by "[quote withheld]".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from assistant.models import (
    Decision,
    Engagement,
    Interview,
    Participant,
    Segment,
    ThemeMember,
    utcnow,
)
from assistant.privacy import Scrubber
from assistant.records.engagements import min_cell_of, roster_rows, scrubber_for, settings_of
from assistant.records.evidence import counted_members, counted_segments, live_themes
from assistant.records.review import current_proposals, latest_decisions
from assistant.report import narrative
from assistant.report.dataflow_section import DataflowSection, build_section
from assistant.report.deidentify import quotable
from assistant.report.figures import Figure, profile_figure, timeline_figure
from assistant.roadmap import readiness as readiness_mod
from assistant.roadmap.generate import items_of
from assistant.roadmap.targets import horizon_of, phases_for, target_rows
from assistant.rubric import Rubric
from assistant.suppression import suppress

Cell = int | str
WITHHELD = "[quote withheld]"
TOP_THEMES = 3
QUOTES_PER_THEME = 2


@dataclass
class Quote:
    ref: str  # "E-12"
    text: str


@dataclass
class ThemeSection:
    label: str
    summary: str
    people: int
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class ComponentSection:
    id: str
    name: str
    description: str
    decided: int | None
    level_name: str
    target: int | None
    action: str  # accept | change | reject | "" (awaiting review)
    rationale: str
    themes: list[ThemeSection] = field(default_factory=list)

    @property
    def awaiting_review(self) -> bool:
        return self.decided is None


@dataclass
class GroupRow:
    group: str
    roster: int | None
    took_part: Cell


@dataclass
class Participation:
    """Who contributed evidence: how many people, and per department and per role level against the
    roster (groups under the engagement's threshold k hidden)."""

    people: int
    by_department: list[GroupRow]
    by_role: list[GroupRow]


@dataclass
class ReadinessRow:
    name: str
    value: str
    confirmed: bool
    derived: str
    basis: str
    note: str
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class RoadmapRow:
    key: str
    title: str
    description: str
    component: str
    step: str
    owner: str
    depends_on: list[str]
    why: str


@dataclass
class PhaseSection:
    label: str
    rows: list[RoadmapRow] = field(default_factory=list)


@dataclass
class Report:
    organisation: str
    generated_at: datetime
    rubric_version: str
    horizon: int
    summary: list[str]
    method: list[str]
    participation: Participation
    components: list[ComponentSection]
    readiness: list[ReadinessRow]
    phases: list[PhaseSection]
    removed: list[tuple[str, str]]  # (title, reason)
    roadmap_notes: list[str]
    profile: Figure
    timeline: Figure
    dataflow: DataflowSection | None = None  # report/dataflow_section.py; None when no one described a flow


_QUOTED = re.compile(r"[\"“]([^\"”]{12,})[\"”]")


def withhold_quotes(text: str, allowed: list[str]) -> str:
    """``text`` with every quoted passage (12+ characters in double quotes) replaced by
    "[quote withheld]" unless it appears in one of the ``allowed`` (consented) texts."""

    def repl(m: re.Match[str]) -> str:
        passage = m.group(1).strip()
        return m.group(0) if any(passage in a for a in allowed) else WITHHELD

    return _QUOTED.sub(repl, text or "")


def _people_rows(session: Session, engagement: Engagement) -> list[tuple[int, str, str]]:
    """(participant, department, role level) of everyone with evidence who has not withdrawn."""
    return list(
        session.exec(
            counted_segments(
                Participant.id, Participant.department, Participant.role_level, engagement_id=engagement.id
            ).distinct()
        ).all()
    )


def _groups(counts: Counter, roster: dict[str, int], order: list[str], *, k: int) -> list[GroupRow]:
    shown = suppress(dict(counts), k=k)
    names = [g for g in order if g in roster or g in counts] + sorted(set(counts) - set(order))
    return [GroupRow(g, roster.get(g), shown.get(g, 0)) for g in names]


def participation(session: Session, engagement: Engagement, *, k: int) -> Participation:
    """The engagement's participation: people with evidence who have not withdrawn, counted per
    department and role level beside the roster, groups under ``k`` suppressed."""
    people = _people_rows(session, engagement)
    dept_roster: Counter = Counter()
    role_roster: Counter = Counter()
    for r in roster_rows(session, engagement):
        dept_roster[r.department] += r.count
        role_roster[r.role_level] += r.count
    by_department = _groups(
        Counter(d or "(not given)" for _, d, _ in people), dict(dept_roster), engagement.departments, k=k
    )
    by_role = _groups(Counter(r or "(not given)" for _, _, r in people), dict(role_roster), engagement.role_levels, k=k)
    return Participation(len({p for p, _, _ in people}), by_department, by_role)


def _theme_sections(
    session: Session, engagement: Engagement, comp_id: str, names: Scrubber, allowed: dict[int, Segment]
) -> list[ThemeSection]:
    themes = session.exec(live_themes(engagement.id, comp_id, other=False)).all()
    members = (
        session.exec(
            counted_members(
                ThemeMember.theme_id, ThemeMember.segment_id, ThemeMember.score, Segment.participant_id
            ).where(col(ThemeMember.theme_id).in_([t.id for t in themes]))
        ).all()
        if themes
        else []
    )
    people: dict[int, set[int]] = defaultdict(set)
    ranked: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for tid, sid, score, pid in members:
        people[tid].add(pid)
        ranked[tid].append((-score, sid))
    out = []
    allowed_texts = [s.text for s in allowed.values()]
    for theme in sorted(themes, key=lambda t: (-len(people[t.id]), t.id))[:TOP_THEMES]:
        if not people[theme.id]:
            continue
        order = list(theme.quote_ids) + [sid for _, sid in sorted(ranked[theme.id])]
        quotes, seen_people = [], set()
        for sid in order:
            seg = allowed.get(sid)
            if seg is None or seg.participant_id in seen_people:
                continue
            seen_people.add(seg.participant_id)
            quotes.append(Quote(f"E-{sid}", names.scrub(seg.text)))
            if len(quotes) == QUOTES_PER_THEME:
                break
        summary = names.scrub(withhold_quotes(theme.summary, allowed_texts))
        out.append(ThemeSection(names.scrub(theme.label), summary, len(people[theme.id]), quotes))
    return out


def _why_text(why: dict, rubric: Rubric, titles: dict[str, str]) -> str:
    parts = []
    gap = why.get("gap")
    if why.get("custom"):
        parts.append("Added by the consultant")
    if gap and gap.get("target"):
        parts.append(f"Gap: decided {gap['decided']}, target {gap['target']}")
    if why.get("prerequisite_for"):
        parts.append("Needed first by: " + "; ".join(titles.get(k, k) for k in why["prerequisite_for"]))
    themes = [t["label"] for t in why.get("themes", []) if t.get("matched")]
    if themes:
        parts.append("Themes: " + "; ".join(themes))
    parts.extend(why.get("readiness", []))
    if why.get("note"):
        parts.append(why["note"])
    if why.get("placement"):
        parts.append("Placed: " + why["placement"])
    return ". ".join(p[0].upper() + p[1:] for p in parts if p) + ("." if parts else "")


def build_report(session: Session, engagement: Engagement, rubric: Rubric) -> Report:
    """The report of ``engagement`` from what is stored now (roadmap as last generated)."""
    names = scrubber_for(session, engagement)
    k = min_cell_of(engagement)
    all_segment_ids = session.exec(select(Segment.id).where(Segment.engagement_id == engagement.id)).all()
    allowed = quotable(session, engagement.id, all_segment_ids)
    allowed_texts = [s.text for s in allowed.values()]

    dates = session.exec(
        select(Interview.submitted_at)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(Participant.engagement_id == engagement.id, col(Interview.submitted_at).is_not(None))
    ).all()

    # components
    proposals = current_proposals(session, engagement.id)
    decisions: dict[str, Decision] = latest_decisions(session, engagement.id)
    targets = {r.component: r for r in target_rows(session, engagement, rubric)}
    components = []
    for comp in rubric.components:
        decision = decisions.get(comp.id)
        level = decision.final_level if decision else None
        if decision is None or level is None:
            rationale = (
                "Awaiting review: no level has been decided for this component."
                if decision is None
                else "The proposed level was rejected; no level has been decided yet."
            )
        elif decision.action == "accept":
            proposal = proposals.get(comp.id)
            rationale = decision.rationale or (
                proposal.rationale if proposal and proposal.id == decision.proposal_id else ""
            )
        else:
            rationale = decision.rationale
        rationale = names.scrub(withhold_quotes(rationale, allowed_texts))
        components.append(
            ComponentSection(
                comp.id,
                comp.name,
                comp.description,
                level,
                rubric.level_name(level) if level else "awaiting review",
                targets[comp.id].target,
                decision.action if decision else "",
                rationale,
                _theme_sections(session, engagement, comp.id, names, allowed),
            )
        )

    # readiness
    kinds = {k.id: k for k in rubric.readiness}
    readiness_rows = []
    for signal in readiness_mod.snapshot(session, engagement, rubric):
        seg_ids = signal.evidence.get("segments", {})
        quotes = [
            Quote(f"E-{sid}", names.scrub(allowed[sid].text))
            for sid in seg_ids.get("for", [])[:2] + seg_ids.get("against", [])[:2]
            if sid in allowed
        ][:3]
        readiness_rows.append(
            ReadinessRow(
                kinds[signal.kind].name if signal.kind in kinds else signal.kind,
                readiness_mod.effective(signal),
                signal.value is not None,
                signal.derived,
                signal.evidence.get("basis", ""),
                names.scrub(signal.note),
                quotes,
            )
        )

    # roadmap
    horizon = horizon_of(engagement)
    phase_defs = phases_for(horizon)
    items = items_of(session, engagement.id)
    titles = {i.key: i.title for i in items}
    comp_names = {c.id: c.name for c in rubric.components}
    phases = [PhaseSection(p.label) for p in phase_defs]
    for item in items:
        if item.status != "planned":
            continue
        step = (
            f"{item.from_level} → {item.from_level + 1}"
            if item.from_level and item.origin != "custom"
            else "custom"
            if item.origin == "custom"
            else ""
        )
        phases[min(item.phase, len(phases) - 1)].rows.append(
            RoadmapRow(
                item.key,
                item.title,
                item.description,
                comp_names.get(item.component, item.component),
                step,
                item.owner,
                [titles.get(d, d) for d in item.depends_on],
                names.scrub(_why_text(item.why, rubric, titles)),
            )
        )
    removed = [(i.title, i.removed_reason) for i in items if i.status == "removed"]
    summary = settings_of(engagement).roadmap
    notes = list(summary.notes) if summary else []
    if not items:
        notes.insert(
            0,
            "No roadmap has been generated yet." if summary is None else "The roadmap has no activities.",
        )

    report = Report(
        organisation=engagement.organisation,
        generated_at=utcnow(),
        rubric_version=rubric.version,
        horizon=horizon,
        summary=[],
        method=[],
        participation=participation(session, engagement, k=k),
        components=components,
        readiness=readiness_rows,
        phases=phases,
        removed=removed,
        roadmap_notes=notes,
        profile=profile_figure(components, rubric, engagement.organisation),
        timeline=timeline_figure(items, rubric, horizon, engagement.organisation),
        dataflow=build_section(session, engagement),
    )
    report.summary = narrative.summary(report, dates)
    report.method = narrative.method(report, proposals, k=k)
    return report
