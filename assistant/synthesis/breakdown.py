"""Counts of distinct people by department and role level, with small cells suppressed.

The suppression rule itself lives in ``assistant/suppression.py`` (one rule for every page and export).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.suppression import suppress

Cell = int | str


@dataclass
class Breakdown:
    """Distinct people behind a set of segments, overall and per department / role level."""

    people: int = 0
    segments: int = 0
    by_department: dict[str, Cell] = field(default_factory=dict)
    by_role: dict[str, Cell] = field(default_factory=dict)


def breakdown(rows: Iterable[tuple[int, str, str]], *, k: int) -> Breakdown:
    """Breakdown of (participant_id, department, role_level) rows, one row per segment, groups under
    the engagement's threshold ``k`` suppressed.

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
        people=len(people),
        segments=segments,
        by_department=suppress(dept_counts, k=k),
        by_role=suppress(role_counts, k=k),
    )
