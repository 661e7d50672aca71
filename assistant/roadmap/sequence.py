"""Sequencing: which rubric activities a roadmap needs and in which phase each one lands.

Pure functions over plain inputs (``plan``), so the rules are testable without a database:

- **Only decided levels.** A component without a decided level gets no activities ("awaiting
  review"); nothing is guessed. For a decided level d and target t, every activity of the steps
  d -> d+1 ... t-1 -> t is needed.
- **Prerequisites across components.** An activity's ``depends_on`` that is not on the roadmap is
  pulled in when its component's decided level has not passed that step (or is awaiting review);
  one whose component is already past it counts as in place.
- **Phases by dependency order.** An activity never lands in an earlier phase than anything it
  depends on, and a component's next step comes at least one phase after its previous step.
- **Priority** orders work within those limits: the gap, how strongly the component's themes point
  at the activity (people behind the matching themes), equity findings where they exist, and low
  readiness (the enabler components of a low signal first); a prerequisite inherits the priority of
  the work waiting on it.
- **Readiness paces it.** Low overall readiness (any signal low) keeps phase one for foundation
  work (first steps up to level 2, and the enablers of the low signals) and caps each phase at
  ``CAPS["low"]`` activities; medium at ``CAPS["medium"]``; high is uncapped. What does not fit
  lands "beyond the horizon", shown, never dropped.
- **Edits.** Pinned items keep the phase a consultant gave them, removed ones stay out (what
  depends on them counts them as done), custom ones take part like any other.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.rubric import Activity, Rubric

PHASES = 3  # phases inside the horizon; index PHASES is "beyond the horizon"
CAPS: dict[str, int | None] = {"low": 4, "medium": 7, "high": None, "unknown": 7}
_STOP = frozenset(
    """about after again also and any are been before being between both but can each for from
