"""Small-cell suppression: the one rule for what may be shown about a group of people.

Rules (every page, export and JSON file goes through these functions):
- the threshold ``k`` is the engagement's setting ``equity.min_cell`` (default 5, never below 3;
  ``assistant.records.engagements.settings.min_cell_of``), and every function here takes it as a required
  keyword: no page, export or stage decides what to show about a group with a constant;
- primary: a group with any count from 1 to k-1 (people, invites, roster) is hidden, shown as
  "fewer than k";
- complementary: hidden groups are pooled, and while the pool (what a reader could work out by
  subtracting the shown groups from the total) has any count from 1 to k-1, the next smallest
  shown group is hidden too. So a hidden figure can never be derived from the total and the
  other groups on the same page; when even the whole table is below k, its total is hidden too;
- attributions (a quote's or transcript's department and role level) name a group only when it
  has at least k people in the engagement, and pool the rest as "other departments" /
  "other role levels".
- over time (two assessments, "waves"): every wave's figure passes the same rule with the same k,
  and so does the difference between two waves: a change of 1 to k-1 people in a group is hidden
  (it could single out who left or joined), as is any difference with a hidden side
  (``count_or_none``, ``difference_or_none``).
Zero counts are shown: "no one from this group" says nothing about a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DEFAULT_MIN_CELL = 5  # the settings model's default for ``equity.min_cell``, never a threshold itself
FLOOR = 3  # a threshold below 3 is refused: pairs of people can work each other out
OTHER_DEPARTMENTS = "other departments"
OTHER_ROLES = "other role levels"
NOT_GIVEN = "(not given)"


def fewer_than(k: int) -> str:
    """The words shown in place of a hidden figure."""
    return f"fewer than {k}"


@dataclass
class Suppressed:
    """Which rows of a table are hidden, what the hidden rows add up to, and whether the totals are hidden."""

    hidden: set[str] = field(default_factory=set)
    pooled: dict[str, int] | None = None  # sums of the hidden rows (safe to show: 0 or at least k)
    totals_hidden: bool = False


def _small(value: int, k: int) -> bool:
    return 0 < value < k


def suppress_rows(rows: Mapping[str, Mapping[str, int]], *, k: int) -> Suppressed:
    """Rows of a table (group -> {column: count}) to hide so that no count of 1..k-1 can be read
    or derived by subtraction from the column totals (see the module rules)."""
    hidden = {g for g, r in rows.items() if any(_small(v, k) for v in r.values())}
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
    return Suppressed(hidden, pooled, any(_small(v, k) for v in totals.values()))


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
    hidden = suppress_rows(rows, k=k).hidden
    return {g: (fewer_than(k) if g in hidden else rows[g]["n"]) for g in sorted(rows)}


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
    cells = Counter((d or NOT_GIVEN, r or NOT_GIVEN) for d, r in people)
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
    by_role = Counter()
    for cell in unresolved:
        by_role[cell[1]] += cells[cell]
    pooled_roles = _pool_small(by_role, k)
    for dept, role in unresolved:
        shown[(dept, role)] = (OTHER_DEPARTMENTS, OTHER_ROLES if role in pooled_roles else role)
    return Attributor(shown, k)
