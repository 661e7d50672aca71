"""Where an engagement stands: each participant's status and the counts per department and role level."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, func, select

from assistant.models import Engagement, Interview, Participant
from assistant.records.engagements.setup import roster_rows

STATUSES = ("invited", "started", "submitted", "withdrawn")


def participant_status(participant: Participant, interview: Interview | None) -> str:
    """One of ``STATUSES``: withdrawn wins; a declined or missing interview is still "invited"."""
    if participant.withdrawn_at is not None:
        return "withdrawn"
    if interview is None or interview.state == "declined":
        return "invited"
    if interview.state == "submitted":
        return "submitted"
    return "started"


def progress(session: Session, engagement: Engagement) -> dict:
    """Counts of invited / started / submitted / withdrawn per (department, role level), with roster.

    Each participant counts once, in their current status; ``invited`` counts all invitations.
    """
    rows = session.exec(
        select(Participant, Interview)
        .join(Interview, Interview.participant_id == Participant.id, isouter=True)
        .where(Participant.engagement_id == engagement.id, Participant.source != "import")
    ).all()
    counts: Counter = Counter()
    for participant, interview in rows:
        key = (participant.department, participant.role_level)
        counts[key + ("invited",)] += 1
        status = participant_status(participant, interview)
        if status != "invited":
            counts[key + (status,)] += 1
    roster = {(r.department, r.role_level): r.count for r in roster_rows(session, engagement)}
    table = []
    totals = Counter()
    for dept in engagement.departments:
        for role in engagement.role_levels:
            cells = {s: counts[(dept, role, s)] for s in STATUSES}
            cells["roster"] = roster.get((dept, role), 0)
            if any(cells.values()):
                table.append({"department": dept, "role_level": role, **cells})
                totals.update(cells)
    return {"rows": table, "totals": {k: totals[k] for k in STATUSES + ("roster",)}}


def engagement_counts(session: Session) -> dict[int, int]:
    """Participants per engagement (for the engagement list)."""
    rows = session.exec(select(Participant.engagement_id, func.count()).group_by(Participant.engagement_id)).all()
    return {eid: n for eid, n in rows}