have into its more most much once only other our out over same should some such than that the their them then
there these they this those through under until very was were what when where which while who will with within
would your across make keep used uses using data""".split()
)


@dataclass(frozen=True)
class ThemeInfo:
    """A theme of a component as sequencing sees it."""

    id: int
    label: str
    keywords: tuple[str, ...]
    people: int
    quote_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Fixed:
    """An item whose place a consultant decided: a pinned rubric activity or a custom one."""

    key: str
    phase: int
    component: str = ""
    title: str = ""
    depends_on: tuple[str, ...] = ()
    custom: bool = False


@dataclass
class PlanInput:
    rubric: Rubric
    decided: dict[str, int | None]  # only components with a decision; None after a rejection
    targets: dict[str, int]
    readiness: dict[str, str] = field(default_factory=dict)  # kind -> low | medium | high | unknown
    themes: dict[str, list[ThemeInfo]] = field(default_factory=dict)
    component_people: dict[str, int] = field(default_factory=dict)
    equity: dict[str, int] = field(default_factory=dict)  # equity findings per component, when they exist
    handoff_people: int = 0  # people describing manual hand-offs on the data-flow map
    fixed: list[Fixed] = field(default_factory=list)
    removed: frozenset[str] = frozenset()


@dataclass
class PlannedItem:
    key: str
    component: str
    from_level: int | None
    title: str
    description: str
    depends_on: list[str]
    origin: str  # rubric | prerequisite | custom
    priority: float = 0.0
    phase: int = 0
    position: int = 0
    why: dict = field(default_factory=dict)


@dataclass
class Plan:
    items: list[PlannedItem]
    overall_readiness: str
    cap: int | None
    notes: list[str]
    awaiting_review: list[str]


def overall(readiness: dict[str, str]) -> str:
    """low when any signal is low, high when every signal is high, else medium (unknown counts as medium)."""
    values = list(readiness.values())
    if any(v == "low" for v in values):
        return "low"
    if values and all(v == "high" for v in values):
        return "high"
    return "medium"


def _tokens(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP}


def _stem(word: str) -> str:
    return word[:5]


def match_themes(activity_text: str, themes: Iterable[ThemeInfo], limit: int = 2) -> list[tuple[ThemeInfo, bool]]:
    """Themes that point at an activity: those sharing words (5-letter stems) with its title and
    description, most shared then most people first; when none shares a word, the component's
    largest theme, marked unmatched. Returns (theme, matched) pairs."""
    themes = list(themes)
    words = {_stem(w) for w in _tokens(activity_text)}
    scored = []
    for t in themes:
        theirs = {_stem(w) for w in _tokens(" ".join((t.label, *t.keywords)))}
        overlap = len(words & theirs)
        if overlap:
            scored.append((overlap, t.people, -t.id, t))
    if scored:
        return [(t, True) for *_, t in sorted(scored, reverse=True)[:limit]]
    if themes:
        return [(max(themes, key=lambda t: (t.people, -t.id)), False)]
    return []


def _needed(inp: PlanInput, acts: dict[str, tuple[str, Activity]]) -> dict[str, PlannedItem]:
    """The rubric activities the decided levels and targets call for, with prerequisites pulled in."""
    items: dict[str, PlannedItem] = {}
    for comp in inp.rubric.components:
        level, target = inp.decided.get(comp.id), inp.targets.get(comp.id)
        if level is None or target is None or target <= level:
            continue
        for act in sorted(comp.activities, key=lambda a: (a.from_level, a.id)):
            if level <= act.from_level < target and act.id not in inp.removed:
                items[act.id] = PlannedItem(
                    act.id,
                    comp.id,
                    act.from_level,
                    act.title,
                    act.description,
                    list(act.depends_on),
                    "rubric",
                    why={"gap": {"decided": level, "target": target, "step": [act.from_level, act.to_level]}},
                )
    queue = list(items)
    while queue:
        key = queue.pop(0)
        for dep in items[key].depends_on:
            if dep in items or dep in inp.removed or dep not in acts:
                continue
            comp_id, act = acts[dep]
            level = inp.decided.get(comp_id)
            if level is not None and level > act.from_level:
                items[key].why.setdefault("in_place", []).append(dep)
                continue
            why: dict = {"prerequisite_for": [key]}
            if level is None:
                why["note"] = (
                    f"{inp.rubric.component(comp_id).name} is awaiting review, so whether this is "
                    "already in place is not known; remove it if it is"
                )
            else:
                why["gap"] = {
                    "decided": level,
                    "target": inp.targets.get(comp_id),
                    "step": [act.from_level, act.to_level],
                }
            items[dep] = PlannedItem(
                dep, comp_id, act.from_level, act.title, act.description, list(act.depends_on), "prerequisite", why=why
            )
            queue.append(dep)
    for item in items.values():
        item.depends_on = [d for d in item.depends_on if d in items]
    return items


@dataclass
class _Graph:
    """The ordering edges between planned items."""

    before: dict[str, set[str]]  # what must be placed first: real dependencies and earlier steps
    earlier_step: dict[str, set[str]]  # a component's earlier steps, one phase apart
    dependents: dict[str, list[str]]  # the items that depend on each item


@dataclass(frozen=True)
class _Pace:
    """How readiness paces the phases: its overall level, the per-phase cap and the enablers."""

    level: str
    cap: int | None
    enablers: dict[str, list[str]]  # component -> names of the low readiness signals it enables


def plan(inp: PlanInput) -> Plan:
    """The sequenced roadmap for ``inp`` (see the module docstring for every rule)."""
    rubric = inp.rubric
    acts = {a.id: (c.id, a) for c in rubric.components for a in c.activities}
    awaiting = [c.id for c in rubric.components if inp.decided.get(c.id) is None]
    items = _with_custom(inp, _needed(inp, acts))
    level = overall(inp.readiness)
    low_kinds = [k for k in rubric.readiness if inp.readiness.get(k.id) == "low"]
    enablers = {c: [k.name for k in low_kinds if c in k.components] for k in low_kinds for c in k.components}
    pace = _Pace(level, CAPS[level], enablers)
    pinned = {f.key: f.phase for f in inp.fixed}
    graph = _graph(items)
    _score(inp, items, graph.dependents, pace.enablers)
    _schedule(rubric, items, graph, pinned, _deadlines(items, graph.before, pinned), pace)
    notes = _explain(rubric, items, graph.dependents, awaiting, level)
    ordered = sorted(items.values(), key=lambda i: (i.phase, i.position))
    for n, item in enumerate(ordered):
        item.position = n
    return Plan(ordered, level, pace.cap, notes, awaiting)


def _with_custom(inp: PlanInput, items: dict[str, PlannedItem]) -> dict[str, PlannedItem]:
    """``items`` with the consultant's custom items added, each keeping only dependencies on the plan."""
    for f in inp.fixed:
        if f.custom and f.key not in inp.removed:
            items[f.key] = PlannedItem(
                f.key, f.component, None, f.title, "", list(f.depends_on), "custom", why={"custom": True}
            )
    for item in items.values():
        item.depends_on = [d for d in item.depends_on if d in items]
    return items


