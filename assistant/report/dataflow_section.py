"""The report's data-flow section: a figure of the map that stays legible on a page (at most
``graph.MAX_FIGURE_NODES`` nodes; beyond that the department-level view), and the bottleneck table.

Kept apart from the rest of the report so the section can be hooked into any report layout: the
figure is SVG for HTML and PDF, PNG at 200 dpi for DOCX (python-docx cannot embed SVG), both drawn by
Graphviz from one source (``dataflow.layout``). The report goes to the organisation, so every count of
people in the table passes ``suppression.suppress`` with the engagement's k, and no note or quote is
shown (the consultant's bottleneck page has those).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
from sqlmodel import Session

from assistant.dataflow import bottlenecks as B
from assistant.dataflow import graph as G
from assistant.dataflow import layout
from assistant.dataflow.store import systems_of
from assistant.dataflow.vocab import SHORT_METHODS
from assistant.models import Engagement
from assistant.records.engagements import min_cell_of
from assistant.suppression import suppress

TABLE_ROWS = 10


@dataclass
class DataflowSection:
    """The section's figure (``graph``: drawn on first use) and its table rows."""

    graph: nx.MultiDiGraph
    department_level: bool
    rows: list[tuple[str, str, str, str, str]]  # (hand-off, how, hours a year, people, score)
    flows: int

    @property
    def caption(self) -> str:
        level = (
            f"departments (the systems map has more than {G.MAX_FIGURE_NODES} nodes)"
            if self.department_level
            else "systems and departments"
        )
        return f"How data moves between {level}; red dashed lines are re-typed or paper hand-offs."

    @property
    def alt(self) -> str:
        nodes, edges = self.graph.number_of_nodes(), self.graph.number_of_edges()
        return f"Data-flow map with {nodes} nodes and {edges} hand-offs; the table lists the largest bottlenecks."

    @cached_property
    def svg(self) -> str:
        return layout.svg(self.graph)

    @property
    def inline_svg(self) -> str:
        """The SVG element alone (no XML prolog or DOCTYPE), to sit inside the report's HTML, named as
        an image with the text alternative (as every chart of the report is)."""
        element = self.svg[self.svg.find("<svg") :]
        return element.replace("<svg", f'<svg role="img" aria-label="{html.escape(self.alt)}"', 1)

    @cached_property
    def png(self) -> bytes:
        return layout.png(self.graph)


def build_section(session: Session, engagement: Engagement) -> DataflowSection | None:
    """The data-flow section of ``engagement``'s report; None when no one described a flow."""
    all_hops = G.hops(session, engagement.id)
    if not all_hops:
        return None
    systems = systems_of(session, engagement.id)
    whole = G.build(all_hops, G.node_labels(session, engagement))
    shown, department_level = whole, False
    if whole.number_of_nodes() > G.MAX_FIGURE_NODES:
        owners = {f"system:{s.key}": s.owner_department for s in systems.values() if s.owner_department}
        shown, department_level = G.by_department(all_hops, whole, owners), True
    ranked = B.rank(whole)[:TABLE_ROWS]
    people = suppress({str(n): b.people for n, b in enumerate(ranked)}, k=min_cell_of(engagement))
    rows = [
        (b.about, SHORT_METHODS.get(b.method, b.method), f"{b.hours:g}", str(people.get(str(n), 0)), f"{b.score:g}")
        for n, b in enumerate(ranked)
    ]
    return DataflowSection(shown, department_level, rows, len({h.flow_id for h in all_hops}))
