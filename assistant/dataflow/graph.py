"""The map as a networkx graph: systems, departments and the public as nodes, flows as edges (one per
pair of ends and method, so a re-typed and an automatic hand-off between the same two ends stay two
edges), weighted by how many people described them. Views of it: filters, a one- or two-hop
neighbourhood, and the department-level collapse used when a figure would pass ``MAX_FIGURE_NODES``.
The hops and the graph itself are built below the stages (``records/handoffs.py``), where the rating
reads them too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import networkx as nx

from assistant.records.handoffs import Hop, build, hops, labels, node_id, node_labels

__all__ = ["MAX_FIGURE_NODES", "Hop", "around", "build", "by_department", "filtered", "home_department", "hops"]
__all__ += ["labels", "node_id", "node_labels", "search"]

MAX_FIGURE_NODES = 30


def filtered(g: nx.MultiDiGraph, *, department: str = "", method: str = "") -> nx.MultiDiGraph:
    """The edges described by people of ``department`` (or touching it) and moving by ``method``; blank: all."""
    keep = [
        (u, v, k)
        for u, v, k, d in g.edges(keys=True, data=True)
        if (not method or d["method"] == method)
        and (not department or department in d["department_names"] or f"department:{department}" in (u, v))
    ]
    return g.edge_subgraph(keep).copy()


def around(g: nx.MultiDiGraph, node: str, hops_out: int = 1) -> nx.MultiDiGraph:
    """The one- or two-hop neighbourhood of ``node`` (edges either way); empty when it is not on the map."""
    if node not in g:
        return nx.MultiDiGraph()
    return nx.ego_graph(g, node, radius=max(1, min(hops_out, 2)), undirected=True).copy()


def search(g: nx.MultiDiGraph, text: str) -> list[str]:
    """Nodes whose label contains ``text`` (any case), by label."""
    text = text.strip().lower()
    found = [n for n, d in g.nodes(data=True) if text and text in d["label"].lower()]
    return sorted(found, key=lambda n: g.nodes[n]["label"].lower())


def home_department(g: nx.MultiDiGraph, node: str, owners: dict[str, str]) -> str:
    """The department a system belongs to in the collapsed view: its owner department when set, else the
    department of most of the people whose flows touch it."""
    if owners.get(node):
        return owners[node]
    counts: Counter[str] = Counter()
    for _u, _v, d in (*g.in_edges(node, data=True), *g.out_edges(node, data=True)):
        counts.update(d["department_names"])
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else "(not given)"


def by_department(all_hops: list[Hop], g: nx.MultiDiGraph, owners: dict[str, str]) -> nx.MultiDiGraph:
    """The department-level view of ``g`` (built from ``all_hops``): each system folded into its
    ``home_department``; hand-offs inside one department disappear, the rest add up."""
    where = {
        n: f"department:{home_department(g, n, owners)}" if d["kind"] == "system" else n for n, d in g.nodes(data=True)
    }
    moved = [replace(h, source=where.get(h.source, h.source), target=where.get(h.target, h.target)) for h in all_hops]
    names = {n: n.split(":", 1)[1] for n in where.values() if n != "public"}
    return build([h for h in moved if h.source != h.target], names)