def _theme_strength(inp: PlanInput, item: PlannedItem) -> float:
    """How strongly the component's themes point at ``item`` (0..1), recording them in its ``why``."""
    matched = match_themes(f"{item.title} {item.description}", inp.themes.get(item.component, []))
    people = max(1, inp.component_people.get(item.component, 0))
    strength = min(1.0, sum(t.people for t, ok in matched if ok) / people) if matched else 0.0
    if matched and not matched[0][1]:
        strength = 0.5 * min(1.0, matched[0][0].people / people)
    item.why["themes"] = [{"id": t.id, "label": t.label, "people": t.people, "matched": ok} for t, ok in matched]
    item.why["quotes"] = [q for t, _ in matched for q in t.quote_ids][:3]
    return strength


def _score(
    inp: PlanInput, items: dict[str, PlannedItem], dependents: dict[str, list[str]], enablers: dict[str, list[str]]
) -> None:
    """Set each item's priority: gap, themes, equity, manual hand-offs on the data-flow map (for the
    activities that remove them), readiness; a prerequisite inherits from what waits on it."""
    addresses = {a.id for c in inp.rubric.components for a in c.activities if a.addresses_handoffs}
    for item in items.values():
        gap = item.why.get("gap", {})
        size = (gap.get("target") or 0) - (gap.get("decided") or 0) if gap.get("target") else 0
        strength = _theme_strength(inp, item)
        findings = inp.equity.get(item.component, 0)
        if findings:
            item.why["equity_findings"] = findings
        handoffs = inp.handoff_people if item.key in addresses else 0
        if handoffs:
            item.why["bottlenecks"] = {"people": handoffs}
        boost = 1.0 if item.component in enablers else 0.0
        if boost:
            item.why["readiness"] = [
                f"{name} is low: work on {inp.rubric.component(item.component).name} comes first"
                for name in enablers[item.component]
            ]
        raised = 0.3 * min(findings, 3) + 0.2 * min(handoffs, 5)
        item.priority = round(size + strength + raised + boost + 0.05 * len(dependents[item.key]), 3)
    order_hint = sorted(items, key=lambda k: -items[k].priority)
    for key in order_hint:  # inherit: a prerequisite is at least as urgent as what waits on it
        for dep in items[key].depends_on:
            items[dep].priority = max(items[dep].priority, items[key].priority)


def _graph(items: dict[str, PlannedItem]) -> _Graph:
    """The ordering edges: real dependencies plus "a component's earlier step first"."""
    dependents: dict[str, list[str]] = {k: [] for k in items}
    for item in items.values():
        for dep in item.depends_on:
            dependents[dep].append(item.key)
    before: dict[str, set[str]] = {k: set(items[k].depends_on) for k in items}
    earlier_step: dict[str, set[str]] = {k: set() for k in items}
    for a in items.values():
        for b in items.values():
            if (
                a.component == b.component
                and a.from_level is not None
                and b.from_level is not None
                and b.from_level < a.from_level
            ):
                earlier_step[a.key].add(b.key)
                before[a.key].add(b.key)
    return _Graph(before, earlier_step, dependents)


def _deadlines(items: dict[str, PlannedItem], before: dict[str, set[str]], pinned: dict[str, int]) -> dict[str, int]:
    """The latest phase of each item a pinned item needs: the pinned item's phase (or earlier)."""
    deadline: dict[str, int] = {}

    def push_deadline(key: str, phase: int) -> None:
        for dep in before[key]:
            if deadline.get(dep, PHASES) > phase:
                deadline[dep] = phase
                push_deadline(dep, phase)

    for key, phase in pinned.items():
        if key in items:
            push_deadline(key, phase)
    return deadline


