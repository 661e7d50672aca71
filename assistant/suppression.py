"""Disclosure control: the one rule for what may be shown about a group of people.

Every page, export and JSON file that shows a figure about a group, a breakdown or a person's group
goes through this module, with the engagement's own threshold ``k`` (``equity.min_cell``, default 5,
never below 3; ``assistant.records.engagements.settings.min_cell_of``) as a required keyword.

1. Groups that may be named (``disclosure_units``). The population of a (department, role level)
   cell is the roster, or the people taken part where there is none (never more than invited: a
   roster cannot be inflated to see more). A cell of at least k is named in full; smaller cells
   are pooled within their department ("<department> · other role levels"), then by role level
   ("other departments · <role level>"), then in "other departments · other role levels", which,
   while it holds fewer than k, takes in the smallest named group (so that a change outside the
   named groups never points at fewer than k people). Every
   breakdown, table row, quote, segment list and transcript names people by these units only, so
   a department group and a role group always intersect in a unit of at least k people: labels
   taken in common across theme pages, or a department and a role count that both move when one
   person acts, narrow a person down to k people at the least. A unit, department or role group
   whose population is below k (the leftover pool of a tiny engagement) is never reported at all:
   no row, not even "fewer than k".
2. Counts (``linked_tables``): one function computes every table of counts about the same people
   (the progress table by unit, participation by department and by role level, the report's), so
   two pages hide the same cells. Per column (roster, invited, started, submitted, withdrawn, took
   part...): primary, a count from 1 to k-1 is hidden ("fewer than k"); secondary, what a reader
   could work out from what is shown (row, group and total sums, on every page at once) is checked
   by linear algebra: while some hidden figure that is 1..k-1 (or about fewer than k people) could
   be solved for, or the hidden part of a shown sum is 1..k-1, the smallest shown figure in the way
   is hidden too, marked ``PROTECTS`` ("not shown", with a footnote), and totals are no exception.
   A zero is shown only for a group of at least k people.
3. Attributions: a quote's or transcript's department and role level are its unit (rule 1); a
   disagreement is attributed to a side only if the side has at least k people.
4. One-column helpers (``suppress``, ``suppress_rows``) keep the primary and complementary rule for
   figures with no roster (attributes asked at consent, voice shares).
5. Over time (two assessments, "waves"): every wave's figure passes the same rule with the same k,
   and so does the difference between two waves: a change of 1 to k-1 people in a group is hidden
   (it could single out who left or joined), as is any difference with a hidden side
   (``count_or_none``, ``difference_or_none``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

DEFAULT_MIN_CELL = 5  # the settings model's default for ``equity.min_cell``, never a threshold itself
FLOOR = 3  # a threshold below 3 is refused: pairs of people can work each other out
OTHER_DEPARTMENTS = "other departments"
OTHER_ROLES = "other role levels"
NOT_GIVEN = "(not given)"


SMALL = "small"  # a hidden figure about fewer than k people: "fewer than k"
PROTECTS = "protects"  # hidden only so that another hidden figure cannot be worked out: "not shown"
NOT_SHOWN = "not shown"
PROTECTS_NOTE = "not shown: hidden so that a smaller group's figure cannot be worked out from the others"


def fewer_than(k: int) -> str:
    """The words shown in place of a figure about fewer than ``k`` people."""
    return f"fewer than {k}"


def hidden_text(reason: str, k: int) -> str:
    """The words shown in place of a hidden figure, by why it is hidden (``SMALL`` or ``PROTECTS``)."""
    return NOT_SHOWN if reason == PROTECTS else fewer_than(k)


@dataclass(frozen=True)
class Cell:
    """One figure as a page shows it: ``value`` is None when hidden, and ``reason`` says why."""

    value: int | None
    reason: str = ""  # "" when shown, else SMALL or PROTECTS

    @property
    def hidden(self) -> bool:
        return self.value is None

    def text(self, k: int) -> str:
        """The figure, "fewer than k" or "not shown"."""
        return str(self.value) if self.value is not None else hidden_text(self.reason, k)


@dataclass
class Suppressed:
    """Which rows of a table are hidden, what the hidden rows add up to, and whether the totals are hidden."""

    hidden: set[str] = field(default_factory=set)
    pooled: dict[str, int] | None = None  # sums of the hidden rows (safe to show: 0 or at least k)
    totals_hidden: bool = False
    small: set[str] = field(default_factory=set)  # hidden for their own sake; the rest of ``hidden`` PROTECTS them

    def reason(self, group: str) -> str:
        """Why ``group``'s row is hidden: ``SMALL``, ``PROTECTS`` or "" when shown."""
        return "" if group not in self.hidden else (SMALL if group in self.small else PROTECTS)


