"""Engagement pages' data: the list, the set-up and progress page, and a de-identified transcript."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from assistant.duplicates import flagged_participants
from assistant.engagements import NewInvite, engagement_counts, progress, roster_rows
from assistant.interview.actions import load_turns
from assistant.models import Engagement, Interview, Participant
from assistant.rubric import Rubric
from assistant.security import csv_cell

# interviews a consultant can open from the progress page; declined and withdrawn ones are not evidence
LISTED_STATES = ("in_progress", "review", "submitted")


def engagement_list(session: Session) -> dict[str, Any]:
    """The engagement list page: every engagement, newest first, with its participant count."""
    rows = session.exec(select(Engagement).order_by(col(Engagement.created_at).desc())).all()
    return {"engagements": rows, "counts": engagement_counts(session)}


def invite_links_csv(new_invites: Iterable[NewInvite], base_url: str) -> str:
    """The links just created, as CSV text for download (they are not stored in readable form).

    Every cell goes through ``csv_cell``: a department typed as ``=HYPERLINK(...)`` stays text when
    the file is opened in a spreadsheet."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["department", "role_level", "email", "link"])
    for inv in new_invites:
        p = inv.participant
        writer.writerow([csv_cell(v) for v in (p.department, p.role_level, p.email or "", f"{base_url}/i/{inv.token}")])
    return buf.getvalue()


def detail_context(session: Session, engagement: Engagement, **extra: Any) -> dict[str, Any]:
    """The engagement page (and its progress partial): roster, progress, open interviews; ``extra`` overrides.

    Interviews are listed by participant number only: a consultant reads transcripts de-identified.
    """
    roster = {(r.department, r.role_level): r.count for r in roster_rows(session, engagement)}
    interviews = session.exec(
        select(Interview, Participant)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(Participant.engagement_id == engagement.id, col(Participant.withdrawn_at).is_(None),
               col(Interview.state).in_(LISTED_STATES))
        .order_by(Interview.id)
    ).all()
    ctx: dict[str, Any] = {
        "engagement": engagement, "progress": progress(session, engagement), "roster": roster,
        "interviews": interviews, "new_invites": [], "problems": [], "message": None,
        "invite_links_csv": invite_links_csv, "flagged": flagged_participants(session, engagement.id),
        "new_open_link": None,
    }
    ctx.update(extra)
    return ctx


def transcript_context(session: Session, engagement: Engagement, interview: Interview, participant: Participant,
                       rubric: Rubric) -> dict[str, Any]:
    """A de-identified transcript: participant number, department and role, never name or email.

    ``superseded`` holds the ids of answers replaced by an edit (shown struck through).
    """
    turns = load_turns(session, interview)
    return {
        "engagement": engagement, "interview": interview, "participant": participant, "turns": turns,
        "superseded": {t.supersedes_id for t in turns if t.supersedes_id}, "rubric": rubric,
    }
