"""Counts of distinct people by department and role level, with small cells suppressed.

Shared by the theme pages and (later) the equity audit: one rule for what may be shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Union

MIN_CELL = 5
SUPPRESSED = "fewer than 5"

Cell = Union[int, str]


def suppress(counts: dict[str, int], min_cell: int = MIN_CELL) -> dict[str, Cell]:
    """``counts`` with every cell under ``min_cell`` people replaced by "fewer than 5".

    Rule (primary and complementary suppression): a cell of 1..min_cell-1 is hidden; when
    exactly one cell is hidden and the total is shown elsewhere, the next smallest cell is hidden
    too, so the hidden one cannot be worked out by subtraction. Zero cells are left out.
    """
    shown: dict[str, Cell] = {k: v for k, v in sorted(counts.items()) if v > 0}
    small = [k for k, v in shown.items() if isinstance(v, int) and v < min_cell]
    for k in small:
        shown[k] = SUPPRESSED if min_cell == MIN_CELL else f"fewer than {min_cell}"
    if len(small) == 1:
        rest = sorted((v, k) for k, v in shown.items() if isinstance(v, int))
        if rest:
            shown[rest[0][1]] = SUPPRESSED if min_cell == MIN_CELL else f"fewer than {min_cell}"
    return shown


@dataclass
class Breakdown:
    """Distinct people behind a set of segments, overall and per department / role level."""

    people: int = 0
    segments: int = 0
    by_department: dict[str, Cell] = field(default_factory=dict)
    by_role: dict[str, Cell] = field(default_factory=dict)


def breakdown(rows: Iterable[tuple[int, str, str]], min_cell: int = MIN_CELL) -> Breakdown:
    """Breakdown of (participant_id, department, role_level) rows, one row per segment.

    Counts people, not mentions: a person with ten segments counts once in each cell.
    """
    people: dict[int, tuple[str, str]] = {}
    segments = 0
    for pid, dept, role in rows:
        segments += 1
        people.setdefault(pid, (dept or "(not given)", role or "(not given)"))
    dept_counts: dict[str, int] = {}
    role_counts: dict[str, int] = {}
    for dept, role in people.values():
        dept_counts[dept] = dept_counts.get(dept, 0) + 1
        role_counts[role] = role_counts.get(role, 0) + 1
    return Breakdown(
        people=len(people), segments=segments,
        by_department=suppress(dept_counts, min_cell), by_role=suppress(role_counts, min_cell),
    )
