"""Every chart in the app and its documents, drawn once with matplotlib from plain data.

One library for all of them: the documents need pictures (PNG in DOCX) and the pages need SVG,
and matplotlib gives both from the same figure, so a page and an export cannot disagree.

The pages run under the product's Content-Security-Policy (``style-src 'self'``), which blocks
the ``style="..."`` attributes and the ``<style>`` element matplotlib writes into its SVG (the
browser then draws every shape black). ``to_svg`` therefore rewrites each CSS declaration as the
SVG presentation attribute of the same name (``fill``, ``stroke``, ``font-size``...), which no
policy blocks, drops the ``<style>`` element (its two rules become attributes on the root, where
they inherit) and keeps text as text (``svg.fonttype: none``), so the chart stays inline, searchable
and readable by a screen reader. Inline rather than an ``<img>`` of a chart route: no second
request that would need the page's own access checks, and the exported HTML/PDF stays one file.

Every chart carries a text alternative: ``role="img"``, a ``<title>`` naming it and a ``<desc>``
with its numbers. Charts hold no links (a link inside ``role="img"`` is a nested interactive
element); the page puts its links beside the chart.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies); a
pooled "groups under k" part is always grey so it never reads as a group.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # used without pyplot: no global figure state, safe in worker threads
from matplotlib.patches import Patch

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#332288")
POOLED = "#9aa3b5"
POOLED_PREFIX = "groups under"

matplotlib.rcParams.update(
    {"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none", "svg.hashsalt": "dm3"}
)

__all__ = [
    "Figure",
    "PALETTE",
    "ProfileRow",
    "RatioBar",
    "StackedRow",
    "TimelineBar",
    "levels_figure",
    "profile_figure",
    "ratio_figure",
    "stacked_figure",
    "timeline_figure",
    "to_png",
    "to_svg",
]


@dataclass(frozen=True)
class ProfileRow:
    component: str
    decided: int | None  # None: awaiting review
    target: int | None
    proposed: int | None = None  # the review page also shows the current proposal


@dataclass(frozen=True)
class TimelineBar:
    component: str
    start: int  # months
    end: int
    count: int
    beyond: bool = False


@dataclass(frozen=True)
class StackedRow:
    """One theme: its label and, per bar name ("role level", "department"), (group, people) parts."""

    label: str
    bars: dict[str, list[tuple[str, int]]]


@dataclass(frozen=True)
class RatioBar:
    label: str
    ratio: float
    flagged: bool


def _tidy(ax: Axes, keep: Sequence[str] = ("bottom",)) -> None:
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(side in keep)


def profile_figure(rows: list[ProfileRow], level_names: list[str]) -> Figure:
    """Decided level (filled square), target (open diamond) and, where given, the proposal (open
    circle) per component on the 1-5 scale; a component with nothing to mark says "awaiting review"."""
    fig = Figure(figsize=(7.0, 0.45 * len(rows) + 1.1), dpi=150)
    ax = fig.add_subplot()
    ys = list(range(len(rows)))[::-1]
    for y, row in zip(ys, rows, strict=False):
        ax.plot([1, 5], [y, y], color="#eef1f6", linewidth=7, solid_capstyle="round", zorder=1)
        if row.decided is None and row.proposed is None and row.target is None:
            ax.text(3, y, "awaiting review", ha="center", va="center", color="#666", style="italic", zorder=3)
            continue
        if row.decided is not None and row.target is not None and row.target > row.decided:
            arrow = {"arrowstyle": "->", "color": PALETTE[1], "lw": 1.5}
            ax.annotate("", xy=(row.target, y), xytext=(row.decided, y), arrowprops=arrow, zorder=2)
        if row.target is not None:
            ax.scatter([row.target], [y], marker="D", s=70, facecolors="white", edgecolors=PALETTE[5])
            ax.collections[-1].set(linewidths=1.8, zorder=4, label="target", gid=f"target-{y}")
        if row.proposed is not None:
            # drawn larger than the square, so a decision at the proposed level shows as a square in a ring
            ax.scatter([row.proposed], [y], marker="o", s=170, facecolors="white", edgecolors=PALETTE[0])
            ax.collections[-1].set(linewidths=2.2, zorder=4.5, label="proposed", gid=f"proposed-{y}")
        if row.decided is not None:
            ax.scatter(
                [row.decided], [y], marker="s", s=60, color=PALETTE[2], zorder=5, label="decided", gid=f"decided-{y}"
            )
    _level_scale(ax, ys, [r.component for r in rows], level_names, columns=3)
    fig.tight_layout()
    return fig


def levels_figure(rows: list[tuple[str, list[int | None]]], waves: list[str], level_names: list[str]) -> Figure:
    """Each component's decided level in every assessment (``waves``, oldest first): one marker per
    assessment on the 1-5 scale, joined oldest to newest; a level not decided is left out."""
    fig = Figure(figsize=(7.0, 0.45 * len(rows) + 1.1), dpi=150)
    ax = fig.add_subplot()
    ys = list(range(len(rows)))[::-1]
    markers = ("o", "s", "D", "^")
    for y, (_component, levels) in zip(ys, rows, strict=False):
        ax.plot([1, 5], [y, y], color="#eef1f6", linewidth=7, solid_capstyle="round", zorder=1)
        known = [lv for lv in levels if lv is not None]
        if len(known) > 1:
            ax.plot(known, [y] * len(known), color="#9aa3b5", linewidth=1.2, zorder=2)
        for n, level in enumerate(levels):
            if level is not None:
                colour = PALETTE[n % len(PALETTE)]
                ax.scatter([level], [y], marker=markers[n % 4], s=60, color=colour, zorder=3 + n, label=waves[n])
    _level_scale(ax, ys, [component for component, _ in rows], level_names, columns=4)
    fig.tight_layout()
    return fig


def _level_scale(ax: Axes, ys: list[int], components: list[str], level_names: list[str], *, columns: int) -> None:
    """The 1-5 level scale with its names along x, one component per row, and one legend entry per label."""
    ax.set_yticks(ys, components)
    ax.set_xticks(range(1, 6), [f"{i}\n{name}" for i, name in enumerate(level_names, start=1)])
    ax.set_xlim(0.6, 5.4)
    ax.set_ylim(-0.7, len(components) - 0.3)
    _tidy(ax)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=False))
    if unique:
        ax.legend(
            unique.values(), unique.keys(), loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=columns, frameon=False
        )


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
        y = ys[bar.component]
        ax.barh(
            y,
            end - bar.start,
            left=bar.start,
            height=0.6,
            color=colours[bar.component],
            alpha=0.35 if bar.beyond else 0.85,
            hatch="//" if bar.beyond else None,
            edgecolor="white",
        )
        ax.text((bar.start + end) / 2, y, str(bar.count), ha="center", va="center", color="#111", fontweight="bold")
    for edge in phase_edges:
        ax.axvline(edge, color="#999", linewidth=0.8, linestyle="--", zorder=0)
    ax.axvline(horizon, color="#333", linewidth=1.0, zorder=0)
    ax.set_yticks(list(ys.values()), list(ys.keys()))
    ax.set_xticks(sorted({0, *phase_edges, horizon}))
    ax.set_xlim(0, beyond_end)
    ax.set_ylim(-0.7, len(components) - 0.3)
    ax.set_xlabel("months from the start (bar labels: activities; hatched: beyond the horizon)")
    _tidy(ax, ("bottom", "left"))
    fig.tight_layout()
    return fig


def _colours(groups: Sequence[str], offset: int = 0) -> dict[str, str]:
    names = sorted({g for g in groups if not g.startswith(POOLED_PREFIX)})
    out = {g: PALETTE[(offset + i) % len(PALETTE)] for i, g in enumerate(names)}
    out.update({g: POOLED for g in groups if g.startswith(POOLED_PREFIX)})
    return out


def stacked_figure(rows: list[StackedRow]) -> Figure:
    """One row per theme with one bar per bar name (role level, department), each split into its
    groups; every bar shares one scale so lengths compare across rows, the bar's total at its end.
    Colours are fixed per bar name and group and named in the legend below."""
    names = list(dict.fromkeys(name for row in rows for name in row.bars))
    # each bar name starts at its own place in the palette, so a role and a department rarely share a colour
    colours = {n: _colours([g for row in rows for g, _ in row.bars.get(n, [])], 4 * b) for b, n in enumerate(names)}
    scale = max([sum(v for _, v in parts) for row in rows for parts in row.bars.values()] + [1])
    handles, pooled = [], None
    for name in names:
        for group, colour in sorted(colours[name].items()):
            if group.startswith(POOLED_PREFIX):
                pooled = Patch(color=colour, label=group)  # one grey entry, whichever bar it pools
            else:
                handles.append(Patch(color=colour, label=f"{name}: {group}"))
    handles += [pooled] if pooled else []
    legend_height = 0.2 * ((len(handles) + 1) // 2) + 0.1
    plot_height = 0.5 * len(rows) * max(1, len(names)) / 2 + 0.8
    fig = Figure(figsize=(7.0, plot_height + legend_height), dpi=150)
    ax = fig.add_subplot()
    height = 0.8 / max(1, len(names))
    ticks = []
    for n, row in enumerate(rows):
        base = len(rows) - 1 - n
        ticks.append(base)
        for b, name in enumerate(names):
            y = base + 0.4 - height * (b + 0.5)
            left = 0
            for group, value in row.bars.get(name, []):
                ax.barh(y, value, left=left, height=height * 0.92, color=colours[name][group])
                left += value
            ax.text(left + scale * 0.01, y, str(left), va="center", fontsize=8, color="#333")
    labels = [r.label if len(r.label) <= 40 else r.label[:39] + "…" for r in rows]
    ax.set_yticks(ticks, labels)
    ax.set_xlim(0, scale * 1.08)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("people")
    _tidy(ax)
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, legend_height / (plot_height + legend_height), 1, 1))
    return fig


def ratio_figure(bars: list[RatioBar], flag_ratio: float, cap: float = 2.0) -> Figure:
    """The representation ratio of each group as a bar (capped at ``cap``), a dashed line at 1
    (proportionate) and a dotted one at the flag threshold; flagged groups in orange."""
    fig = Figure(figsize=(7.0, 0.3 * len(bars) + 1.0), dpi=150)
    ax = fig.add_subplot()
    ys = list(range(len(bars)))[::-1]
    for y, bar in zip(ys, bars, strict=False):
        ax.barh(y, min(bar.ratio, cap), height=0.65, color=PALETTE[5] if bar.flagged else PALETTE[0])
        ax.text(min(bar.ratio, cap) + cap * 0.01, y, f"{bar.ratio:.2f}", va="center", fontsize=8)
    ax.axvline(1.0, color="#1d2433", linewidth=1, linestyle="--", label="1.0 proportionate")
    ax.axvline(flag_ratio, color=PALETTE[5], linewidth=1, linestyle=":", label=f"flag {flag_ratio:.2f}")
    ax.set_yticks(ys, [b.label for b in bars])
    ax.set_xlim(0, cap * 1.1)
    ax.set_ylim(-0.6, len(bars) - 0.4)
    ax.set_xlabel("representation ratio (share of voices / share of the roster)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    _tidy(ax)
    fig.tight_layout()
    return fig


_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')


def _as_attributes(match: re.Match[str]) -> str:
    """``style="fill: #fff; stroke: #000"`` as `` fill="#fff" stroke="#000"`` (presentation attributes)."""
    css = html.unescape(match.group(1))
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in _DECLARATION.findall(css))


def to_svg(fig: Figure, title: str, desc: str = "", prefix: str = "c") -> str:
    """The figure as an inline SVG element that draws under ``style-src 'self'``: no ``style``
    attribute, no ``<style>`` element, no script. ``title`` names it and ``desc`` (its numbers in
    words) describes it to a screen reader. Element ids get ``prefix`` so two charts inline in one
    page never share an id."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.find("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<defs>\s*</defs>", "", svg)
    svg = _STYLE_ATTR.sub(_as_attributes, svg)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if ids:
        names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'(\bid="|url\(#|href="#)({names})(?=[")])', rf"\g<1>{prefix}-\g<2>", svg)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1width="100%"', svg, count=1)
    labelled = f'aria-labelledby="{prefix}-title"' + (f' aria-describedby="{prefix}-desc"' if desc else "")
    root = f'<svg role="img" {labelled} stroke-linejoin="round" stroke-linecap="butt" '
    svg = svg.replace("<svg ", root, 1)
    head = f'<title id="{prefix}-title">{html.escape(title)}</title>'
    if desc:
        head += f'<desc id="{prefix}-desc">{html.escape(desc)}</desc>'
    start = svg.find(">") + 1
    return svg[:start] + head + svg[start:]


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (150 dpi) for documents that take images."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
