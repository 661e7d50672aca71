"""Geometry for server-rendered SVG charts (the templates draw; this module only measures).

Stacked horizontal bars: one row per item, one or more bars per row, each split into coloured
parts. Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); a pooled "groups under k" part is always grey so it never reads as a group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#332288")
POOLED = "#9aa3b5"
POOLED_PREFIX = "groups under"


@dataclass
class Part:
    group: str
    value: int
    x: float
    width: float
    colour: str


@dataclass
class Bar:
    name: str  # what the bar splits by, e.g. "role level"
    y: float
    total: int
    parts: list[Part] = field(default_factory=list)


@dataclass
class Row:
    label: str
    href: str
    y: float
    bars: list[Bar] = field(default_factory=list)


@dataclass
class StackedChart:
    width: int
    height: int
    left: int
    bar_height: int
    rows: list[Row]
    legend: list[tuple[str, float, float, str]]  # (text, x, y, colour; "" for a heading)
    scale_max: int


def _colours(groups: Sequence[str]) -> dict[str, str]:
    names = sorted({g for g in groups if not g.startswith(POOLED_PREFIX)})
    out = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(names)}
    out.update({g: POOLED for g in groups if g.startswith(POOLED_PREFIX)})
    return out


def stacked_bars(
    items: Sequence[tuple[str, str, dict[str, list[tuple[str, int]]]]],
    width: int = 680,
    left: int = 230,
    bar_height: int = 12,
    gap: int = 14,
) -> StackedChart:
    """Layout for ``items`` = (label, href, {bar name: [(group, value), ...]}).

    Every bar of every row shares one scale (the largest bar total), so lengths compare
    across rows. Colours are fixed per bar name and group, and the same in the legend.
    """
    names: list[str] = []
    groups: dict[str, list[str]] = {}
    for _, _, bars in items:
        for name, parts in bars.items():
            if name not in names:
                names.append(name)
            groups.setdefault(name, []).extend(g for g, _ in parts)
    colours = {name: _colours(groups[name]) for name in names}
    scale_max = max([sum(v for _, v in parts) for _, _, bars in items for parts in bars.values()] + [1])
    span = width - left - 40
    row_height = len(names) * (bar_height + 2) + gap
    rows = []
    for n, (label, href, bars) in enumerate(items):
        y = 24 + n * row_height
        row = Row(label=label if len(label) <= 34 else label[:33] + "…", href=href, y=y)
        for b, name in enumerate(names):
            parts = bars.get(name, [])
            bar = Bar(name=name, y=y + b * (bar_height + 2), total=sum(v for _, v in parts))
            x = float(left)
            for group, value in parts:
                w = span * value / scale_max
                bar.parts.append(Part(group=group, value=value, x=x, width=w, colour=colours[name][group]))
                x += w
            row.bars.append(bar)
        rows.append(row)
    # legend: a heading per bar name, then its groups three to a line
    legend: list[tuple[str, float, float, str]] = []
    y = 24 + len(items) * row_height + 12
    for name in names:
        legend.append((f"By {name}:", 0, y, ""))
        ordered = sorted(colours[name].items(), key=lambda kv: (kv[0].startswith(POOLED_PREFIX), kv[0]))
        for i, (group, colour) in enumerate(ordered):
            if i and i % 3 == 0:
                y += 18
            legend.append((group if len(group) <= 28 else group[:27] + "…", 110 + (i % 3) * 190, y, colour))
        y += 22
    return StackedChart(
        width=width, height=int(y), left=left, bar_height=bar_height, rows=rows, legend=legend, scale_max=scale_max
    )
