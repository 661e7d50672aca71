"""An engagement's groups as the disclosure rule (``assistant.suppression``) lets them be shown.

``group_tables`` is the one place that counts people per group for a page: the consultant's progress
table, the equity audit's participation and the report's "who took part" all take their tables from
it, with every grouping computed together, so that the same cell is hidden on every page and no two
pages can be combined to work out a hidden figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlmodel import Session, select

from assistant.models import Engagement, Interview, Participant
from assistant.records.engagements.settings import min_cell_of
from assistant.records.engagements.setup import roster_rows
from assistant.records.engagements.status import participant_status
from assistant.records.evidence import counted_segments
from assistant.suppression import NOT_GIVEN, UNIT, Attributor, Table, Unit, disclosure_units, linked_tables, unit_label

COLUMNS = ("roster", "invited", "started", "submitted", "withdrawn", "took_part")
GROUPINGS = {UNIT: unit_label, "department": lambda u: u[0], "role_level": lambda u: u[1]}


def _cell(department: str | None, role_level: str | None) -> Unit:
    return (department or NOT_GIVEN, role_level or NOT_GIVEN)


def population(session: Session, engagement: Engagement) -> dict[Unit, int]:
    """People per (department, role level) for the rule: the roster, never more than the people
    actually in the engagement (invited, joined or imported, withdrawn included, so that a person's
    acting never changes it: who could have acted is who was invited); where the roster gives no
    count, the people in the engagement."""
    people = Counter(
        _cell(d, r)
        for d, r in session.exec(
            select(Participant.department, Participant.role_level).where(Participant.engagement_id == engagement.id)
        ).all()
    )
    roster: Counter = Counter()
    for row in roster_rows(session, engagement):
        roster[_cell(row.department, row.role_level)] += row.count
    cells = set(people) | {cell for cell, n in roster.items() if n > 0}
    return {cell: min(roster[cell], people.get(cell, 0)) if roster[cell] > 0 else people[cell] for cell in cells}


def units_for(session: Session, engagement: Engagement) -> Attributor:
    """The groups that may be named in this engagement (``suppression.disclosure_units``)."""
    return disclosure_units(population(session, engagement), k=min_cell_of(engagement))


def counts_by(session: Session, engagement: Engagement, units: Callable[[str, str], Unit]) -> dict[Unit, Counter]:
    """The ``COLUMNS`` counts per group ``units`` puts each (department, role level) in, unprotected:
    what ``group_tables`` protects (and what a test's attacker compares a page with)."""
    counts: dict[Unit, Counter] = {}

    def add(cell: Unit, column: str) -> None:
        counts.setdefault(units(*cell), Counter())[column] += 1

    for row in roster_rows(session, engagement):
        for _ in range(row.count):
            add(_cell(row.department, row.role_level), "roster")
    rows = session.exec(
        select(Participant, Interview)
        .join(Interview, Interview.participant_id == Participant.id, isouter=True)
        .where(Participant.engagement_id == engagement.id, Participant.source != "import")
    ).all()
    for participant, interview in rows:
        cell = _cell(participant.department, participant.role_level)
        add(cell, "invited")
        status = participant_status(participant, interview)
        if status != "invited":
            add(cell, status)
    took_part = session.exec(
        counted_segments(
            Participant.id, Participant.department, Participant.role_level, engagement_id=engagement.id
        ).distinct()
    ).all()
    for _, d, r in took_part:
        add(_cell(d, r), "took_part")
    return counts


def group_tables(session: Session, engagement: Engagement) -> dict[str, Table]:
    """Every table of counts about the engagement's people, by unit ("Finance · staff"), department
    and role level, under the engagement's threshold (rule 2 of ``assistant.suppression``). Columns:
    ``COLUMNS`` (each person once, in their current status; ``took_part``: people whose evidence
    counts, survey respondents included)."""
    units = units_for(session, engagement)
    unit_population: Counter = Counter()
    for cell, n in population(session, engagement).items():
        unit_population[units(*cell)] += n
    counts = counts_by(session, engagement, units)
    return linked_tables(
        counts, k=min_cell_of(engagement), population=unit_population, groupings=GROUPINGS, columns=COLUMNS
    )
