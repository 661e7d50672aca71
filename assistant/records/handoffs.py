"""The hand-offs of an engagement's data-flow map and the bottlenecks ranked from them, below the stages:
the map's stage (``dataflow/``) draws and filters them, the rating cites them as evidence of how data
moves, and neither imports the other.

- A hop is one hand-off of one confirmed flow (source -> system, system -> target), its system ends
  resolved through the catalogue's merges (``canonical``).
- The graph (``build``) has one edge per (source, target, method), weighted by the people who describe it.
- A bottleneck is one edge with its score::

      hours a year x method weight x department factor x single-point factor

  hours a year: what the people who describe it spend on it (``hours_a_year``: runs a year x minutes,
  plus fixes and chases), summed over them, so more people doing it costs more; method weight
  (``METHOD_WEIGHT``): re-typing and paper 2, email 1.5, export/import and shared drive 1, automatic
  0.2; department factor: 1 + 0.5 per department beyond the first among the people describing it (a
  hand-off that crosses departments is one nobody owns); single-point factor: 1.5 when a note says only
  one person can do it ("only Dave can run the export").

The weights say how much a hand-off of each kind costs beyond the minutes staff give: re-typing and
paper are the hand-offs value-stream mapping finds least "complete and accurate"; an automatic feed
still counts a little (someone watches it).

The rating cites the manual bottlenecks as evidence of how data moves (``bottleneck_evidence``): one
item per bottleneck at least k people describe, the rest pooled, never cited alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
from sqlmodel import Session, col, select

from assistant.models import MANUAL_METHODS, Engagement, Flow, Participant, System, SystemMention
from assistant.records.engagements import min_cell_of, scrubber_for
from assistant.suppression import count_or_none, fewer_than

PUBLIC = "the public"
SHORT_METHODS: dict[str, str] = {
    "automatic": "automatic",
    "export_import": "export/import",
    "retyped": "re-typed",
    "email": "email",
    "paper": "paper",
    "shared_drive": "shared drive",
}
METHOD_WEIGHT: dict[str, float] = {
    "automatic": 0.2,
    "export_import": 1.0,
    "shared_drive": 1.0,
    "email": 1.5,
    "retyped": 2.0,
    "paper": 2.0,
}
RUNS_A_YEAR: dict[str, int] = {"daily": 250, "weekly": 50, "monthly": 12, "quarterly": 4, "yearly": 1, "rarely": 1}
FIX_RATE: dict[str, float] = {"never": 0.0, "sometimes": 0.1, "often": 0.33, "always": 0.9}
# a fix or a chase is assumed to take as long as the hand-off itself: a hand-off fixed every time costs twice

# what a skipped answer counts as: a skipped field must not make a paper hand-off free
ASSUMED_MINUTES = 15
ASSUMED_FREQUENCY = "monthly"

SINGLE_POINT = re.compile(
    r"\bonly\s+(?:one\s+(?:person|of us)|[A-Z][a-z]+|she|he|they|i)\s+(?:can|knows?|has|runs?|does|is able)\b"
    r"|\bsingle point of failure\b|\bif\s+\w+\s+is\s+(?:out|off|on leave|sick)\b",
    re.IGNORECASE,
)
SINGLE_POINT_FACTOR = 1.5


def hours_a_year(frequency: str, minutes: int | None, fixes: str) -> float:
    """Estimated hours a year one person spends on one hand-off: runs a year x minutes, plus the fixes
    and chases (``FIX_RATE`` of the runs, each as long again). A skipped frequency counts as
    ``ASSUMED_FREQUENCY``, skipped minutes as ``ASSUMED_MINUTES``."""
    runs = RUNS_A_YEAR.get(frequency or ASSUMED_FREQUENCY, RUNS_A_YEAR[ASSUMED_FREQUENCY])
    return runs * (ASSUMED_MINUTES if minutes is None else minutes) / 60 * (1 + FIX_RATE.get(fixes, 0.0))


def systems_of(session: Session, engagement_id: int) -> dict[str, System]:
    """Every system row of the engagement (merged-away ones too), by key."""
    rows = session.exec(select(System).where(System.engagement_id == engagement_id)).all()
    return {s.key: s for s in rows}


def canonical(key: str, systems: dict[str, System]) -> str:
    """The key ``key`` counts as once merges are followed (a cycle stops at the first repeat)."""
    seen = {key}
    while (s := systems.get(key)) is not None and s.merged_into and s.merged_into not in seen:
        key = s.merged_into
        seen.add(key)
    return key


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


def _end(kind: str, ref: str, mention_id: int | None, mention_system: dict, keys: dict) -> str | None:
    return _system_node(mention_id, mention_system, keys) if kind == "system" else node_id(kind, ref)


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
            (_end(flow.source_kind, flow.source_ref, flow.source_mention_id, mention_system, keys), middle)
            if flow.source_kind
            else None,
            (middle, _end(flow.target_kind, flow.target_ref, flow.target_mention_id, mention_system, keys))
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


def _add_hop(g: nx.MultiDiGraph, hop: Hop, names: dict[str, str]) -> None:
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


def build(all_hops: Iterable[Hop], names: dict[str, str]) -> nx.MultiDiGraph:
    """The graph: nodes with ``kind``, ``label`` and ``people``; one edge per (source, target, method)
    with ``people``, ``departments``, ``flows``, ``hours`` and the sets behind them (``participants``,
    ``flow_ids``, ``department_names``)."""
    g = nx.MultiDiGraph()
    for hop in all_hops:
        _add_hop(g, hop, names)
    for _n, data in g.nodes(data=True):
        data["people"] = len(data["participants"])
    for _u, _v, data in g.edges(data=True):
        data["people"] = len(data["participants"])
        data["departments"] = len(data["department_names"])
        data["flows"] = len(data["flow_ids"])
    return g


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


def ranked(session: Session, engagement: Engagement) -> list[Bottleneck]:
    """The engagement's bottlenecks, highest score first, system names through its scrubber."""
    return rank(build(hops(session, engagement.id), node_labels(session, engagement)))


