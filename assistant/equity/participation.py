"""Participation against the roster, per grouping (department, role level, optional attributes).

For each group: roster, invited, started, submitted (each person once, in their current status;
invited counts every invitation, as on the consultant's progress table), the participation rate
(submitted over roster) and the representation ratio (the group's share of submitted interviews
over its share of the roster). A ratio under the engagement's ``flag_ratio`` is flagged "under".

Attributes are asked at consent, so they have no roster and no invited count: only started and
submitted, and shares among participants.

Suppression, column by column (roster, invited, started, submitted): each column of a grouping's
table goes through ``suppress_rows`` with the column total as what a reader could subtract from;
a hidden count is None, and so are the rate, ratio and flag computed from it; a row with any
hidden figure is marked ``suppressed``. A column total under the threshold is hidden too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlmodel import Session

from assistant.equity.config import equity_settings
from assistant.equity.people import group_of, groupings, invited
from assistant.models import Engagement
from assistant.records.engagements import roster_rows
from assistant.suppression import NOT_GIVEN, suppress_rows

TOTAL = "total"
COUNTS = ("roster", "invited", "started", "submitted")


@dataclass
class Row:
    """One group's line; figures are None where hidden (``suppressed``) or not defined (no roster)."""

    grouping: str
    group: str
    roster: int | None
    invited: int | None
    started: int | None
    submitted: int | None
    rate: float | None
    ratio: float | None
    flag: str | None
    suppressed: bool
    kind: str = "group"  # group | total

    def as_json(self) -> dict:
        """The row in the audit file's shape (no ``kind``)."""
        data = asdict(self)
        data.pop("kind")
        return data


@dataclass
class Table:
    grouping: str
    name: str
    has_roster: bool
    rows: list[Row] = field(default_factory=list)

    @property
    def flagged(self) -> list[Row]:
        return [r for r in self.rows if r.flag]


def _row(
    grouping: str,
    group: str,
    c: dict[str, int],
    totals: dict[str, int],
    hidden: set[str],
    has_roster: bool,
    flag_ratio: float,
    kind: str,
) -> Row:
    """One line with the figures in ``hidden`` (column names) blanked, and what depends on them."""

    def shown(column: str) -> int | None:
        return None if column in hidden or (not has_roster and column in ("roster", "invited")) else c[column]

    rate = ratio = None
    flag = None
    if has_roster and c["roster"] and not {"roster", "submitted"} & hidden:
        rate = round(c["submitted"] / c["roster"], 3)
        if totals["submitted"] and totals["roster"] and kind != TOTAL:
            ratio = round((c["submitted"] / totals["submitted"]) / (c["roster"] / totals["roster"]), 3)
            flag = "under" if ratio < flag_ratio else None
    return Row(
        grouping,
        group,
        shown("roster"),
        shown("invited"),
        shown("started"),
        shown("submitted"),
        rate,
        ratio,
        flag,
        bool(hidden),
        kind,
    )


def participation(session: Session, engagement: Engagement) -> list[Table]:
    """One table per grouping: the groups in the engagement's order (groups with no roster and no
    one invited left out), then the total."""
    cfg = equity_settings(engagement)
    people = invited(session, engagement.id)
    roster = roster_rows(session, engagement)
    tables = []
    for grouping, name in groupings(engagement):
        has_roster = grouping in ("department", "role_level")
        if grouping == "department":
            order = list(engagement.departments)
        elif grouping == "role_level":
            order = list(engagement.role_levels)
        else:
            order = next(list(a.options) for a in cfg.attributes if a.key == grouping) + [NOT_GIVEN]
        counts: dict[str, dict[str, int]] = {g: dict.fromkeys(COUNTS, 0) for g in order}
        if has_roster:
            for r in roster:
                counts.setdefault(r.department if grouping == "department" else r.role_level, dict.fromkeys(COUNTS, 0))[
                    "roster"
                ] += r.count
        for p, status in people:
            if not has_roster and status not in ("started", "submitted"):
                continue  # attributes are only known from people who consented
            c = counts.setdefault(group_of(p, grouping), dict.fromkeys(COUNTS, 0))
            c["invited"] += 1
            if status in ("started", "submitted"):
                c[status] += 1
        columns = COUNTS if has_roster else ("started", "submitted")
        listed = [g for g in order + sorted(set(counts) - set(order)) if any(counts[g][k] for k in columns)]
        hidden: dict[str, set[str]] = {g: set() for g in listed}
        total_hidden: set[str] = set()
        for column in columns:
            result = suppress_rows({g: {column: counts[g][column]} for g in listed}, cfg.min_cell)
            for g in result.hidden:
                hidden[g].add(column)
            if result.totals_hidden:
                total_hidden.add(column)
        totals = {k: sum(counts[g][k] for g in listed) for k in COUNTS}
        table = Table(grouping, name, has_roster)
        table.rows = [
            _row(grouping, g, counts[g], totals, hidden[g], has_roster, cfg.flag_ratio, "group") for g in listed
        ]
        table.rows.append(_row(grouping, TOTAL, totals, totals, total_hidden, has_roster, cfg.flag_ratio, TOTAL))
        tables.append(table)
    return tables
