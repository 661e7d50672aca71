"""The demo city and its staff: departments, roster counts, and who takes part (the *cast*).

Both demo engagements (``seed``: in progress; ``completed``: finished) use this city's
departments and role levels; each persona's ``key`` is stored as the participant's ``external_id``,
which is how a re-run of the seed finds them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ROLE_LEVELS = ["frontline", "supervisor", "manager", "executive"]

# Per department, one cell per role level (in ROLE_LEVELS order): (staff on the roster, submitted
# interviews). More frontline voices than executive ones, never more than the roster holds
# (Planning's executive is left for the printed invite link to try by hand).
CITY: dict[str, list[tuple[int, int]]] = {
    "Public Works": [(40, 6), (8, 2), (3, 1), (1, 1)],
    "Finance": [(18, 4), (4, 1), (2, 1), (1, 1)],
    "Parks and Recreation": [(25, 4), (5, 2), (2, 1), (1, 1)],
    "Police": [(60, 6), (10, 2), (4, 1), (1, 1)],
    "Planning": [(12, 2), (3, 1), (2, 1), (1, 0)],
}
DEPARTMENTS = list(CITY)
_CELLS = [(dept, role, cell) for dept, row in CITY.items() for role, cell in zip(ROLE_LEVELS, row, strict=True)]
ROSTER = {(dept, role): staff for dept, role, (staff, _) in _CELLS}
SUBMITTED = {(dept, role): n for dept, role, (_, n) in _CELLS if n}  # submitted interviews per group


@dataclass(frozen=True)
class Persona:
    """A demo staff member. ``key`` is stored as the participant's ``external_id`` (how a re-run
    finds them); ``stop_after`` is how many questions they answer before leaving (None: all)."""

    key: str
    department: str
    role_level: str
    outcome: str  # submitted | in_progress | withdrawn
    stop_after: int | None = None


# Those who did not finish: (department, role level, outcome, questions answered before leaving).
UNFINISHED = [
    ("Public Works", "frontline", "withdrawn", None),  # submitted, then withdrew
    ("Police", "supervisor", "withdrawn", 4),  # withdrew part-way
    ("Parks and Recreation", "frontline", "in_progress", 3),
    ("Finance", "frontline", "in_progress", 7),
    ("Planning", "manager", "in_progress", 2),
]
DEMO_SEED = "riverton-2026"


def demo_cast() -> list[Persona]:
    """The demo staff in the order they take part (a seeded shuffle, so departments interleave)."""
    groups = [(d, r, "submitted", None) for (d, r), n in SUBMITTED.items() for _ in range(n)] + list(UNFINISHED)
    random.Random(DEMO_SEED).shuffle(groups)
    return [Persona(f"demo-{i:02d}", d, r, outcome, stop) for i, (d, r, outcome, stop) in enumerate(groups, start=1)]