def _schedule(
    rubric: Rubric,
    items: dict[str, PlannedItem],
    graph: _Graph,
    pinned: dict[str, int],
    deadline: dict[str, int],
    pace: _Pace,
) -> None:
    """Give every item a phase and a position: highest priority first among those whose predecessors are
    placed, each with the reason for its placement in ``why["placement"]``."""
    waiting = {k: len(graph.before[k]) for k in items}
    heap = [(-items[k].priority, items[k].from_level or 0, k) for k, n in waiting.items() if n == 0]
    heapq.heapify(heap)
    load = [0] * (PHASES + 1)
    position = 0
    while heap:
        _, _, key = heapq.heappop(heap)
        item = items[key]
        if key in pinned:
            item.phase = pinned[key]
            reasons = ["kept where you put it"]
            late = [d for d in item.depends_on if items[d].phase > item.phase]
            if late:
                reasons.append("but it needs " + ", ".join(items[d].title for d in late) + " first, which lands later")
        else:
            item.phase, reasons = _place(rubric, item, items, graph.earlier_step[key], load, deadline, pace)
        load[item.phase] += 1
        item.position = position
        position += 1
        item.why["placement"] = "; ".join(reasons)
        for nxt in items:
            if key in graph.before[nxt]:
                waiting[nxt] -= 1
                if waiting[nxt] == 0:
                    heapq.heappush(heap, (-items[nxt].priority, items[nxt].from_level or 0, nxt))
    for key in items:  # only a rubric edited against its own rule could leave items unplaced
        if waiting[key] > 0:
            items[key].phase, items[key].position = PHASES, position
            items[key].why["placement"] = "its dependencies could not be ordered (check the rubric's depends_on)"
            position += 1


def _place(
    rubric: Rubric,
    item: PlannedItem,
    items: dict[str, PlannedItem],
    earlier_step: set[str],
    load: list[int],
    deadline: dict[str, int],
    pace: _Pace,
) -> tuple[int, list[str]]:
    """The phase of an item no consultant pinned, and the reasons for it: after its dependencies and
    its component's earlier step, foundation first at low readiness, within the cap and its deadline."""
    dep_phase = max([items[d].phase for d in item.depends_on] + [0])
    step_phase = max([items[d].phase + 1 for d in earlier_step] + [0])
    earliest = max(dep_phase, step_phase)
    reasons = []
    foundation = (item.from_level or 1) <= 2 or item.component in pace.enablers or item.origin == "custom"
    if pace.level == "low" and not foundation and earliest == 0:
        earliest = 1
        reasons.append("low readiness keeps the first phase for foundation work")
    if step_phase and step_phase >= dep_phase:
        reasons.append(
            f"one step per phase: after the step up to level {item.from_level} in "
            f"{rubric.component(item.component).name}"
        )
    elif item.depends_on:
        reasons.append("after " + "; ".join(items[d].title for d in item.depends_on))
    phase = earliest
    limit = deadline.get(item.key, PHASES)
    while phase < PHASES and pace.cap is not None and load[phase] >= pace.cap and phase < limit:
        phase += 1
    if phase > earliest:
        reasons.append(f"an earlier phase already holds {pace.cap} activities ({pace.level} readiness)")
    if not reasons:
        reasons.append("nothing it depends on is outstanding, so it can start first")
    return min(phase, PHASES), reasons


def _explain(
    rubric: Rubric,
    items: dict[str, PlannedItem],
    dependents: dict[str, list[str]],
    awaiting: list[str],
    level: str,
) -> list[str]:
    """The plan's notes (components awaiting review, work beyond the horizon), and for each item the
    work it is a prerequisite for."""
    notes: list[str] = []
    if len(awaiting) == len(rubric.components):
        notes.append(
            "No component has a decided level yet, so the roadmap has no activities: review the ratings first."
        )
    elif awaiting:
        names = ", ".join(rubric.component(c).name for c in awaiting)
        notes.append(f"Awaiting review (no activities planned until a level is decided): {names}.")
    beyond = sum(1 for i in items.values() if i.phase >= PHASES)
    if beyond:
        notes.append(
            f"{beyond} {'activity does' if beyond == 1 else 'activities do'} not fit inside the horizon "
            f"at {level} readiness: consider lower targets, a longer horizon, or more capacity."
        )
    for item in items.values():
        item.why["prerequisite_for"] = sorted(set(item.why.get("prerequisite_for", [])) | set(dependents[item.key]))
    return notes