def _small(value: int, k: int) -> bool:
    return 0 < value < k


def suppress_rows(rows: Mapping[str, Mapping[str, int]], *, k: int) -> Suppressed:
    """Rows of a table (group -> {column: count}) to hide so that no count of 1..k-1 can be read
    or derived by subtraction from the column totals (see the module rules)."""
    hidden = {g for g, r in rows.items() if any(_small(v, k) for v in r.values())}
    small = set(hidden)
    columns = sorted({c for r in rows.values() for c in r})

    def pool() -> dict[str, int]:
        return {c: sum(rows[g].get(c, 0) for g in hidden) for c in columns}

    # the smallest rows first (zero rows cannot make a pool safe, so they are never added)
    candidates = sorted(
        (g for g in rows if g not in hidden and any(rows[g].values())), key=lambda g: (sum(rows[g].values()), g)
    )
    while hidden and any(_small(v, k) for v in pool().values()) and candidates:
        hidden.add(candidates.pop(0))
    pooled = pool() if hidden else None
    totals = {c: sum(r.get(c, 0) for r in rows.values()) for c in columns}
    return Suppressed(hidden, pooled, any(_small(v, k) for v in totals.values()), small)


def count_or_none(value: int, *, k: int) -> int | None:
    """One group's count as a file or chart may carry it: None when it is 1 to k-1."""
    return None if _small(value, k) else value


def difference_or_none(before: int, after: int, *, k: int) -> int | None:
    """The change in a group's count between two waves: None when either wave's count is hidden or
    the change itself is 1 to k-1 people either way (the over-time rule)."""
    if _small(before, k) or _small(after, k) or _small(abs(after - before), k):
        return None
    return after - before


def suppress(counts: Mapping[str, int], *, k: int) -> dict[str, int | str]:
    """One column of counts (group -> people) as shown: hidden groups read "fewer than k"; zero
    groups are left out. The rule of ``suppress_rows``."""
    rows = {g: {"n": v} for g, v in counts.items() if v > 0}
    result = suppress_rows(rows, k=k)
    return {g: (hidden_text(result.reason(g), k) if g in result.hidden else rows[g]["n"]) for g in sorted(rows)}


def pooled(counts: Mapping[str, int], population: Mapping[str, int], other: str, *, k: int) -> dict[str, int]:
    """``counts`` with every group whose population is under ``k`` folded into ``other`` (rule 1 for a
    one-way count, where the units are not known: a stored proposal's voice mix)."""
    out: Counter = Counter()
    for group, n in counts.items():
        out[group if population.get(group, 0) >= k else other] += n
    return dict(out)


def _pool_small(counts: Mapping[str, int], k: int) -> set[str]:
    """Keys to pool so that the pool holds 0 or at least k people: the small ones, then the next
    smallest shown ones while the pool is still under k (complementary suppression)."""
    pooled = {g for g, n in counts.items() if _small(n, k)}
    rest = sorted((g for g in counts if g not in pooled and counts[g] > 0), key=lambda g: (counts[g], g))
    while pooled and _small(sum(counts[g] for g in pooled), k) and rest:
        pooled.add(rest.pop(0))
    return pooled


@dataclass(frozen=True)
class Attributor:
    """How a person's department and role level may be shown beside their words (quotes,
    transcripts): call it with (department, role level) to get what a page shows.

    A (department, role level) cell of at least k people is named in full. Smaller cells are
    pooled within their department as "<department> · other role levels" when that pool has k
    people (shown cells join the pool until it has); what is left is pooled by role level as
    "other departments · <role level>" under the same rule, and the rest reads "other
    departments · other role levels". No label ever stands for fewer than k people, unless the
    whole engagement has fewer than k left to pool.
    """

    shown: Mapping[tuple[str, str], tuple[str, str]]
    k: int

    def __call__(self, department: str, role_level: str) -> tuple[str, str]:
        """(department, role level) as a page may show them for this person."""
        return self.shown.get((department or NOT_GIVEN, role_level or NOT_GIVEN), (OTHER_DEPARTMENTS, OTHER_ROLES))


def attributor(people: Iterable[tuple[str, str]], *, k: int) -> Attributor:
    """The attribution rule for a population of (department, role level), one pair per person."""
    return disclosure_units(Counter((d or NOT_GIVEN, r or NOT_GIVEN) for d, r in people), k=k)


