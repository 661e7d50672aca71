"""The report's charts, defined once with matplotlib and used by the web pages (SVG) and the
documents (SVG in HTML/PDF, PNG in DOCX).

Both charts take plain data (``ProfileRow``, ``TimelineBar``) so the page and every export draw
the same thing from the same numbers. Colours are the Okabe-Ito palette (``assistant.charts``),
readable with the common colour-vision deficiencies; every chart also has a text alternative.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure  # used without pyplot: no global figure state, safe in worker threads

from assistant.charts import PALETTE

matplotlib.rcParams.update(
    {"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none", "svg.hashsalt": "dm3"}
)


@dataclass(frozen=True)
class ProfileRow:
    component: str
    decided: int | None  # None: awaiting review
    target: int | None


@dataclass(frozen=True)
class TimelineBar:
    component: str
    start: int  # months
    end: int
    count: int
    beyond: bool = False


def profile_figure(rows: list[ProfileRow], level_names: list[str]) -> Figure:
    """Decided level (filled square) and target (open diamond) per component on the 1-5 scale;
    a component awaiting review shows that text instead of a marker."""
    fig = Figure(figsize=(7.0, 0.45 * len(rows) + 1.1), dpi=150)
    ax = fig.add_subplot()
    ys = list(range(len(rows)))[::-1]
    for y, row in zip(ys, rows, strict=False):
        ax.plot([1, 5], [y, y], color="#eef1f6", linewidth=7, solid_capstyle="round", zorder=1)
        if row.decided is None:
            ax.text(3, y, "awaiting review", ha="center", va="center", color="#666", style="italic", zorder=3)
            continue
        if row.target is not None and row.target > row.decided:
            ax.annotate(
                "",
                xy=(row.target, y),
                xytext=(row.decided, y),
                arrowprops={"arrowstyle": "->", "color": PALETTE[1], "lw": 1.5},
                zorder=2,
            )
        if row.target is not None:
            ax.scatter(
                [row.target],
                [y],
                marker="D",
                s=70,
                facecolors="white",
                edgecolors=PALETTE[5],
                linewidths=1.8,
                zorder=4,
                label="target",
            )
        ax.scatter([row.decided], [y], marker="s", s=60, color=PALETTE[2], zorder=5, label="decided")
    ax.set_yticks(ys, [r.component for r in rows])
    ax.set_xticks(range(1, 6), [f"{i}\n{name}" for i, name in enumerate(level_names, start=1)])
    ax.set_xlim(0.6, 5.4)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=False))
    if unique:
        ax.legend(unique.values(), unique.keys(), loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def timeline_figure(components: list[str], bars: list[TimelineBar], horizon: int, phase_edges: list[int]) -> Figure:
    """Activities per component and phase as bars across the months of the horizon (a Gantt-style
    view); work beyond the horizon is hatched past its end. Each bar is labelled with its count."""
    fig = Figure(figsize=(7.0, 0.45 * len(components) + 1.2), dpi=150)
    ax = fig.add_subplot()
    ys = {name: y for y, name in zip(range(len(components))[::-1], components, strict=False)}
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(components)}
    beyond_end = horizon + max(6, horizon // 4)
    for bar in bars:
        end = beyond_end if bar.beyond else bar.end
        ax.barh(
            ys[bar.component],
            end - bar.start,
            left=bar.start,
            height=0.6,
            color=colours[bar.component],
            alpha=0.35 if bar.beyond else 0.85,
            hatch="//" if bar.beyond else None,
            edgecolor="white",
        )
        ax.text(
            (bar.start + end) / 2,
            ys[bar.component],
            str(bar.count),
            ha="center",
            va="center",
            color="#111",
            fontsize=9,
            fontweight="bold",
        )
    for edge in phase_edges:
        ax.axvline(edge, color="#999", linewidth=0.8, linestyle="--", zorder=0)
    ax.axvline(horizon, color="#333", linewidth=1.0, zorder=0)
    ax.set_yticks(list(ys.values()), list(ys.keys()))
    ax.set_xticks(sorted({0, *phase_edges, horizon}))
    ax.set_xlim(0, beyond_end)
    ax.set_ylim(-0.7, len(components) - 0.3)
    ax.set_xlabel("months from the start (bar labels: activities; hatched: beyond the horizon)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def to_svg(fig: Figure, title: str = "", prefix: str = "c") -> str:
    """The figure as an inline SVG element (no XML prologue), with ``title`` as its accessible name.

    Element ids get ``prefix`` so two charts inline in one page never share an id."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Title": title or None})
    svg = buf.getvalue()
    svg = svg[svg.find("<svg") :]
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if ids:
        names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'(\bid="|url\(#|href="#)({names})(?=[")])', rf"\g<1>{prefix}-\g<2>", svg)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1width="100%"', svg, count=1)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (150 dpi) for documents that take images."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