POOLED_BOTTLENECKS = "B-pooled"
MAX_BOTTLENECK_ITEMS = 5


@dataclass(frozen=True)
class BottleneckEvidence:
    """One bottleneck as rating evidence: ``ref`` is its citation id (``B-<6 hex>``, from its two ends and
    method, so the same hand-off keeps its id across re-runs; ``B-pooled`` for the pool), ``text`` the
    words cited, ``people`` how many people describe it (None for the pool: never given)."""

    ref: str
    text: str
    people: int | None
    method: str


def bottleneck_ref(source: str, target: str, method: str) -> str:
    """The citation id of the bottleneck ``source`` -> ``target`` by ``method``."""
    return "B-" + hashlib.sha1(f"{source}|{target}|{method}".encode()).hexdigest()[:6]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def bottleneck_text(b: Bottleneck) -> str:
    """'Re-typed hand-off Permits -> Finance, described by 4 people in 2 departments, ~120 hours a year'."""
    method = SHORT_METHODS.get(b.method, b.method)
    text = (
        f"{method[:1].upper() + method[1:]} hand-off {b.source_label} -> {b.target_label}, described by "
        f"{_plural(b.people, 'person', 'people')} in {_plural(b.departments, 'department', 'departments')}, "
        f"~{round(b.hours)} hours a year"
    )
    return text + (", and only one person can do it" if b.single_point else "")


def bottleneck_evidence(
    session: Session, engagement: Engagement, limit: int = MAX_BOTTLENECK_ITEMS
) -> list[BottleneckEvidence]:
    """The engagement's manual bottlenecks (every method but automatic) as rating evidence, highest score
    first: one item for each of the ``limit`` highest whose people count may be shown (at least the
    engagement's k: ``suppression.count_or_none``), and every hand-off fewer than k people describe
    pooled into one item (``POOLED_BOTTLENECKS``) that names no hand-off and no count of people, so it is
    never cited alone. The pool shows no total of people, so nothing hidden can be worked out from it."""
    k = min_cell_of(engagement)
    out: list[BottleneckEvidence] = []
    pool: list[Bottleneck] = []
    for b in ranked(session, engagement):
        if b.method not in MANUAL_METHODS:
            continue
        if count_or_none(b.people, k=k) is None:
            pool.append(b)
        elif len(out) < limit:
            out.append(
                BottleneckEvidence(bottleneck_ref(b.source, b.target, b.method), bottleneck_text(b), b.people, b.method)
            )
    if pool:
        text = (
            f"{_plural(len(pool), 'other manual hand-off', 'other manual hand-offs')}, each described by "
            f"{fewer_than(k)} people, ~{round(sum(b.hours for b in pool))} hours a year together"
        )
        out.append(BottleneckEvidence(POOLED_BOTTLENECKS, text, None, "pooled"))
    return out