def disclosure_units(population: Mapping[tuple[str, str], int], *, k: int) -> Attributor:
    """The groups that may be named (rule 1), from the population of each (department, role level)."""
    cells = Counter({(d or NOT_GIVEN, r or NOT_GIVEN): n for (d, r), n in population.items() if n > 0})
    shown: dict[tuple[str, str], tuple[str, str]] = {}
    unresolved: list[tuple[str, str]] = []
    for dept in sorted({d for d, _ in cells}):
        in_dept = {r: n for (d, r), n in cells.items() if d == dept}
        pooled = _pool_small(in_dept, k)
        dept_pool_ok = sum(in_dept[r] for r in pooled) >= k
        for role in in_dept:
            if role not in pooled:
                shown[(dept, role)] = (dept, role)
            elif dept_pool_ok:
                shown[(dept, role)] = (dept, OTHER_ROLES)
            else:
                unresolved.append((dept, role))
    by_role: Counter = Counter()
    for cell in unresolved:
        by_role[cell[1]] += cells[cell]
    pooled_roles = _pool_small(by_role, k)
    for dept, role in unresolved:
        shown[(dept, role)] = (OTHER_DEPARTMENTS, OTHER_ROLES if role in pooled_roles else role)
    # the last pool too holds 0 or at least k people: while it is small, the smallest named group
    # joins it (else a change anywhere outside the named groups would point at fewer than k people)
    rest = (OTHER_DEPARTMENTS, OTHER_ROLES)
    sizes: Counter = Counter()
    for cell, unit in shown.items():
        sizes[unit] += cells[cell]
    while _small(sizes[rest], k) and len(sizes) > 1:
        smallest = min((u for u in sizes if u != rest), key=lambda u: (sizes[u], u))
        for cell, unit in shown.items():
            if unit == smallest:
                shown[cell] = rest
        sizes[rest] += sizes.pop(smallest)
    return Attributor(shown, k)


Unit = tuple[str, str]
UNIT = "unit"  # the grouping whose groups are the units themselves
TOTAL = "total"


@dataclass(frozen=True)
class Table:
    """One grouping's table as shown: rows (group -> column -> ``Cell``) for the groups that may be
    named, in first-seen order, and the totals. ``protects`` says a "not shown" footnote is due."""

    grouping: str
    rows: dict[str, dict[str, Cell]]
    totals: dict[str, Cell]

    @property
    def protects(self) -> bool:
        cells = [*self.totals.values(), *(c for r in self.rows.values() for c in r.values())]
        return any(c.reason == PROTECTS for c in cells)


def _in_rowspace(known: np.ndarray, rank: int, vector: np.ndarray) -> bool:
    return rank > 0 and int(np.linalg.matrix_rank(np.vstack([known, vector]))) == rank


Line = tuple[str, object]  # (grouping, group): a sum a page may show; (UNIT, unit) is one unit's figure
Lines = Mapping[Line, frozenset[Unit]]


@dataclass(frozen=True)
class _Known:
    """What a reader knows of one column: the shown sums as rows of a matrix over the units."""

    index: dict[Unit, int]
    matrix: np.ndarray
    rank: int

    @classmethod
    def of(cls, lines: Lines, hidden: Mapping[Line, str]) -> _Known:
        units = sorted({u for members in lines.values() for u in members})
        index = {u: i for i, u in enumerate(units)}
        known = cls(index, np.zeros((0, len(units))), 0)
        rows = [known.vector(m) for key, m in lines.items() if key not in hidden]
        matrix = np.array(rows).reshape(len(rows), len(units))
        return cls(index, matrix, int(np.linalg.matrix_rank(matrix)) if rows else 0)

    def vector(self, members: Iterable[Unit]) -> np.ndarray:
        v = np.zeros(len(self.index))
        for u in members:
            v[self.index[u]] = 1.0
        return v

    def solves(self, members: Iterable[Unit]) -> bool:
        """Whether the sum over ``members`` can be worked out from what is shown."""
        return _in_rowspace(self.matrix, self.rank, self.vector(members))

    def unknown_part(self, members: Iterable[Unit], values: Mapping[Line, int]) -> int:
        """The part of a sum over ``members`` that no shown figure gives unit by unit."""
        return sum(values[(UNIT, u)] for u in members if not self.solves([u]))


def _unsafe(
    lines: Lines, values: Mapping[Line, int], population: Mapping[Line, int], hidden: Mapping[Line, str], k: int
) -> tuple[str, Line] | None:
    """The first thing a reader could work out that they must not, or None: a hidden sensitive line
    that can be solved for ("pinned"), or a shown line whose unknown part adds up to 1..k-1 ("pool")."""
    known = _Known.of(lines, hidden)
    for key in hidden:
        if (population[key] < k or _small(values[key], k)) and known.solves(lines[key]):
            return ("pinned", key)
    for key in lines:
        if key not in hidden and _small(known.unknown_part(lines[key], values), k):
            return ("pool", key)
    return None


