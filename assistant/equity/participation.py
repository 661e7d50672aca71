"""Participation against the roster, per grouping (department, role level, optional attributes).

For each group: roster, invited, started, submitted (each person once, in their current status;
invited counts every invitation, as on the consultant's progress table), the participation rate
(submitted over roster) and the representation ratio (the group's share of submitted interviews
over its share of the roster). A ratio under the engagement's ``flag_ratio`` is flagged "under".

Attributes are asked at consent, so they have no roster and no invited count: only started and
submitted, and shares among participants.

Disclosure (``assistant.suppression``): the department and role level tables are the engagement's
``group_tables`` (the same computation as the consultant's progress table and the report, so the
three hide the same figures): groups of fewer than k people are pooled and never listed, and
every column and total is protected against subtraction across all of them. Attribute tables have
no roster and go through ``suppress_rows`` column by column. A hidden count is None, with its
reason in ``reasons`` (``SMALL``: "fewer than k"; ``PROTECTS``: "not shown"), and so are the rate,
ratio and flag computed from it; a row with any hidden figure is marked ``suppressed``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlmodel import Session

from assistant.equity.config import equity_settings
from assistant.equity.people import GROUPING_NAMES, group_of, groupings, invited
from assistant.models import Engagement
from assistant.records.engagements import group_tables
from assistant.suppression import NOT_GIVEN, PROTECTS, SMALL, Cell, suppress_rows
from assistant.suppression import Table as DisclosedTable

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
    reasons: dict[str, str] = field(default_factory=dict)  # hidden column -> SMALL or PROTECTS

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
    protects: bool = False  # some figure reads "not shown": the page says why in a footnote

    @property
    def flagged(self) -> list[Row]:
        return [r for r in self.rows if r.flag]


def _row(
    grouping: str,
    group: str,
    c: dict[str, int],
    totals: dict[str, int],
    hidden: dict[str, str],
    has_roster: bool,
    flag_ratio: float,
    kind: str,
) -> Row:
    """One line with the figures in ``hidden`` (column -> reason) blanked, and what depends on them;
    ``totals`` holds only the totals that are shown."""

    def shown(column: str) -> int | None:
        return None if column in hidden or (not has_roster and column in ("roster", "invited")) else c[column]

    rate = ratio = None
    flag = None
    if has_roster and c["roster"] and not {"roster", "submitted"} & set(hidden):
        rate = round(c["submitted"] / c["roster"], 3)
        if totals.get("submitted") and totals.get("roster") and kind != TOTAL:
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
        dict(hidden),
    )


def _grouped_table(grouping: str, name: str, table: DisclosedTable, order: list[str], flag_ratio: float) -> Table:
    """A department or role level table from the engagement's ``group_tables``."""

    def split(cells: dict[str, Cell]) -> tuple[dict[str, int], dict[str, str]]:
        values = {c: cells[c].value or 0 for c in COUNTS}
        return values, {c: cells[c].reason for c in COUNTS if cells[c].hidden}

    totals, total_hidden = split(table.totals)
    shown_totals = {c: v for c, v in totals.items() if c not in total_hidden}
    out = Table(grouping, name, True, protects=table.protects)
    rank = {g: n for n, g in enumerate(order)}
    for group in sorted(table.rows, key=lambda g: (rank.get(g, len(rank)), g)):
        values, hidden = split(table.rows[group])
        out.rows.append(_row(grouping, group, values, shown_totals, hidden, True, flag_ratio, "group"))
    out.rows.append(_row(grouping, TOTAL, totals, shown_totals, total_hidden, True, flag_ratio, TOTAL))
    return out


def _attribute_table(grouping: str, name: str, people: list, order: list[str], *, k: int, flag_ratio: float) -> Table:
    """An attribute's table (no roster: started and submitted among people who consented)."""
    columns = ("started", "submitted")
    counts: dict[str, dict[str, int]] = {g: dict.fromkeys(COUNTS, 0) for g in order}
    for p, status in people:
        if status in columns:
            c = counts.setdefault(group_of(p, grouping), dict.fromkeys(COUNTS, 0))
            c["invited"] += 1
            c[status] += 1
    listed = [g for g in order + sorted(set(counts) - set(order)) if any(counts[g][c] for c in columns)]
    hidden: dict[str, dict[str, str]] = {g: {} for g in listed}
    total_hidden: dict[str, str] = {}
    for column in columns:
        result = suppress_rows({g: {column: counts[g][column]} for g in listed}, k=k)
        for g in result.hidden:
            hidden[g][column] = result.reason(g)
        if result.totals_hidden:
            total_hidden[column] = SMALL
    totals = {c: sum(counts[g][c] for g in listed) for c in COUNTS}
    table = Table(grouping, name, False)
    table.rows = [_row(grouping, g, counts[g], totals, hidden[g], False, flag_ratio, "group") for g in listed]
    table.rows.append(_row(grouping, TOTAL, totals, totals, total_hidden, False, flag_ratio, TOTAL))
    table.protects = any(r.reasons.get(c) == PROTECTS for r in table.rows for c in columns)
    return table


def participation(session: Session, engagement: Engagement) -> list[Table]:
    """One table per grouping: department and role level (the groups that may be named, in the
    engagement's order, then the total), then each attribute asked at consent."""
    cfg = equity_settings(engagement)
    shared = group_tables(session, engagement)
    tables = [
        _grouped_table(
            "department", GROUPING_NAMES["department"], shared["department"], engagement.departments, cfg.flag_ratio
        ),
        _grouped_table(
            "role_level", GROUPING_NAMES["role_level"], shared["role_level"], engagement.role_levels, cfg.flag_ratio
        ),
    ]
    people = invited(session, engagement.id)
    for grouping, name in groupings(engagement)[2:]:
        order = next(list(a.options) for a in cfg.attributes if a.key == grouping) + [NOT_GIVEN]
        tables.append(_attribute_table(grouping, name, people, order, k=cfg.min_cell, flag_ratio=cfg.flag_ratio))
    return tables
