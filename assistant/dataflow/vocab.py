"""The words of the staff form and the numbers behind them: how data moves, how often, how often it
must be fixed or chased. One place, so the form, the bottleneck score and the exports agree.

The weights say how much a hand-off of each kind costs beyond the minutes staff give: re-typing and
paper are the hand-offs value-stream mapping finds least "complete and accurate"; an automatic feed
still counts a little (someone watches it).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models import MANUAL_METHODS

METHODS: dict[str, str] = {
    "automatic": "Automatic (the systems talk to each other)",
    "export_import": "Exported and imported (a file is moved by hand)",
    "retyped": "Re-typed by hand",
    "email": "Sent by email",
    "paper": "On paper",
    "shared_drive": "Saved to a shared drive",
}
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
MANUAL = frozenset(MANUAL_METHODS)

FREQUENCIES: dict[str, str] = {
    "daily": "Every working day",
    "weekly": "Every week",
    "monthly": "Every month",
    "quarterly": "Every few months",
    "yearly": "Once a year",
    "rarely": "Less often",
}
RUNS_A_YEAR: dict[str, int] = {"daily": 250, "weekly": 50, "monthly": 12, "quarterly": 4, "yearly": 1, "rarely": 1}

FIXES: dict[str, str] = {
    "never": "Hardly ever",
    "sometimes": "Sometimes (about 1 time in 10)",
    "often": "Often (about 1 time in 3)",
    "always": "Almost every time",
}
FIX_RATE: dict[str, float] = {"never": 0.0, "sometimes": 0.1, "often": 0.33, "always": 0.9}
# a fix or a chase is assumed to take as long as the hand-off itself: a hand-off fixed every time costs twice

ENDS = ("system", "department", "public")
PUBLIC = "the public"
PUBLIC_WORDS = frozenset({"public", "the public", "residents", "citizens", "customers", "the residents"})


@dataclass(frozen=True)
class End:
    """One end of a flow: a system (``ref`` as written), a department (its name) or the public."""

    kind: str
    ref: str

    @property
    def label(self) -> str:
        return PUBLIC if self.kind == "public" else self.ref


# what a skipped answer counts as: a skipped field must not make a paper hand-off free
ASSUMED_MINUTES = 15
ASSUMED_FREQUENCY = "monthly"


def hours_a_year(frequency: str, minutes: int | None, fixes: str) -> float:
    """Estimated hours a year one person spends on one hand-off: runs a year x minutes, plus the fixes
    and chases (``FIX_RATE`` of the runs, each as long again). A skipped frequency counts as
    ``ASSUMED_FREQUENCY``, skipped minutes as ``ASSUMED_MINUTES``."""
    runs = RUNS_A_YEAR.get(frequency or ASSUMED_FREQUENCY, RUNS_A_YEAR[ASSUMED_FREQUENCY])
    return runs * (ASSUMED_MINUTES if minutes is None else minutes) / 60 * (1 + FIX_RATE.get(fixes, 0.0))
