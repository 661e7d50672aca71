"""Bottlenecks: the hand-offs that cost a city most, ranked from the map, each with its score's parts.

The score and the ranking (``rank``, ``Bottleneck``, ``score_edge``) are below the stages in
``records/handoffs.py``, where the rating reads them as evidence; here are the map's own readings of
them: ``manual_hubs`` lists the systems with several manual hand-offs (where one interface would remove
many). Pure over the graph (``graph.build``); the quotes behind a bottleneck are its flows' notes,
scrubbed by the page that shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from assistant.dataflow.vocab import MANUAL
from assistant.records.handoffs import SINGLE_POINT, SINGLE_POINT_FACTOR, Bottleneck, rank, score_edge, single_point

__all__ = ["SINGLE_POINT", "SINGLE_POINT_FACTOR", "Bottleneck", "Hub", "manual_hubs", "rank", "score_edge"]
__all__ += ["single_point"]


@dataclass(frozen=True)
class Hub:
    """A system many manual hand-offs go in or out of: where automating one interface saves most."""

    node: str
    label: str
    manual_edges: int
    people: int
    hours: float


def manual_hubs(g: nx.MultiDiGraph, least: int = 2) -> list[Hub]:
    """Systems with at least ``least`` manual hand-offs (in or out), most first (then by people, label)."""
    out = []
    for n, data in g.nodes(data=True):
        if data["kind"] != "system":
            continue
        edges = [d for _u, _v, d in (*g.in_edges(n, data=True), *g.out_edges(n, data=True)) if d["method"] in MANUAL]
        if len(edges) >= least:
            people = len(set().union(*(d["participants"] for d in edges)))
            out.append(Hub(n, data["label"], len(edges), people, round(sum(d["hours"] for d in edges), 1)))
    return sorted(out, key=lambda h: (-h.manual_edges, -h.people, h.label))
