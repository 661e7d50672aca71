"""Page data of the data-flow map: the staff section, the consultant's catalogue, map and bottleneck
list, and the equity reviewer's de-identified map. Read-only; every figure about a group a reviewer
sees passes ``suppression.py`` with the engagement's k, every staff note shown passes ``scrubber_for``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import networkx as nx
from sqlmodel import Session, col, select

from assistant.dataflow import bottlenecks as B
from assistant.dataflow import edits as E
from assistant.dataflow import graph as G
from assistant.dataflow.flows import describe, own_flows, parse_end
from assistant.dataflow.propose import Proposal, proposals
from assistant.dataflow.store import canonical, systems_of
from assistant.dataflow.vocab import FIXES, FREQUENCIES, METHODS, PUBLIC, SHORT_METHODS
from assistant.models import Engagement, Participant, SystemAlias, SystemMention
from assistant.records.engagements import min_cell_of, scrubber_for
from assistant.suppression import fewer_than, suppress
from assistant.views import Page
from assistant.views.equity import equity_nav


@dataclass(frozen=True)
class FlowChoices:
    """The staff form's fixed choices (value -> words): how data moves, how often, how often it needs fixing."""

    methods: dict[str, str] = field(default_factory=lambda: dict(METHODS))
    frequencies: dict[str, str] = field(default_factory=lambda: dict(FREQUENCIES))
    fixes_choices: dict[str, str] = field(default_factory=lambda: dict(FIXES))
    short_methods: dict[str, str] = field(default_factory=lambda: dict(SHORT_METHODS))


def system_names(session: Session, engagement: Engagement) -> list[str]:
    """The live systems' names, scrubbed, for the form's suggestions (who named them is not shown)."""
    systems = systems_of(session, engagement.id)
    counted = set(
        session.exec(select(SystemMention.system_id).where(SystemMention.engagement_id == engagement.id)).all()
    )
    live = sorted({systems[k].name for k in {canonical(s.key, systems) for s in systems.values() if s.id in counted}})
    return sorted(set(scrubber_for(session, engagement).scrub_all(live)), key=str.lower)


@dataclass(frozen=True, kw_only=True)
class StaffFlowsPage(Page):
    """The staff section: their flows, the form, suggestions and proposals from their own answers."""

    engagement: Engagement
    token: str
    flows: list[tuple[int, str]]  # (flow id, the flow in a line)
    suggestions: list[str]
    ends: list[str]
    proposals: list[Proposal]
    notes: list[str] = field(default_factory=list)
    choices: FlowChoices = field(default_factory=FlowChoices)


def staff_flows_page(
    session: Session, participant: Participant, engagement: Engagement, token: str, **news: Any
) -> StaffFlowsPage:
    """The person's own flows page (``news``: message, problems, form, notes)."""
    depts = list(engagement.departments)
    lines = []
    for flow, text in own_flows(session, participant):
        source = parse_end(flow.source_ref, depts) if flow.source_kind else None
        target = parse_end(flow.target_ref, depts) if flow.target_kind else None
        lines.append((flow.id, describe(text, source, target, flow.method)))
    names = system_names(session, engagement)
    return StaffFlowsPage(
        engagement=engagement,
        token=token,
        flows=lines,
        suggestions=names,
        ends=[*names, *depts, PUBLIC],
        proposals=proposals(session, participant),
        **news,
    )


@dataclass(frozen=True)
class CatalogueRow:
    key: str
    name: str
    aliases: list[str]
    vendor: str
    owner_department: str
    people: int
    known: bool


@dataclass(frozen=True, kw_only=True)
class CataloguePage(Page):
    engagement: Engagement
    rows: list[CatalogueRow]
    suggestions: list[E.Suggestion]
    departments: list[str]


