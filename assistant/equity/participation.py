"""Participation against the roster, per grouping (department, role level, optional attributes).

For each group: roster, invited, started, submitted (each person once, in their current status;
invited counts every invitation, as on the consultant's progress table), the participation rate
(submitted over roster) and the representation ratio (the group's share of submitted interviews
over its share of the roster). A ratio under the engagement's ``flag_ratio`` is flagged "under".

Attributes are asked at consent, so they have no roster and no invited count: only started and
submitted, and shares among participants.

Suppression: the counts of each grouping's table go through ``suppress_rows``; hidden groups
show no figure and no flag, and are pooled in one "other ... (combined)" row when that pool is
safe to show; the total row is hidden when the whole table is under the threshold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlmodel import Session

from assistant.engagements import roster_rows
from assistant.equity.config import equity_settings
from assistant.equity.people import group_of, groupings, invited
from assistant.models import Engagement
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
    kind: str = "group"  # group | pooled | total

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


def _pooled_name(grouping: str) -> str:
    return {"department": "other departments (combined)", "role_level": "other role levels (combined)"}.get(
        grouping, "other answers (combined)")


def _row(grouping: str, group: str, c: dict[str, int], totals: dict[str, int], has_roster: bool, flag_ratio: float,
         kind: str) -> Row:
    rate = ratio = None
    flag = None
    if has_roster and c["roster"]:
        rate = round(c["submitted"] / c["roster"], 3)
        if totals["submitted"] and totals["roster"] and kind != TOTAL:
            ratio = round((c["submitted"] / totals["submitted"]) / (c["roster"] / totals["roster"]), 3)
            flag = "under" if ratio < flag_ratio else None
    return Row(grouping, group, c["roster"] if has_roster else None, c["invited"] if has_roster else None,
               c["started"], c["submitted"], rate, ratio, flag, False, kind)


def participation(session: Session, engagement: Engagement) -> list[Table]:
    """One table per grouping, groups in the engagement's order, then the pooled row, then the total."""
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
                counts.setdefault(r.department if grouping == "department" else r.role_level,
                                  dict.fromkeys(COUNTS, 0))["roster"] += r.count
        for p, status in people:
            if not has_roster and status not in ("started", "submitted"):
                continue  # attributes are only known from people who consented
            c = counts.setdefault(group_of(p, grouping), dict.fromkeys(COUNTS, 0))
            c["invited"] += 1
            if status in ("started", "submitted"):
                c[status] += 1
        shown_cols = COUNTS if has_roster else ("started", "submitted")
        cells = {g: {k: c[k] for k in shown_cols} for g, c in counts.items() if any(c.values())}
        hidden = suppress_rows(cells, cfg.min_cell)
        totals = {k: sum(c[k] for c in counts.values()) for k in COUNTS}
        table = Table(grouping, name, has_roster)
        for g in order + sorted(set(counts) - set(order)):
            if g not in cells:
                continue
            if g in hidden.hidden:
                table.rows.append(Row(grouping, g, None, None, None, None, None, None, None, True))
            else:
                table.rows.append(_row(grouping, g, counts[g], totals, has_roster, cfg.flag_ratio, "group"))
        if hidden.pooled and 1 < len(hidden.hidden) < len(cells) and not hidden.totals_hidden:
            pooled = {k: sum(counts[g][k] for g in hidden.hidden) for k in COUNTS}
            table.rows.append(_row(grouping, _pooled_name(grouping), pooled, totals, has_roster, cfg.flag_ratio,
                                   "pooled"))
        total = _row(grouping, TOTAL, totals, totals, has_roster, cfg.flag_ratio, TOTAL)
        if hidden.totals_hidden:
            total = Row(grouping, TOTAL, None, None, None, None, None, None, None, True, TOTAL)
        table.rows.append(total)
        tables.append(table)
    return tables
