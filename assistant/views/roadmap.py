"""Page data of the roadmap page and the export panel (the report page's is ``views/report.py``):
targets and horizon, readiness with its evidence, the roadmap by phase with why each item is there,
the timeline chart, and the latest export.

Read-only: readiness is re-derived in memory (``readiness.snapshot``), so a page always shows what
the evidence says now without writing. Staff text is shown de-identified; a quote whose
author did not agree to be quoted is marked as such (it never goes into the report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from assistant import charts
from assistant.jobs import UNFINISHED, latest_run
from assistant.models import Engagement, ExportFile, Participant, ReadinessSignal, RoadmapItem, Run, Segment, Theme
from assistant.models.settings import RoadmapSummary
from assistant.privacy import Scrubber
from assistant.records.engagements import scrubber_for, settings_of
from assistant.records.evidence import counted_segments
from assistant.report.export import export_file
from assistant.report.figures import timeline_chart
from assistant.report.formats import FORMATS
from assistant.roadmap import readiness as readiness_mod
from assistant.roadmap.generate import items_of
from assistant.roadmap.sequence import PHASES
from assistant.roadmap.targets import HORIZONS, Phase, TargetRow, horizon_of, phases_for, target_rows
from assistant.rubric import ReadinessKind, Rubric
from assistant.views import Page
from assistant.views.runs import RunPanel


@dataclass
class QuoteView:
    ref: str
    text: str
    quotable: bool  # its author agreed to be quoted in the report


@dataclass
class SignalView:
    signal: ReadinessSignal
    name: str
    question: str
    effective: str
    changed: bool
    quotes_for: list[QuoteView] = field(default_factory=list)
    quotes_against: list[QuoteView] = field(default_factory=list)


@dataclass(frozen=True)
class ItemTheme:
    """A theme an item was matched to (stored in the item's ``why``): linked only when ``here``, one of
    this engagement's themes; ``matched`` is False when it is the component's largest theme instead."""

    id: int | None
    label: str
    people: int
    matched: bool
    here: bool


def _item_themes(item: RoadmapItem, themes_here: set[int]) -> list[ItemTheme]:
    return [
        ItemTheme(t.get("id"), t["label"], t.get("people", 0), bool(t.get("matched")), t.get("id") in themes_here)
        for t in item.why.get("themes", [])
    ]


@dataclass
class ItemView:
    item: RoadmapItem
    component: str
    step: str
    depends: list[tuple[str, str]]  # (title, phase label)
    themes: list[ItemTheme]
    quotes: list[QuoteView]
    why: list[str]


def _quotes(session: Session, engagement: Engagement, ids: list[int], names: Scrubber) -> dict[int, QuoteView]:
    if not ids:
        return {}
    rows = session.exec(
        counted_segments(Segment, Participant.quote_consent, engagement_id=engagement.id).where(
            col(Segment.id).in_(sorted(set(ids)))
        )
    ).all()
    return {seg.id: QuoteView(f"E-{seg.id}", names.scrub(seg.text), bool(ok)) for seg, ok in rows}


def _why_lines(item: RoadmapItem, titles: dict[str, str]) -> list[str]:
    why = item.why
    lines = []
    gap = why.get("gap")
    if item.origin == "custom":
        lines.append("Added by a consultant.")
    elif item.origin == "prerequisite":
        needed_by = [titles.get(k, k) for k in why.get("prerequisite_for", [])]
        lines.append("Prerequisite of: " + "; ".join(needed_by) + ".")
    if gap and gap.get("target"):
        lines.append(
            f"Gap: decided level {gap['decided']}, target {gap['target']} (this is the step "
            f"{gap['step'][0]} → {gap['step'][1]})."
        )
    if why.get("in_place"):
        lines.append("Already in place (decided levels): " + "; ".join(titles.get(k, k) for k in why["in_place"]) + ".")
    lines.extend(f"Readiness: {r}." for r in why.get("readiness", []))
    if why.get("note"):
        lines.append(why["note"][0].upper() + why["note"][1:] + ".")
    if why.get("equity_findings"):
        lines.append(f"Equity findings on this component: {why['equity_findings']}.")
    if why.get("placement"):
        lines.append("Placed: " + why["placement"] + ".")
    if not item.needed:
        lines.append("No longer needed by the decided levels and targets; kept because you edited it.")
    return lines


@dataclass(frozen=True, kw_only=True)
class RoadmapView(Page):
    """The roadmap page: targets and horizon, readiness, the phases with their items, the timeline;
    ``form`` holds what a refused readiness or custom-activity post typed (``custom-title``, ...)."""

    engagement: Engagement
    rubric: Rubric
    targets: list[TargetRow]
    horizon: int
    horizons: tuple[int, ...]
    phases: list[Phase]
    signals: list[SignalView]
    values: tuple[str, ...]
    by_phase: list[tuple[Phase, list[ItemView]]]
    removed: list[ItemView]
    planned: list[RoadmapItem]
    roadmap: RoadmapSummary | None  # the last generation (settings model)
    timeline_svg: str
    timeline_alt: str


def roadmap_page(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    form: dict[str, Any] | None = None,
) -> RoadmapView:
    """Everything the roadmap page shows (see the module docstring)."""
    names = scrubber_for(session, engagement)
    horizon = horizon_of(engagement)
    phases = phases_for(horizon)
    signals = readiness_mod.snapshot(session, engagement, rubric)
    items = items_of(session, engagement.id)
    ids = [sid for s in signals for side in ("for", "against") for sid in s.evidence.get("segments", {}).get(side, [])]
    ids += [q for i in items for q in i.why.get("quotes", [])]
    quotes = _quotes(session, engagement, ids, names)
    # a follow-up's roadmap is carried over from the earlier assessment: its items may name that one's themes
    here = set(session.exec(select(Theme.id).where(Theme.engagement_id == engagement.id)).all())
    by_phase, removed = _item_views(items, phases, {c.id: c.name for c in rubric.components}, quotes, here)
    fig, alt = timeline_chart(items, rubric, horizon)
    planned = [i for i in items if i.status == "planned"]
    return RoadmapView(
        engagement=engagement,
        rubric=rubric,
        targets=target_rows(session, engagement, rubric),
        horizon=horizon,
        horizons=HORIZONS,
        phases=phases,
        signals=_signal_views(signals, {k.id: k for k in rubric.readiness}, quotes),
        values=readiness_mod.VALUES,
        by_phase=by_phase,
        removed=removed,
        planned=planned,
        roadmap=settings_of(engagement).roadmap,
        timeline_svg=charts.to_svg(fig, "Roadmap timeline: activities per component and phase", alt, "timeline"),
        timeline_alt=alt,
        message=message,
        problems=problems or [],
        form=form or {},
    )


@dataclass(frozen=True, kw_only=True)
class ExportPanel(RunPanel):
    """The export run panel: the latest export run and the latest finished file to download."""

    kind: str = "export"
    download: Run | None
    formats: list[str]


def _distinct(ids: list[int], quotes: dict[int, QuoteView]) -> list[QuoteView]:
    """Up to three quotes, one per text (the demo and real staff repeat phrases)."""
    out, seen = [], set()
    for i in ids:
        if i in quotes and quotes[i].text not in seen:
            seen.add(quotes[i].text)
            out.append(quotes[i])
    return out[:3]


def _signal_views(
    signals: list[ReadinessSignal], kinds: dict[str, ReadinessKind], quotes: dict[int, QuoteView]
) -> list[SignalView]:
    """Each readiness signal with its name, question, effective value and quotes for and against."""
    views = []
    for s in signals:
        segs = s.evidence.get("segments", {})
        views.append(
            SignalView(
                s,
                kinds[s.kind].name if s.kind in kinds else s.kind,
                kinds[s.kind].question if s.kind in kinds else "",
                readiness_mod.effective(s),
                readiness_mod.changed_since_confirmed(s),
                _distinct(segs.get("for", []), quotes),
                _distinct(segs.get("against", []), quotes),
            )
        )
    return views


def _item_views(
    items: list[RoadmapItem],
    phases: list[Phase],
    comp_names: dict[str, str],
    quotes: dict[int, QuoteView],
    themes_here: set[int],
) -> tuple[list[tuple[Phase, list[ItemView]]], list[ItemView]]:
    """The roadmap's items as page rows, grouped by phase, and the removed ones apart; a theme is linked
    (``here``) only when it is one of this engagement's (``themes_here``), not an earlier assessment's."""
    titles = {i.key: i.title for i in items}
    by_key = {i.key: i for i in items}
    by_phase: list[tuple[Phase, list[ItemView]]] = [(p, []) for p in phases]
    removed = []
    for item in items:
        step = f"{item.from_level} → {item.from_level + 1}" if item.from_level and item.origin != "custom" else ""
        view = ItemView(
            item,
            comp_names.get(item.component, item.component),
            step,
            [(by_key[d].title, phases[min(by_key[d].phase, PHASES)].label) for d in item.depends_on if d in by_key],
            _item_themes(item, themes_here),
            [quotes[q] for q in item.why.get("quotes", []) if q in quotes],
            _why_lines(item, titles),
        )
        if item.status == "removed":
            removed.append(view)
        else:
            by_phase[min(item.phase, PHASES)][1].append(view)
    return by_phase, removed


def export_context(session: Session, engagement: Engagement) -> ExportPanel:
    """The latest export run (for the run panel) and the latest finished file to download."""
    run = latest_run(session, engagement.id, "export")
    done = session.exec(
        select(Run)
        .where(Run.engagement_id == engagement.id, Run.kind == "export", Run.status == "done")
        .order_by(col(Run.id).desc())
    ).first()
    return ExportPanel(
        engagement=engagement,
        run=run,
        running=bool(run and run.status in UNFINISHED),
        download=done,
        formats=list(FORMATS),
    )


def export_download(session: Session, engagement: Engagement, run_id: int) -> ExportFile | None:
    """The file of the engagement's finished export run ``run_id`` (kept in the database), or None
    when there is no such run or its file was deleted to keep only the newest."""
    run = session.get(Run, run_id)
    if run is None or run.engagement_id != engagement.id or run.kind != "export" or run.status != "done":
        return None
    return export_file(session, run)
