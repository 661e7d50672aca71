"""The disclosure rule (``assistant.suppression``) attacked as a consultant or equity reviewer would.

The attacker knows the roster (they typed it) and the rule (it is documented), reads every table a
page shows (the progress table, the equity audit's participation, the report's "who took part",
every theme page's breakdown and segment list), and combines them:

- by name: a row, breakdown or attribution naming a group of fewer than k people;
- by reading: a shown count of 1..k-1;
- across pages: the same figure shown on one page and hidden on another;
- by linear algebra: every sum shown on every page at once, solved for any person-level cell, unit or
  group: none of fewer than k people, nor any count of 1..k-1, may come out;
- over time: the tables before and after one person starts, submits or withdraws; the people the
  change could be must be at least k;
- by intersection: the participant labels on every theme page and the groups shown beside them.

The engagement of issue 29 (Finance 6, Parks 6, IT 3, one HR executive) and random ones (Hypothesis).
"""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from assistant.equity.participation import participation as equity_participation
from assistant.models import Engagement, Participant, Theme
from assistant.records.engagements import population, units_for
from assistant.records.engagements.disclosure import counts_by
from assistant.report.build import participation as report_participation
from assistant.report.sources import read_sources
from assistant.rubric import get_rubric
from assistant.suppression import OTHER_DEPARTMENTS, OTHER_ROLES, UNIT, linked_tables, unit_label
from assistant.views.engagement import progress_table
from assistant.views.themes import theme_view
from tests.factories import seed_city, set_min_cell, set_status

ISSUE_CITY = {("Finance", "frontline"): 6, ("Parks", "frontline"): 6, ("IT", "manager"): 3, ("HR", "executive"): 1}
PEOPLE_COLUMNS = ("started", "submitted", "withdrawn", "took_part")


def _members(units, cells, grouping: str, group: str) -> set:
    """The true (department, role level) cells a row names, by the public rule."""
    if grouping == UNIT:
        return {c for c in cells if unit_label(units(*c)) == group}
    at = 0 if grouping == "department" else 1
    return {c for c in cells if units(*c)[at] == group}


def observe(session: Session, engagement: Engagement) -> dict[str, dict[tuple[str, str, str], int | None]]:
    """Every figure about groups the three pages show: page -> (grouping, group, column) -> value or None."""
    pages: dict[str, dict] = {"progress": {}, "equity": {}, "report": {}}
    table = progress_table(session, engagement)
    for row in table.rows:
        for column in ("roster", "invited", "started", "submitted", "withdrawn"):
            pages["progress"][(UNIT, f"{row.department} · {row.role_level}", column)] = row.cells[column].value
    for column in ("roster", "invited", "started", "submitted", "withdrawn"):
        pages["progress"][("total", "", column)] = table.totals[column].value
    for t in equity_participation(session, engagement)[:2]:
        for r in t.rows:
            key = ("total", "") if r.kind == "total" else (t.grouping, r.group)
            for column in ("roster", "invited", "started", "submitted"):
                pages["equity"][(*key, column)] = getattr(r, column)
    report = report_participation(read_sources(session, engagement, get_rubric()))
    pages["report"][("total", "", "took_part")] = report.people if isinstance(report.people, int) else None
    for grouping, rows in (("department", report.by_department), ("role_level", report.by_role)):
        for g in rows:
            pages["report"][(grouping, g.group, "took_part")] = g.took_part if isinstance(g.took_part, int) else None
            pages["report"][(grouping, g.group, "roster")] = g.roster
    return pages


def _pinned(rows: list[np.ndarray], vector: np.ndarray) -> bool:
    """Whether the sum ``vector`` selects can be solved for from the shown sums ``rows`` (it lies in
    their span: orthogonal to every direction the shown sums leave free)."""
    if not rows:
        return False
    a = np.array(rows)
    _, s, vt = np.linalg.svd(a)
    free = vt[int((s > 1e-9).sum()) :]
    return bool(np.all(np.abs(free @ vector) < 1e-9))


