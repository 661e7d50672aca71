"""The map's downloads: nodes and edges as CSV (the formula-safe writer), the graph as GraphML and JSON,
the catalogue as CSV. Only counts leave: no participant, no note; the caller passes the graph it may
show (a reviewer's graph has its small edges pooled first).
"""

from __future__ import annotations

import io
import json

import networkx as nx

from assistant.dataflow.vocab import SHORT_METHODS
from assistant.security import csv_text

NODE_FIELDS = ("id", "kind", "label", "people")
EDGE_FIELDS = ("source", "target", "method", "people", "departments", "flows", "hours_a_year")


def plain(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``g`` with only the exported attributes (scalars: GraphML holds nothing else)."""
    out = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        out.add_node(
            n,
            kind=d["kind"],
            label=d["label"],
            people=str(d["people"]) if isinstance(d["people"], str) else int(d["people"]),
        )
    for u, v, k, d in g.edges(keys=True, data=True):
        out.add_edge(
            u, v, key=k, method=d["method"], people=d["people"] if isinstance(d["people"], str) else int(d["people"]),
            departments=d["departments"] if isinstance(d["departments"], str) else int(d["departments"]),
            flows=int(d["flows"]), hours_a_year=round(float(d["hours"]), 1),
        )  # fmt: skip
    return out


def nodes_csv(g: nx.MultiDiGraph) -> str:
    p = plain(g)
    return csv_text(
        NODE_FIELDS, ([n, d["kind"], d["label"], d["people"]] for n, d in sorted(p.nodes(data=True))), bom=True
    )


def edges_csv(g: nx.MultiDiGraph) -> str:
    p = plain(g)
    rows = (
        [
            u,
            v,
            SHORT_METHODS.get(d["method"], d["method"]),
            d["people"],
            d["departments"],
            d["flows"],
            d["hours_a_year"],
        ]
        for u, v, d in sorted(p.edges(data=True), key=lambda e: (e[0], e[1], e[2]["method"]))
    )
    return csv_text(EDGE_FIELDS, rows, bom=True)


def graphml(g: nx.MultiDiGraph) -> bytes:
    """GraphML that ``networkx.read_graphml`` reads back (a multigraph keyed by method)."""
    buf = io.BytesIO()
    nx.write_graphml(plain(g), buf)
    return buf.getvalue()


def graph_json(g: nx.MultiDiGraph) -> str:
    """networkx's node-link JSON of the exported attributes."""
    return json.dumps(nx.node_link_data(plain(g), edges="edges"), indent=2, ensure_ascii=False, sort_keys=True)


CATALOGUE_FIELDS = ("id", "name", "aliases", "vendor", "owner_department", "people", "known_product")


def catalogue_csv(rows: list[tuple[str, str, list[str], str, str, int | str, str]]) -> str:
    """The catalogue, one system a line, aliases joined by " | "."""
    return csv_text(CATALOGUE_FIELDS, ([k, n, " | ".join(a), v, o, p, kp] for k, n, a, v, o, p, kp in rows), bom=True)
