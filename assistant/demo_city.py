"""The demo city and its staff: departments, roster counts, and who takes part (the *cast*).

Both demo engagements (``demo``: in progress; ``demo_completed``: finished) use this city's
departments and role levels; each persona's ``key`` is stored as the participant's ``external_id``,
which is how a re-run of the seed finds them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DEPARTMENTS = ["Public Works", "Finance", "Parks and Recreation", "Police", "Planning"]
ROSTER = {
    ("Public Works", "frontline"): 40,
    ("Public Works", "supervisor"): 8,
    ("Public Works", "manager"): 3,
    ("Public Works", "executive"): 1,
    ("Finance", "frontline"): 18,
    ("Finance", "supervisor"): 4,
    ("Finance", "manager"): 2,
    ("Finance", "executive"): 1,
    ("Parks and Recreation", "frontline"): 25,
    ("Parks and Recreation", "supervisor"): 5,
    ("Parks and Recreation", "manager"): 2,
    ("Parks and Recreation", "executive"): 1,
    ("Police", "frontline"): 60,
    ("Police", "supervisor"): 10,
    ("Police", "manager"): 4,
    ("Police", "executive"): 1,
    ("Planning", "frontline"): 12,
    ("Planning", "supervisor"): 3,
    ("Planning", "manager"): 2,
    ("Planning", "executive"): 1,
}


@dataclass(frozen=True)
class Persona:
    """A demo staff member. ``key`` is stored as the participant's ``external_id`` (how a re-run
    finds them); ``stop_after`` is how many questions they answer before leaving (None: all)."""

    key: str
    department: str
    role_level: str
    outcome: str  # submitted | in_progress | withdrawn
    stop_after: int | None = None


# Submitted interviews per group: more frontline voices than executive ones, never more than the
# roster holds (Planning's executive is left for the printed invite link to try by hand).
SUBMITTED = {
    ("Public Works", "frontline"): 6,
    ("Public Works", "supervisor"): 2,
    ("Public Works", "manager"): 1,
    ("Public Works", "executive"): 1,
    ("Finance", "frontline"): 4,
    ("Finance", "supervisor"): 1,
    ("Finance", "manager"): 1,
    ("Finance", "executive"): 1,
    ("Parks and Recreation", "frontline"): 4,
    ("Parks and Recreation", "supervisor"): 2,
    ("Parks and Recreation", "manager"): 1,
    ("Parks and Recreation", "executive"): 1,
    ("Police", "frontline"): 6,
    ("Police", "supervisor"): 2,
    ("Police", "manager"): 1,
    ("Police", "executive"): 1,
    ("Planning", "frontline"): 2,
    ("Planning", "supervisor"): 1,
    ("Planning", "manager"): 1,
}
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
