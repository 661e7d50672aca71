"""The report's two figures, the maturity profile and the roadmap timeline: each a chart with its
caption and text alternative, drawn from the same rows the report's tables show. The roadmap page
draws its timeline with ``timeline_chart`` too, so page and report cannot disagree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from assistant import charts
from assistant.report.model import ComponentSection, Figure
from assistant.roadmap.targets import phases_for
from assistant.rubric import Rubric


def profile_figure(components: Sequence[ComponentSection], rubric: Rubric, organisation: str) -> Figure:
    rows = [charts.ProfileRow(c.name, c.decided, c.target if c.decided else None) for c in components]
    fig = charts.profile_figure(rows, [lvl.name for lvl in rubric.levels])
    alt = "; ".join(
        f"{c.name}: " + (f"decided {c.decided}, target {c.target}" if c.decided else "awaiting review")
        for c in components
    )
    caption = f"Maturity profile of {organisation}: decided level and target per component"
    return Figure(caption, alt, fig, "profile")


def timeline_bars(items: list, rubric: Rubric, horizon: int) -> tuple[list[str], list[charts.TimelineBar]]:
    """Component names and (component, phase) bars with activity counts for the timeline chart."""
    phase_defs = phases_for(horizon)
    counts: Counter = Counter((i.component, min(i.phase, len(phase_defs) - 1)) for i in items if i.status == "planned")
    names = [c.name for c in rubric.components]
    bars = []
    for comp in rubric.components:
        for p in phase_defs:
            n = counts.get((comp.id, p.index), 0)
            if n:
                bars.append(charts.TimelineBar(comp.name, p.start, p.end or horizon, n, beyond=p.end is None))
    return names, bars


def timeline_chart(items: list, rubric: Rubric, horizon: int) -> tuple[charts.Figure, str]:
    """The timeline figure and its text alternative (used by the roadmap page and the report)."""
    names, bars = timeline_bars(items, rubric, horizon)
    edges = [p.end for p in phases_for(horizon) if p.end is not None]
    fig = charts.timeline_figure(names, bars, horizon, edges[:-1])
    alt = (
        "; ".join(
            f"{b.component}: {b.count} in " + (f"{b.start}-{b.end} months" if not b.beyond else "beyond the horizon")
            for b in bars
        )
        or "no activities planned"
    )
    return fig, alt


def timeline_figure(items: list, rubric: Rubric, horizon: int, organisation: str) -> Figure:
    fig, alt = timeline_chart(items, rubric, horizon)
    caption = f"Roadmap timeline of {organisation}: activities per component and phase over {horizon} months"
    return Figure(caption, alt, fig, "timeline")
