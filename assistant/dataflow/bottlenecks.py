"""Bottlenecks: the hand-offs that cost a city most, ranked from the map, each with its score's parts.

One bottleneck is one edge of the map (two ends and a method). Its score is

    hours a year x method weight x department factor x single-point factor

- hours a year: what the people who describe it spend on it (``vocab.hours_a_year``: runs a year x
  minutes, plus fixes and chases), summed over them, so more people doing it costs more;
- method weight (``vocab.METHOD_WEIGHT``): re-typing and paper 2, email 1.5, export/import and shared
  drive 1, automatic 0.2;
- department factor: 1 + 0.5 per department beyond the first among the people describing it (a hand-off
  that crosses departments is one nobody owns);
- single-point factor: 1.5 when a note says only one person can do it ("only Dave can run the export").

``manual_hubs`` lists the systems with several manual hand-offs (where one interface would remove
many). Pure over the graph (``graph.build``); the quotes behind a bottleneck are its flows' notes, scrubbed by
the page that shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import networkx as nx

from assistant.dataflow.vocab import MANUAL, METHOD_WEIGHT

SINGLE_POINT = re.compile(
    r"\bonly\s+(?:one\s+(?:person|of us)|[A-Z][a-z]+|she|he|they|i)\s+(?:can|knows?|has|runs?|does|is able)\b"
    r"|\bsingle point of failure\b|\bif\s+\w+\s+is\s+(?:out|off|on leave|sick)\b",
    re.IGNORECASE,
)
SINGLE_POINT_FACTOR = 1.5


@dataclass(frozen=True)
class Bottleneck:
    """One ranked hand-off and the parts of its score."""

    source: str
    target: str
    source_label: str
    target_label: str
    method: str
    hours: float
    weight: float
    departments: int
    department_factor: float
    single_point: bool
    people: int
    flow_ids: tuple[int, ...]
    notes: tuple[str, ...]
    score: float

    @property
    def about(self) -> str:
        return f"{self.source_label} \u2192 {self.target_label}"


def single_point(notes: list[str]) -> bool:
    """True when a note says only one person can do the hand-off."""
    return any(SINGLE_POINT.search(n) for n in notes)


def score_edge(hours: float, method: str, departments: int, spof: bool) -> tuple[float, float, float]:
    """(score, method weight, department factor) for one edge."""
    weight = METHOD_WEIGHT.get(method, 1.0)
    factor = 1 + 0.5 * max(0, departments - 1)
    return hours * weight * factor * (SINGLE_POINT_FACTOR if spof else 1.0), weight, factor


def rank(g: nx.MultiDiGraph) -> list[Bottleneck]:
    """Every edge of ``g`` as a bottleneck, highest score first (ties: more people, then by ends)."""
    out = []
    for u, v, d in g.edges(data=True):
        spof = single_point(d["notes"])
        score, weight, factor = score_edge(d["hours"], d["method"], d["departments"], spof)
        out.append(
            Bottleneck(
                source=u,
                target=v,
                source_label=g.nodes[u]["label"],
                target_label=g.nodes[v]["label"],
                method=d["method"],
                hours=round(d["hours"], 1),
                weight=weight,
                departments=d["departments"],
                department_factor=factor,
                single_point=spof,
                people=d["people"],
                flow_ids=tuple(d["flow_ids"]),
                notes=tuple(d["notes"]),
                score=round(score, 1),
            )
        )
    return sorted(out, key=lambda b: (-b.score, -b.people, b.source_label, b.target_label, b.method))


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
