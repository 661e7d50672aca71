"""The map drawn by Graphviz (``dot``): SVG for the page, PNG at 200 dpi for the DOCX report, from one
source so the page and the report agree.

Manual hand-offs stand out: re-typed and paper red and dashed, email and shared drive orange,
export/import blue, automatic grey; an edge's width grows with the people who described it. The SVG
keeps Graphviz's presentation attributes (``fill=``, ``stroke=``) and loses any ``style=`` attribute
and script, so it renders under the product's CSP (``style-src 'self'``) served as an image.
"""

from __future__ import annotations

import re

import graphviz
import networkx as nx

from assistant.dataflow.vocab import SHORT_METHODS

EDGE_STYLE: dict[str, tuple[str, str]] = {  # method -> (colour, line style)
    "retyped": ("#b00020", "dashed"),
    "paper": ("#b00020", "dashed"),
    "email": ("#c25e00", "solid"),
    "shared_drive": ("#c25e00", "solid"),
    "export_import": ("#1f5fa8", "solid"),
    "automatic": ("#8a8a8a", "solid"),
}
NODE_STYLE: dict[str, tuple[str, str]] = {  # kind -> (shape, fill)
    "system": ("box", "#eef3fb"),
    "department": ("ellipse", "#f4f1e8"),
    "public": ("diamond", "#eaf5ea"),
}


def dot_source(g: nx.MultiDiGraph, highlight: str | None = None) -> graphviz.Digraph:
    """The Graphviz graph of ``g``: left to right, nodes in a stable order (by id) so a re-draw is the same."""
    d = graphviz.Digraph(
        "dataflow", graph_attr={"rankdir": "LR", "bgcolor": "white", "fontname": "Helvetica", "nodesep": "0.3"}
    )
    d.attr("node", fontname="Helvetica", fontsize="11", style="filled", penwidth="1")
    d.attr("edge", fontname="Helvetica", fontsize="9")
    for n in sorted(g.nodes):
        data = g.nodes[n]
        shape, fill = NODE_STYLE.get(data["kind"], ("box", "#ffffff"))
        label = data["label"] if len(data["label"]) <= 28 else data["label"][:27] + "\u2026"
        d.node(
            _safe(n),
            label=f"{label}\n{data['people']} people",
            shape=shape,
            fillcolor=fill,
            penwidth="3" if n == highlight else "1",
        )
    for u, v, k in sorted(g.edges(keys=True)):
        e = g.edges[u, v, k]
        colour, line = EDGE_STYLE.get(e["method"], ("#444444", "solid"))
        people = e["people"] if isinstance(e["people"], int) else 1  # a reviewer's pooled "fewer than k"
        width = str(round(1 + min(people, 8) * 0.6, 1))
        d.edge(
            _safe(u),
            _safe(v),
            label=f"{SHORT_METHODS.get(e['method'], e['method'])} ({e['people']})",
            color=colour,
            fontcolor=colour,
            style=line,
            penwidth=width,
        )
    return d


def _safe(node: str) -> str:
    """A node id Graphviz reads as one name (its own quoting handles the rest)."""
    return node.replace(":", "_")


_STYLE_ATTR = re.compile(r'\sstyle="[^"]*"')
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


def svg(g: nx.MultiDiGraph, highlight: str | None = None) -> str:
    """The map as SVG text safe under the CSP (no ``style=`` attributes, no scripts); an empty map is a
    one-line SVG saying so."""
    if g.number_of_nodes() == 0:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="40" viewBox="0 0 360 40">'
            '<text x="10" y="25" font-family="Helvetica" font-size="14">No flows to show yet.</text></svg>'
        )
    out = dot_source(g, highlight).pipe(format="svg", encoding="utf-8")
    return _SCRIPT.sub("", _STYLE_ATTR.sub("", out))


def png(g: nx.MultiDiGraph, dpi: int = 200) -> bytes:
    """The map as PNG at ``dpi`` (the DOCX report embeds PNG: python-docx cannot embed SVG)."""
    d = dot_source(g)
    d.graph_attr["dpi"] = str(dpi)
    return d.pipe(format="png")