def catalogue_rows(session: Session, engagement: Engagement) -> list[CatalogueRow]:
    """Live systems with their aliases and how many people named them (people who withdrew drop out);
    names and aliases through the engagement's scrubber."""
    engagement_id = engagement.id
    systems = systems_of(session, engagement_id)
    key_of = {s.id: canonical(s.key, systems) for s in systems.values()}
    people: dict[str, set[int]] = {}
    rows = session.exec(
        select(SystemMention.system_id, SystemMention.participant_id)
        .join(Participant, Participant.id == SystemMention.participant_id)
        .where(
            SystemMention.engagement_id == engagement_id,
            col(Participant.withdrawn_at).is_(None),
            col(SystemMention.confirmed).is_(True),
        )
    ).all()
    for system_id, pid in rows:
        if system_id in key_of:
            people.setdefault(key_of[system_id], set()).add(pid)
    aliases: dict[str, list[str]] = {}
    ids = [s.id for s in systems.values()]
    alias_rows = session.exec(
        select(SystemAlias.system_id, SystemAlias.text).where(col(SystemAlias.system_id).in_(ids))
    ).all()
    for system_id, text in alias_rows:
        listed = aliases.setdefault(key_of[system_id], [])
        if text not in listed:
            listed.append(text)
    scrub = scrubber_for(session, engagement).scrub
    out = [
        CatalogueRow(
            k,
            scrub(systems[k].name),
            sorted({scrub(a) for a in aliases.get(k, [])}, key=str.lower),
            systems[k].vendor,
            systems[k].owner_department,
            len(p),
            bool(systems[k].known),
        )
        for k, p in people.items()
    ]
    return sorted(out, key=lambda r: (-r.people, r.name.lower()))


def catalogue_page(
    session: Session, engagement: Engagement, encode: E.Encode | None = None, **news: Any
) -> CataloguePage:
    """The consultant's catalogue and its merge suggestions (string and, with ``encode``, embedding similarity)."""
    rows = catalogue_rows(session, engagement)
    names = {r.key: r.name for r in rows}
    known = {r.key for r in rows if r.known}
    return CataloguePage(
        engagement=engagement,
        rows=rows,
        suggestions=E.suggestions(names, known, encode),
        departments=list(engagement.departments),
        **news,
    )


@dataclass(frozen=True)
class MapFilter:
    """What the map shows: a department's or a method's edges, the neighbourhood of one node, a search."""

    department: str = ""
    method: str = ""
    focus: str = ""
    hops: int = 1
    q: str = ""
    level: str = ""  # "department": the department-level view

    def query(self, **change: Any) -> str:
        values = {**self.__dict__, **change}
        return urlencode({k: v for k, v in values.items() if v not in ("", None) and not (k == "hops" and v == 1)})


def map_graph(session: Session, engagement: Engagement, chosen: MapFilter) -> tuple[nx.MultiDiGraph, nx.MultiDiGraph]:
    """(the whole graph, the graph the filter shows); a graph over ``MAX_FIGURE_NODES`` nodes and no
    focus is shown at department level."""
    all_hops = G.hops(session, engagement.id)
    systems = systems_of(session, engagement.id)
    whole = G.build(all_hops, G.node_labels(session, engagement))
    shown = G.filtered(whole, department=chosen.department, method=chosen.method)
    if chosen.focus:
        shown = G.around(shown, chosen.focus, chosen.hops)
    if chosen.level == "department" or (not chosen.focus and shown.number_of_nodes() > G.MAX_FIGURE_NODES):
        owners = {f"system:{s.key}": s.owner_department for s in systems.values() if s.owner_department}
        kept = {fid for _u, _v, d in shown.edges(data=True) for fid in d["flow_ids"]}
        shown = G.by_department([h for h in all_hops if h.flow_id in kept], shown, owners)
    return whole, shown


@dataclass(frozen=True, kw_only=True)
class MapPage(Page):
    engagement: Engagement
    chosen: MapFilter
    nodes: list[tuple[str, str, str, int]]  # (id, kind, label, people) of the shown graph
    edges: list[tuple[str, str, str, int]]  # (source label, target label, method, people)
    found: list[tuple[str, str]]  # search results (id, label)
    departments: list[str]
    methods: dict[str, str]
    collapsed: bool
    flows: int
    top: list[B.Bottleneck]


def map_page(session: Session, engagement: Engagement, chosen: MapFilter, **news: Any) -> MapPage:
    whole, shown = map_graph(session, engagement, chosen)
    return MapPage(
        engagement=engagement,
        chosen=chosen,
        nodes=sorted(
            ((n, d["kind"], d["label"], d["people"]) for n, d in shown.nodes(data=True)),
            key=lambda r: (r[1], r[2].lower()),
        ),
        edges=sorted(
            (shown.nodes[u]["label"], shown.nodes[v]["label"], SHORT_METHODS.get(d["method"], d["method"]), d["people"])
            for u, v, d in shown.edges(data=True)
        ),
        found=[(n, whole.nodes[n]["label"]) for n in G.search(whole, chosen.q)],
        departments=list(engagement.departments),
        methods=SHORT_METHODS,
        collapsed=any(d["kind"] == "department" for _n, d in shown.nodes(data=True))
        and not any(d["kind"] == "system" for _n, d in shown.nodes(data=True)),
        flows=len({fid for _u, _v, d in whole.edges(data=True) for fid in d["flow_ids"]}),
        top=B.rank(whole)[:5],
        **news,
    )