def attack(pages: dict[str, dict], truth: dict[tuple[str, str], dict[str, int]], units, pop: dict, k: int) -> list[str]:
    """Everything the attacker finds (empty when the rule holds)."""
    found = []
    cells = sorted(pop)
    seen: dict[tuple[str, str, str], int | None] = {}
    for page, figures in pages.items():
        for key, value in figures.items():
            grouping, group, column = key
            members = set(cells) if grouping == "total" else _members(units, cells, grouping, group)
            if grouping != "total" and sum(pop[c] for c in members) < k:
                found.append(f"{page} names {group!r}, a group of fewer than {k}")
            if value is not None and 0 < value < k:
                found.append(f"{page} shows {key} = {value}")
            if key in seen and seen[key] != value:
                found.append(f"{key} is {seen[key]} on one page and {value} on {page}")
            if seen.get(key) is None:
                seen[key] = value  # what any page shows
    index = {c: n for n, c in enumerate(cells)}

    def vector(members) -> np.ndarray:
        v = np.zeros(len(cells))
        for c in members:
            v[index[c]] = 1
        return v

    for column in PEOPLE_COLUMNS:
        rows = []

        for (grouping, group, col), value in seen.items():
            if col == column and value is not None:
                rows.append(vector(set(cells) if grouping == "total" else _members(units, cells, grouping, group)))
        targets = {f"cell {c}": {c} for c in cells}
        targets |= {f"unit {u}": {c for c in cells if units(*c) == u} for u in {units(*c) for c in cells}}
        for at, grouping in enumerate(("department", "role_level")):
            for group in {units(*c)[at] for c in cells}:
                targets[f"{grouping} {group}"] = _members(units, cells, grouping, group)
        for name, members in targets.items():
            if not members or not _pinned(rows, vector(members)):
                continue
            value = sum(truth.get(c, {}).get(column, 0) for c in members)
            if sum(pop[c] for c in members) < k or 0 < value < k:
                found.append(f"{column} of {name} ({sorted(members)}) works out as {value}")
    return found


def actor_candidates(before: dict, after: dict, units, pop: dict, sign: dict[str, int]) -> set:
    """The true cells the one person who acted could be in: those whose every row shown on both
    sides moved exactly as it would if they had (``sign``: column -> +1 or -1)."""
    cells, population_of = sorted(pop), pop.get
    both = {}
    for page in before:
        for key, value in before[page].items():
            if value is not None and after[page].get(key) is not None:
                both[key] = after[page][key] - value
    out = set()
    for c in cells:  # (a cell with no one in it cannot have acted: the attacker knows the roster)
        ok = bool(population_of(c))
        for (grouping, group, column), delta in both.items():
            inside = grouping == "total" or c in _members(units, cells, grouping, group)
            if delta != (sign.get(column, 0) if inside else 0):
                ok = False
                break
        if ok:
            out.add(c)
    return out


def _truth(session: Session, engagement: Engagement) -> dict[tuple[str, str], dict[str, int]]:
    return {cell: dict(counts) for cell, counts in counts_by(session, engagement, lambda d, r: (d, r)).items()}


def _themes_attack(session: Session, engagement: Engagement, units, pop: dict, k: int) -> list[str]:
    """The intersection attack over every theme page: labels and groups shown beside them, and each
    breakdown's groups; what is learnt about any label must cover at least k people."""
    found = []
    cells = sorted(pop)
    candidates: dict[str, set] = {}
    for theme in session.exec(select(Theme).where(Theme.engagement_id == engagement.id)).all():
        view = theme_view(session, theme)
        for by, groups in (("department", view.breakdown.by_department), ("role_level", view.breakdown.by_role)):
            for group in groups:
                if sum(pop[c] for c in _members(units, cells, by, group)) < k:
                    found.append(f"theme {theme.label} breakdown names {group!r}")
        for m in view.members:
            shown = {c for c in cells if units(*c) == (m.department, m.role_level)}
            candidates[m.participant] = candidates.get(m.participant, set(cells)) & shown
    for label, possible in candidates.items():
        if sum(pop[c] for c in possible) < k:
            found.append(f"{label} narrowed to {sorted(possible)}")
    return found