def _twins(line: Line, lines: Lines) -> list[Line]:
    """``line`` and every other line over the same units (a department of one unit, say): they are
    one figure on the page, shown or hidden together."""
    return [key for key, members in lines.items() if members == lines[line]]


def _fixes(
    problem: tuple[str, Line], also: Line, lines: Lines, values: Mapping[Line, int], hidden: dict, k: int
) -> bool:
    """Whether hiding ``also`` (and its twins) too puts an end to ``problem``."""
    kind, at = problem
    trial = {**hidden, **dict.fromkeys(_twins(also, lines), PROTECTS)}
    known = _Known.of(lines, trial)
    if kind == "pinned":
        return not known.solves(lines[at])
    return at in trial or not _small(known.unknown_part(lines[at], values), k)


def _protect_column(
    lines: Lines, values: Mapping[Line, int], population: Mapping[Line, int], unknown: set[Line], *, k: int
) -> dict[Line, str]:
    """Hidden lines of one column (line -> SMALL or PROTECTS), the rule's secondary step to a fixpoint;
    lines in ``unknown`` are shown nowhere (the units, when no page lists them). Each step hides the
    smallest figure whose hiding ends the problem (a neighbour before a total, as a table hides a
    second cell rather than its total)."""
    hidden = {key: SMALL for key in lines if key in unknown or _small(values[key], k) or population[key] < k}
    while (problem := _unsafe(lines, values, population, hidden, k)) is not None:
        members = lines[problem[1]]
        near = [key for key in lines if key not in hidden and lines[key] & members]
        candidates = sorted(
            (key for key in lines if key not in hidden and any(lines[key] <= lines[n] for n in near)),
            key=lambda key: (key[0] == TOTAL, values[key] == 0, values[key], len(lines[key]), str(key)),
        )
        fallback = next(c for c in candidates if c in near)
        pick = next((c for c in candidates if _fixes(problem, c, lines, values, hidden, k)), fallback)
        for key in _twins(pick, lines):
            hidden.setdefault(key, SMALL if _small(values[key], k) else PROTECTS)
    return hidden


def linked_tables(
    counts: Mapping[Unit, Mapping[str, int]],
    *,
    k: int,
    population: Mapping[Unit, int],
    groupings: Mapping[str, Callable[[Unit], str]],
    columns: Sequence[str],
) -> dict[str, Table]:
    """Every table about the same people at once (rule 2): ``counts`` per unit (``disclosure_units``'
    groups) and column, ``population`` per unit, and for each grouping the group of a unit (the
    grouping ``UNIT`` lists units themselves, as "<department> · <role level>"). Returns one ``Table``
    per grouping, all hiding consistently: whatever is shown on any of them together, no hidden
    figure of 1..k-1 or about fewer than k people can be solved for.
    """
    units = list(counts) + [u for u in population if u not in counts]
    lines: dict[Line, frozenset[Unit]] = {(TOTAL, ""): frozenset(units)}
    for u in units:
        lines[(UNIT, u)] = frozenset([u])  # the unknowns (shown only in a UNIT grouping's table)
    for name, group_of in groupings.items():
        if name != UNIT:
            for u in units:
                lines.setdefault((name, group_of(u)), frozenset())
                lines[(name, group_of(u))] |= {u}
    pop = {key: sum(population.get(u, 0) for u in members) for key, members in lines.items()}
    unit_shown = UNIT in groupings
    hidden_by_column = {}
    for column in columns:
        values = {key: sum(counts.get(u, {}).get(column, 0) for u in members) for key, members in lines.items()}
        unknown = set() if unit_shown else {key for key in lines if key[0] == UNIT}
        hidden_by_column[column] = (values, _protect_column(lines, values, pop, unknown, k=k))
    tables = {}
    for name, group_of in groupings.items():
        rows: dict[str, dict[str, Cell]] = {}
        for u in units:
            key = (UNIT, u) if name == UNIT else (name, group_of(u))
            label = group_of(u)
            if pop[key] < k or label in rows:
                continue
            rows[label] = {c: _cell(key, *hidden_by_column[c]) for c in columns}
        totals = {c: _cell((TOTAL, ""), *hidden_by_column[c]) for c in columns}
        tables[name] = Table(name, rows, totals)
    return tables


def _cell(key: Line, values: Mapping[Line, int], hidden: Mapping[Line, str]) -> Cell:
    return Cell(None, hidden[key]) if key in hidden else Cell(values[key])


def unit_label(unit: Unit) -> str:
    """A unit as a table row names it."""
    return f"{unit[0]} · {unit[1]}"
