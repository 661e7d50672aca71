"""Equity reviewer pages' data: participation (with its chart), voice share in themes and in the
evidence behind ratings, voices left out, and findings with the form's choices.

Read-only. Everything here comes from ``assistant.equity`` and so has passed the suppression
rule; nothing names, contacts or quotes an identified person (no emails, tokens, participant
labels or transcript links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from assistant import charts
from assistant.equity.config import EquitySettings, equity_settings
from assistant.equity.findings import SEVERITIES, findings_for, linkable_groups
from assistant.equity.left_out import LeftOut, left_out
from assistant.equity.participation import Table, participation
from assistant.equity.voice import RatingVoice, ThemeVoice, rating_voice, theme_voice
from assistant.models import Engagement, EquityFinding, Theme
from assistant.records.evidence import live_themes
from assistant.rubric import Component, Rubric
from assistant.views import Page

EQUITY_PAGES = (
    ("Participation and findings", ""),
    ("Voices in themes", "/themes"),
    ("Voices behind ratings", "/ratings"),
    ("Voices left out", "/left-out"),
    ("Data flows", "/dataflow"),
    ("Over time", "/over-time"),
)


RATIO_CAP = 2.0  # the chart's bars stop here; the table gives the exact ratio


def _chart(tables: list[Table], flag_ratio: float) -> str | None:
    """The representation ratio of every shown group with a roster as an inline SVG bar chart, its
    numbers in words as the text alternative; None when no group has a ratio."""
    bars = [
        charts.RatioBar(f"{table.name}: {row.group}", row.ratio, bool(row.flag))
        for table in tables
        for row in table.rows
        if row.kind == "group" and row.ratio is not None  # a hidden submitted or roster count has no ratio
    ]
    if not bars:
        return None
    desc = "; ".join(f"{b.label}: {b.ratio:.2f}" + (" (flagged)" if b.flagged else "") for b in bars)
    fig = charts.ratio_figure(bars, flag_ratio, RATIO_CAP)
    return charts.to_svg(fig, "Representation ratio per group (1 is proportionate)", desc, "ratio")


def equity_nav(engagement: Engagement) -> list[tuple[str, str]]:
    """(label, href) of the equity reviewer's pages."""
    return [(name, f"/engagements/{engagement.id}/equity{tail}") for name, tail in EQUITY_PAGES]


@dataclass(frozen=True, kw_only=True)
class EquityView(Page):
    """What every equity page shows: the engagement, its equity settings and threshold ``k``, the
    pages' navigation."""

    engagement: Engagement
    equity: EquitySettings
    k: int
    equity_nav: list[tuple[str, str]]


def _base(engagement: Engagement) -> dict[str, Any]:
    cfg = equity_settings(engagement)
    return {"engagement": engagement, "equity": cfg, "k": cfg.min_cell, "equity_nav": equity_nav(engagement)}


@dataclass(frozen=True, kw_only=True)
class EquityOverview(EquityView):
    """The reviewer's first page: participation tables per grouping, the ratio chart, the findings
    and the finding form's choices (components, live themes, named groups, severities)."""

    tables: list[Table]
    chart: str | None  # the ratio chart as inline SVG; None when no group has a ratio
    ratio_cap: float  # where the chart's bars stop
    findings: list[EquityFinding]
    components: list[Component]
    themes: list[Theme]
    groups: list[str]
    severities: tuple[str, ...]


def overview_context(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    form: dict[str, Any] | None = None,
) -> EquityOverview:
    """The reviewer's first page (see ``EquityOverview``); a refused finding's ``problems`` and ``form``."""
    cfg = equity_settings(engagement)
    tables = participation(session, engagement)
    themes = session.exec(live_themes(engagement.id, other=False).order_by(Theme.component, Theme.label)).all()
    return EquityOverview(
        **_base(engagement),
        tables=tables,
        chart=_chart(tables, cfg.flag_ratio),
        ratio_cap=RATIO_CAP,
        findings=findings_for(session, engagement.id),
        components=rubric.components,
        themes=list(themes),
        groups=linkable_groups(session, engagement),
        severities=SEVERITIES,
        message=message,
        problems=problems or [],
        form=form or {},
    )


@dataclass(frozen=True, kw_only=True)
class ThemeVoices(EquityView):
    """Voice share per theme, by component in rubric order (components without themes left out)."""

    by_component: list[tuple[Component, list[ThemeVoice]]]


def themes_context(session: Session, engagement: Engagement, rubric: Rubric) -> ThemeVoices:
    """Voice share per theme, by component in rubric order."""
    voices = theme_voice(session, engagement, rubric)
    by_component = [(c, [v for v in voices if v.component == c.id]) for c in rubric.components]
    return ThemeVoices(**_base(engagement), by_component=[(c, vs) for c, vs in by_component if vs])


@dataclass(frozen=True, kw_only=True)
class RatingVoices(EquityView):
    """Voices behind each component's proposal and decided level."""

    ratings: list[RatingVoice]


def ratings_context(session: Session, engagement: Engagement, rubric: Rubric) -> RatingVoices:
    """Voices behind each component's proposal and decided level."""
    return RatingVoices(**_base(engagement), ratings=rating_voice(session, engagement, rubric))


@dataclass(frozen=True, kw_only=True)
class LeftOutView(EquityView):
    """Other voices, merged themes and groups never cited."""

    gone: LeftOut


def left_out_context(session: Session, engagement: Engagement, rubric: Rubric) -> LeftOutView:
    """Other voices, merged themes and groups never cited."""
    return LeftOutView(**_base(engagement), gone=left_out(session, engagement, rubric))