def test_issue_city_theme_pages_and_tables_single_out_no_one(session):
    engagement, people = seed_city(session, ISSUE_CITY, themes=5, seed=29)
    set_status(session, people[0], "started")  # one Finance person back in progress
    units = units_for(session, engagement)
    pop = population(session, engagement)
    assert units("HR", "executive") == units("IT", "manager") == (OTHER_DEPARTMENTS, OTHER_ROLES)
    assert _themes_attack(session, engagement, units, pop, 5) == []
    pages = observe(session, engagement)
    assert attack(pages, _truth(session, engagement), units, pop, 5) == []
    shown_groups = {g for figures in pages.values() for (_, g, _) in figures}
    assert not shown_groups & {"HR", "IT", "executive", "manager", "HR · executive", "IT · manager"}


ACTIONS = {"start": ("invited", "started"), "submit": ("started", "submitted"), "withdraw": ("submitted", "withdrawn")}


@hypothesis_settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    sizes=st.lists(st.sampled_from([1, 2, 3, 4, 6, 7]), min_size=3, max_size=6),
    k=st.sampled_from([3, 5]),
    action=st.sampled_from(sorted(ACTIONS)),
    seed=st.integers(0, 10_000),
)
def test_random_engagements_one_person_acting_gives_no_one_away(session, sizes, k, action, seed):
    rng = random.Random(seed)
    cells = {}
    for n, size in enumerate(sizes):
        cells[(f"Dept{n % 3}", ("frontline", "manager", "executive")[n // 3 % 3])] = size
    engagement, people = seed_city(session, cells, themes=3, seed=seed)
    set_min_cell(session, engagement, k)
    start, _ = ACTIONS[action]
    for person in people:  # a mix of statuses, the actor among those who can act
        set_status(session, person, rng.choice(["invited", "started", "submitted", "submitted"]))
    actor = rng.choice(people)
    set_status(session, actor, start)
    units = units_for(session, engagement)
    pop = population(session, engagement)
    before, truth_before = observe(session, engagement), _truth(session, engagement)
    assert attack(before, truth_before, units, pop, k) == []
    set_status(session, actor, ACTIONS[action][1])
    session.refresh(engagement)
    after, truth_after = observe(session, engagement), _truth(session, engagement)
    assert attack(after, truth_after, units, pop, k) == []
    cell = (actor.department, actor.role_level)
    sign = {c: truth_after[cell].get(c, 0) - truth_before[cell].get(c, 0) for c in (*PEOPLE_COLUMNS, "invited")}
    assert units_for(session, engagement).shown == units.shown  # acting never moves the groups
    could_be = actor_candidates(before, after, units, pop, sign)
    assert cell in could_be
    assert sum(pop[c] for c in could_be) >= k, (action, could_be)
    assert _themes_attack(session, engagement, units, pop, k) == []


GRID = st.lists(
    st.tuples(st.sampled_from([0, 1, 2, 3, 4, 6, 9]), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
    min_size=2,
    max_size=9,
)


def _grid(grid) -> tuple[dict, dict]:
    """Population and true counts (started, submitted, withdrawn) per cell of a 3 x 3 grid."""
    pop, truth = {}, {}
    for n, (size, a, b, c) in enumerate(grid):
        cell = (f"D{n % 3}", f"R{n // 3}")
        pop[cell] = size
        a, b = min(a, size), min(b, max(size - a, 0))
        truth[cell] = {"started": a, "submitted": b, "withdrawn": min(c, max(size - a - b, 0))}
    return pop, truth


def _page(pop: dict, truth: dict, k: int) -> dict:
    """Every table ``linked_tables`` gives for these cells, as one page of figures."""
    units = _units(pop, k)
    counts: dict = defaultdict(lambda: defaultdict(int))
    unit_pop: dict = defaultdict(int)
    for cell, row in truth.items():
        unit_pop[units(*cell)] += pop[cell]
        for column, v in row.items():
            counts[units(*cell)][column] += v
    groupings = {UNIT: unit_label, "department": lambda u: u[0], "role_level": lambda u: u[1]}
    columns = ("started", "submitted", "withdrawn")
    tables = linked_tables(counts, k=k, population=unit_pop, groupings=groupings, columns=columns)
    page = {}
    for name, table in tables.items():
        for group, row in table.rows.items():
            for column, cell in row.items():
                assert cell.hidden == (cell.reason != ""), cell
                page[(name, group, column)] = cell.value
        for column, cell in table.totals.items():
            page[("total", "", column)] = cell.value
    return page


@hypothesis_settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(k=st.sampled_from([3, 5, 7]), grid=GRID)
def test_linked_tables_resist_the_linear_attack(k, grid):
    """The rule alone, on random tables: every grouping's table at once, solved by linear algebra."""
    pop, truth = _grid(grid)
    assert attack({"tables": _page(pop, truth, k)}, truth, _units(pop, k), pop, k) == []


@hypothesis_settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(
    k=st.sampled_from([3, 5]),
    grid=GRID,
    pick=st.integers(0, 100),
    action=st.sampled_from(["start", "submit", "withdraw"]),
)
def test_linked_tables_before_and_after_one_person_acts(k, grid, pick, action):
    """Random tables before and after one person starts, submits or withdraws: the people the
    change could be are never fewer than k."""
    pop, truth = _grid(grid)
    column_from, column_to = {
        "start": (None, "started"),
        "submit": ("started", "submitted"),
        "withdraw": ("submitted", "withdrawn"),
    }[action]
    able = [c for c in sorted(pop) if (truth[c][column_from] if column_from else pop[c] - sum(truth[c].values())) > 0]
    if not able:
        return
    cell = able[pick % len(able)]
    after = {c: dict(row) for c, row in truth.items()}
    if column_from:
        after[cell][column_from] -= 1
    after[cell][column_to] += 1
    sign = {column_to: 1, **({column_from: -1} if column_from else {})}
    before_page, after_page = _page(pop, truth, k), _page(pop, after, k)
    could_be = actor_candidates({"t": before_page}, {"t": after_page}, _units(pop, k), pop, sign)
    assert cell in could_be
    everyone = {c for c in pop if pop[c]}
    assert sum(pop[c] for c in could_be) >= k or could_be == everyone, (cell, could_be)  # (a city under k)


def _units(pop, k):
    from assistant.suppression import disclosure_units

    return disclosure_units(pop, k=k)


def test_hidden_to_protect_reads_not_shown_and_small_reads_fewer_than_k():
    units = _units({("A", "x"): 6, ("B", "x"): 6, ("C", "x"): 9}, 5)
    counts = {("A", "x"): {"withdrawn": 1}, ("B", "x"): {"withdrawn": 0}, ("C", "x"): {"withdrawn": 6}}
    tables = linked_tables(
        counts,
        k=5,
        population={("A", "x"): 6, ("B", "x"): 6, ("C", "x"): 9},
        groupings={UNIT: unit_label},
        columns=("withdrawn",),
    )
    rows = tables[UNIT].rows
    assert rows["A · x"]["withdrawn"].text(5) == "fewer than 5"
    assert rows["C · x"]["withdrawn"].text(5) == "not shown" and tables[UNIT].protects
    assert tables[UNIT].totals["withdrawn"].value == 7
    assert units("A", "x") == ("A", "x")


def test_a_roster_of_one_is_never_reported(session):
    engagement, people = seed_city(session, ISSUE_CITY, themes=2, seed=1)
    hr = next(p for p in people if p.department == "HR")
    for status in ("started", "submitted", "withdrawn"):
        set_status(session, hr, status)
        pages = observe(session, engagement)
        assert not [key for figures in pages.values() for key in figures if "HR" in key[1] or "executive" in key[1]]
    assert session.exec(select(Participant).where(Participant.id == hr.id)).one().withdrawn_at is not None
