"""A roadmap's phases from its planning horizon, and the dates they end on.

Below the stages because two read them: ``roadmap/`` places activities in phases, ``followup/``
gives a tracked item its due date (the end of its phase, counted from the roadmap's start).
The horizon (months) splits into three phases at 1/6, 1/2 and all of it: 36 months gives the usual
0-6, 6-18 and 18-36 months, and a last phase "after 36 months" holds what does not fit.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from assistant.models import Engagement
from assistant.records.engagements import settings_of


@dataclass(frozen=True)
class Phase:
    index: int
    start: int  # months from the start of the roadmap
    end: int | None  # None: beyond the horizon

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end} months" if self.end is not None else f"after {self.start} months"


def horizon_of(engagement: Engagement) -> int:
    """The engagement's planning horizon in months (default 36)."""
    return settings_of(engagement).horizon


def phases_for(horizon: int) -> list[Phase]:
    """The three phases of ``horizon`` months plus a last "beyond the horizon" phase for work that
    does not fit (shown, never hidden)."""
    first, second = max(1, round(horizon / 6)), max(2, round(horizon / 2))
    return [Phase(0, 0, first), Phase(1, first, second), Phase(2, second, horizon), Phase(3, horizon, None)]


def add_months(day: date, months: int) -> date:
    """``day`` moved on by ``months`` calendar months (the 31st becomes the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def phase_ends_on(start: date, phase: int, horizon: int) -> date | None:
    """The date phase ``phase`` of a roadmap started on ``start`` ends: None beyond the horizon."""
    phases = phases_for(horizon)
    end = phases[min(max(phase, 0), len(phases) - 1)].end
    return None if end is None else add_months(start, end)
