"""The words of the staff form and the numbers behind them: how data moves, how often, how often it
must be fixed or chased. One place, so the form, the bottleneck score and the exports agree.

The numbers (method weights, runs a year, fix rates, ``hours_a_year``) are below the stages in
``records/handoffs.py``, where the bottleneck score the rating cites is computed.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models import MANUAL_METHODS
from assistant.records.handoffs import (
    ASSUMED_FREQUENCY,
    ASSUMED_MINUTES,
    FIX_RATE,
    METHOD_WEIGHT,
    PUBLIC,
    RUNS_A_YEAR,
    SHORT_METHODS,
    hours_a_year,
)

__all__ = ["ASSUMED_FREQUENCY", "ASSUMED_MINUTES", "ENDS", "FIXES", "FIX_RATE", "FREQUENCIES", "MANUAL"]
__all__ += ["METHODS", "METHOD_WEIGHT", "PUBLIC", "PUBLIC_WORDS", "RUNS_A_YEAR", "SHORT_METHODS", "End"]
__all__ += ["hours_a_year"]

METHODS: dict[str, str] = {
    "automatic": "Automatic (the systems talk to each other)",
    "export_import": "Exported and imported (a file is moved by hand)",
    "retyped": "Re-typed by hand",
    "email": "Sent by email",
    "paper": "On paper",
    "shared_drive": "Saved to a shared drive",
}
MANUAL = frozenset(MANUAL_METHODS)

FREQUENCIES: dict[str, str] = {
    "daily": "Every working day",
    "weekly": "Every week",
    "monthly": "Every month",
    "quarterly": "Every few months",
    "yearly": "Once a year",
    "rarely": "Less often",
}

FIXES: dict[str, str] = {
    "never": "Hardly ever",
    "sometimes": "Sometimes (about 1 time in 10)",
    "often": "Often (about 1 time in 3)",
    "always": "Almost every time",
}

ENDS = ("system", "department", "public")
PUBLIC_WORDS = frozenset({"public", "the public", "residents", "citizens", "customers", "the residents"})


@dataclass(frozen=True)
class End:
    """One end of a flow: a system (``ref`` as written), a department (its name) or the public."""

    kind: str
    ref: str

    @property
    def label(self) -> str:
        return PUBLIC if self.kind == "public" else self.ref
