"""The map as a networkx graph: systems, departments and the public as nodes, flows as edges (one per
pair of ends and method, so a re-typed and an automatic hand-off between the same two ends stay two
edges), weighted by how many people described them. Views of it: filters, a one- or two-hop
neighbourhood, and the department-level collapse used when a figure would pass ``MAX_FIGURE_NODES``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

import networkx as nx
from sqlmodel import Session, col, select

from assistant.dataflow.store import canonical, systems_of
from assistant.dataflow.vocab import PUBLIC, hours_a_year
from assistant.models import Engagement, Flow, Participant, System, SystemMention
from assistant.records.engagements import scrubber_for

MAX_FIGURE_NODES = 30


@dataclass(frozen=True)
class Hop:
    """One hand-off of one flow, its ends resolved to node ids ("system:SYS-3", "department:Finance", "public")."""

    flow_id: int
    participant_id: int
    department: str
    source: str
    target: str
    method: str
    hours: float
    note: str


def node_id(kind: str, ref: str) -> str:
    return "public" if kind == "public" else f"{kind}:{ref}"


def _system_node(mention_id: int | None, mention_system: dict[int, int | None], keys: dict[int, str]) -> str | None:
    system_id = mention_system.get(mention_id) if mention_id is not None else None
    return f"system:{keys[system_id]}" if system_id is not None and system_id in keys else None


def hops(session: Session, engagement_id: int) -> list[Hop]:
    """Every counted hand-off (confirmed flows of people who have not withdrawn): source -> system and
    system -> target for each flow, in flow order."""
    systems = systems_of(session, engagement_id)
    keys = {s.id: canonical(s.key, systems) for s in systems.values() if s.id is not None}
    mention_system = dict(
        session.exec(
            select(SystemMention.id, SystemMention.system_id).where(SystemMention.engagement_id == engagement_id)
        ).all()
    )
    rows = session.exec(
        select(Flow, Participant.department)
        .join(Participant, Participant.id == Flow.participant_id)
        .where(
            Flow.engagement_id == engagement_id, col(Flow.confirmed).is_(True), col(Participant.withdrawn_at).is_(None)
        )
        .order_by(col(Flow.id))
    ).all()
    out = []
    for flow, department in rows:
        middle = _system_node(flow.mention_id, mention_system, keys)
        if middle is None:
            continue
        ends = [
            (
                _system_node(flow.source_mention_id, mention_system, keys)
                if flow.source_kind == "system"
                else node_id(flow.source_kind, flow.source_ref),
                middle,
            )
            if flow.source_kind
            else None,
            (
                middle,
                _system_node(flow.target_mention_id, mention_system, keys)
                if flow.target_kind == "system"
                else node_id(flow.target_kind, flow.target_ref),
            )
            if flow.target_kind
            else None,
        ]
        hours = hours_a_year(flow.frequency, flow.minutes, flow.fixes)
        for end in ends:
            if end is not None and end[0] and end[1] and end[0] != end[1]:
                out.append(Hop(flow.id, flow.participant_id, department, end[0], end[1], flow.method, hours, flow.note))
    return out


def labels(systems: Iterable[System]) -> dict[str, str]:
    """node id -> label for the engagement's live systems."""
    return {f"system:{s.key}": s.name for s in systems if not s.merged_into}


def node_labels(session: Session, engagement: Engagement) -> dict[str, str]:
    """node id -> label of the live systems, through the engagement's scrubber (a name is staff's words:
    "the export Dave runs")."""
    raw = labels(systems_of(session, engagement.id).values())
    keys = sorted(raw)
    return dict(zip(keys, scrubber_for(session, engagement).scrub_all([raw[k] for k in keys]), strict=True))


def build(all_hops: Iterable[Hop], names: dict[str, str]) -> nx.MultiDiGraph:
    """The graph: nodes with ``kind``, ``label`` and ``people``; one edge per (source, target, method)
    with ``people``, ``departments``, ``flows``, ``hours`` and the sets behind them (``participants``,
    ``flow_ids``, ``department_names``)."""
    g = nx.MultiDiGraph()
    for hop in all_hops:
        for n in (hop.source, hop.target):
            if n not in g:
                kind = n.split(":", 1)[0]
                label = PUBLIC if n == "public" else names.get(n, n.split(":", 1)[1])
                g.add_node(n, kind=kind, label=label, participants=set())
            g.nodes[n]["participants"].add(hop.participant_id)
        if not g.has_edge(hop.source, hop.target, key=hop.method):
            g.add_edge(
                hop.source,
                hop.target,
                key=hop.method,
                method=hop.method,
                participants=set(),
                flow_ids=[],
                department_names=set(),
                hours=0.0,
                notes=[],
            )
        e = g.edges[hop.source, hop.target, hop.method]
        e["participants"].add(hop.participant_id)
        e["flow_ids"].append(hop.flow_id)
        e["department_names"].add(hop.department or "(not given)")
        e["hours"] += hop.hours
        if hop.note and hop.note not in e["notes"]:
            e["notes"].append(hop.note)
    for _n, data in g.nodes(data=True):
        data["people"] = len(data["participants"])
    for _u, _v, data in g.edges(data=True):
        data["people"] = len(data["participants"])
        data["departments"] = len(data["department_names"])
        data["flows"] = len(data["flow_ids"])
    return g


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