@dataclass(frozen=True)
class RankedBottleneck:
    item: B.Bottleneck
    quotes: list[str]


@dataclass(frozen=True, kw_only=True)
class BottlenecksPage(Page):
    engagement: Engagement
    ranked: list[RankedBottleneck]
    hubs: list[B.Hub]
    methods: dict[str, str]


def bottlenecks_page(session: Session, engagement: Engagement, limit: int = 50) -> BottlenecksPage:
    """The ranked hand-offs with their score parts and the notes behind them, scrubbed."""
    whole = G.build(G.hops(session, engagement.id), G.node_labels(session, engagement))
    scrub = scrubber_for(session, engagement)
    ranked = [RankedBottleneck(b, [scrub.scrub(n) for n in b.notes]) for b in B.rank(whole)[:limit]]
    return BottlenecksPage(engagement=engagement, ranked=ranked, hubs=B.manual_hubs(whole), methods=SHORT_METHODS)


def reviewer_graph(g: nx.MultiDiGraph, k: int) -> tuple[nx.MultiDiGraph, Counter[str]]:
    """The graph an equity reviewer may see: edges described by fewer than k people (or hidden by the
    complementary rule) are taken out and counted by method in the pool; people counts shown as
    ``suppress`` gives them. Nodes keep only what their shown edges need."""
    edge_counts = {f"{u}|{v}|{key}": d["people"] for u, v, key, d in g.edges(keys=True, data=True)}
    shown_counts = suppress(edge_counts, k=k)
    pool: Counter[str] = Counter()
    out = nx.MultiDiGraph()
    for u, v, key, d in g.edges(keys=True, data=True):
        value = shown_counts.get(f"{u}|{v}|{key}", 0)
        if isinstance(value, str):
            pool[SHORT_METHODS.get(d["method"], d["method"])] += 1
            continue
        for n in (u, v):
            if n not in out:
                out.add_node(n, **{a: g.nodes[n][a] for a in ("kind", "label")}, participants=set(), people=0)
        out.add_edge(
            u,
            v,
            key=key,
            method=d["method"],
            people=value,
            departments=d["departments"],
            flows=d["flows"],
            hours=d["hours"],
            participants=set(),
            flow_ids=[],
            department_names=set(),
            notes=[],
        )
    node_counts = suppress({n: g.nodes[n]["people"] for n in out.nodes}, k=k)
    for n in out.nodes:
        out.nodes[n]["people"] = node_counts.get(n, 0)
    return out, pool


@dataclass(frozen=True, kw_only=True)
class EquityDataflowPage(Page):
    engagement: Engagement
    k: int
    edges: list[tuple[str, str, str, int | str]]
    pooled: list[tuple[str, int]]  # (method, edges pooled)
    pooled_label: str
    ranked: list[tuple[str, str, int | str, float]]  # (about, method, people, score) of shown edges
    equity_nav: list[tuple[str, str]]


def equity_dataflow_page(session: Session, engagement: Engagement) -> EquityDataflowPage:
    """The reviewer's map: no identities, no notes, small edges pooled by the engagement's k."""
    k = min_cell_of(engagement)
    whole = G.build(G.hops(session, engagement.id), G.node_labels(session, engagement))
    shown, pool = reviewer_graph(whole, k)
    edges = sorted(
        (shown.nodes[u]["label"], shown.nodes[v]["label"], SHORT_METHODS.get(d["method"], d["method"]), d["people"])
        for u, v, d in shown.edges(data=True)
    )
    ranked = [
        (b.about, SHORT_METHODS.get(b.method, b.method), shown.edges[b.source, b.target, b.method]["people"], b.score)
        for b in B.rank(whole)
        if shown.has_edge(b.source, b.target, b.method)
    ]
    return EquityDataflowPage(
        engagement=engagement,
        k=k,
        edges=edges,
        pooled=sorted(pool.items()),
        pooled_label=fewer_than(k),
        ranked=ranked[:20],
        equity_nav=equity_nav(engagement),
    )
