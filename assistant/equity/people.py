"""Who counts in an engagement, and how a person may be attributed.

- the invited: every participant who was invited or joined by the open link (imported survey
  respondents were never invited), each in one current status: invited, started, submitted,
  withdrawn (``assistant.records.engagements.participant_status``);
- the voices: people whose words can be evidence: not withdrawn, with a submitted interview, or
  imported survey respondents. Expected shares in themes and ratings, and quote attributions, are
  measured against the voices.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from assistant.equity.config import equity_settings
from assistant.models import Engagement, Interview, Participant
from assistant.records.engagements import participant_status, units_for
from assistant.suppression import NOT_GIVEN, Attributor

CORE_GROUPINGS = ("department", "role_level")
GROUPING_NAMES = {"department": "Department", "role_level": "Role level"}


def invited(session: Session, engagement_id: int) -> list[tuple[Participant, str]]:
    """Every invited or self-enrolled participant with their current status, by id."""
    rows = session.exec(
        select(Participant, Interview)
        .join(Interview, Interview.participant_id == Participant.id, isouter=True)
        .where(Participant.engagement_id == engagement_id, Participant.source != "import")
        .order_by(Participant.id)
    ).all()
    return [(p, participant_status(p, iv)) for p, iv in rows]


def voices(session: Session, engagement_id: int) -> list[Participant]:
    """The people whose words can be evidence (see the module rules), by id."""
    submitted = select(Interview.participant_id).where(Interview.state == "submitted")
    return list(
        session.exec(
            select(Participant)
            .where(
                Participant.engagement_id == engagement_id,
                col(Participant.withdrawn_at).is_(None),
                (Participant.source == "import") | col(Participant.id).in_(submitted),
            )
            .order_by(Participant.id)
        ).all()
    )


def group_of(participant: Participant, grouping: str, units: Attributor | None = None) -> str:
    """The participant's group in ``grouping`` (department, role_level or an attribute key); "(not given)"
    when none. With the engagement's ``units`` (``attribution``), department and role level are the
    groups that may be named (small ones pooled), as every breakdown shows them."""
    if units is not None and grouping in CORE_GROUPINGS:
        shown = units(participant.department, participant.role_level)
        return shown[0] if grouping == "department" else shown[1]
    if grouping == "department":
        return participant.department or NOT_GIVEN
    if grouping == "role_level":
        return participant.role_level or NOT_GIVEN
    return str((participant.attributes or {}).get(grouping) or NOT_GIVEN)


def groupings(engagement: Engagement) -> list[tuple[str, str]]:
    """(key, name) of every grouping the audit reports: department, role level, then each attribute."""
    return [(g, GROUPING_NAMES[g]) for g in CORE_GROUPINGS] + [
        (a.key, a.question) for a in equity_settings(engagement).attributes
    ]


def attribution(session: Session, engagement: Engagement) -> Attributor:
    """The quote, segment and transcript attribution rule: the engagement's units (rule 1 of
    ``assistant.suppression``, from the roster, so it does not move when someone submits or
    withdraws), the same groups every table of counts names."""
    return units_for(session, engagement)
