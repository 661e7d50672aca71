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

from assistant.equity.config import equity_settings
from assistant.equity.findings import SEVERITIES, findings_for, linkable_groups
from assistant.equity.left_out import left_out
from assistant.equity.participation import Table, participation
from assistant.equity.voice import rating_voice, theme_voice
from assistant.models import Engagement, Theme
from assistant.records.evidence import live_themes
from assistant.rubric import Rubric

# representation-ratio chart: one bar per shown group, a line at 1 (proportionate) and at the flag threshold
CHART = {"left": 250, "width": 420, "row": 26, "top": 28, "max": 2.0}

EQUITY_PAGES = (
    ("Participation and findings", ""),
    ("Voices in themes", "/themes"),
    ("Voices behind ratings", "/ratings"),
    ("Voices left out", "/left-out"),
)


@dataclass
class ChartBar:
    label: str
    y: int
    width: float
    ratio: float
    flagged: bool


def _chart(tables: list[Table], flag_ratio: float) -> dict[str, Any]:
    """Bars of the representation ratio of every shown group with a roster (capped at ``CHART['max']``)."""
    bars = []
    y = CHART["top"]
    for table in tables:
        for row in table.rows:
            if row.kind != "group" or row.ratio is None:  # a hidden submitted or roster count has no ratio
                continue
            bars.append(
                ChartBar(
                    f"{table.name}: {row.group}",
                    y,
                    CHART["width"] * min(row.ratio, CHART["max"]) / CHART["max"],
                    row.ratio,
                    bool(row.flag),
                )
            )
            y += CHART["row"]

    def x(ratio: float) -> float:
        return CHART["left"] + CHART["width"] * ratio / CHART["max"]

    return {"bars": bars, "height": y + 16, "one": x(1.0), "flag": x(flag_ratio), **CHART}


def _nav(engagement: Engagement) -> list[tuple[str, str]]:
    return [(name, f"/engagements/{engagement.id}/equity{tail}") for name, tail in EQUITY_PAGES]


def _base(engagement: Engagement, **extra: Any) -> dict[str, Any]:
    cfg = equity_settings(engagement)
    ctx: dict[str, Any] = {
        "engagement": engagement,
        "equity": cfg,
        "k": cfg.min_cell,
        "equity_nav": _nav(engagement),
        "problems": [],
        "message": None,
        "form": {},
    }
    ctx.update(extra)
    return ctx


def overview_context(session: Session, engagement: Engagement, rubric: Rubric, **extra: Any) -> dict[str, Any]:
    """The reviewer's first page: participation tables per grouping, the ratio chart, the
    engagement's findings and the choices of the finding form (components, live themes, named groups)."""
    cfg = equity_settings(engagement)
    tables = participation(session, engagement)
    themes = session.exec(live_themes(engagement.id, other=False).order_by(Theme.component, Theme.label)).all()
    return _base(
        engagement,
        tables=tables,
        chart=_chart(tables, cfg.flag_ratio),
        findings=findings_for(session, engagement.id),
        components=rubric.components,
        themes=list(themes),
        groups=linkable_groups(session, engagement),
        severities=SEVERITIES,
        **extra,
    )


def themes_context(session: Session, engagement: Engagement, rubric: Rubric) -> dict[str, Any]:
    """Voice share per theme, by component in rubric order."""
    voices = theme_voice(session, engagement, rubric)
    by_component = [(c, [v for v in voices if v.component == c.id]) for c in rubric.components]
    return _base(engagement, by_component=[(c, vs) for c, vs in by_component if vs])


def ratings_context(session: Session, engagement: Engagement, rubric: Rubric) -> dict[str, Any]:
    """Voices behind each component's proposal and decided level."""
    return _base(engagement, ratings=rating_voice(session, engagement, rubric))


def left_out_context(session: Session, engagement: Engagement, rubric: Rubric) -> dict[str, Any]:
    """Other voices, merged themes and groups never cited."""
    return _base(engagement, gone=left_out(session, engagement, rubric))
