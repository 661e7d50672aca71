"""The rows a URL names: an engagement, a theme, a transcript, an open sign-up link.

Each function returns the row, or None when there is none to show (including ids no database
integer key can hold, so a huge id in a URL is a plain "not found", never a crash). Whether a
missing row is a 404 or a 410 is the caller's rule (``assistant/web/routes/deps.py``).
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from assistant.models import Engagement, Interview, Participant, Theme
from assistant.security import MAX_ID, token_hash


def valid_id(value: int) -> bool:
    """True when ``value`` can be a database id (1 to 2**31-1): only those are looked up."""
    return 1 <= value <= MAX_ID


def engagement(session: Session, engagement_id: int) -> Engagement | None:
    """The engagement ``engagement_id``, or None."""
    return session.get(Engagement, engagement_id) if valid_id(engagement_id) else None


def theme(session: Session, engagement_id: int, theme_id: int) -> Theme | None:
    """Theme ``theme_id`` when it belongs to ``engagement_id`` (archived ones included), else None."""
    found = session.get(Theme, theme_id) if valid_id(theme_id) else None
    return found if found is not None and found.engagement_id == engagement_id else None


# The one rule for whose transcript a consultant may open: submitted (unsubmitted text is shown to nobody)
# and its author still taking part. The transcript page (``web/routes/deps.TranscriptInPath``), the list on
# the engagement page and the audit log's links all read it from here.
READABLE_STATE = "submitted"


def readable_transcript_rows(engagement_id: int) -> Select:
    """(Interview, Participant) rows of ``engagement_id`` whose transcript a consultant may open."""
    return (
        select(Interview, Participant)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(
            Participant.engagement_id == engagement_id,
            col(Participant.withdrawn_at).is_(None),
            Interview.state == READABLE_STATE,
        )
    )


def transcript(session: Session, engagement_id: int, label: str) -> tuple[Interview, Participant] | None:
    """The interview of the participant with public label ``label`` (``P-7KQ2MX``) and that participant,
    when they belong to ``engagement_id``, else None."""
    row = session.exec(
        select(Interview, Participant)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(Participant.public_label == label, Participant.engagement_id == engagement_id)
        .order_by(Interview.id)
    ).first()
    return (row[0], row[1]) if row else None


def open_link_engagement(session: Session, open_token: str) -> Engagement | None:
    """The engagement whose open sign-up link is ``open_token`` while that link is enabled, else None."""
    found = session.exec(select(Engagement).where(Engagement.open_token_hash == token_hash(open_token))).first()
    return found if found is not None and found.open_link_enabled else None


def answer_anchor(question_id: str | None, probe_index: int = 0) -> str:
    """The transcript anchor of a staff answer: the question it answers and which probe (``answer-q3-0``).

    The current answer to a question (or probe) is one turn, so this names it without a database id
    (turn ids grow as people answer and would order the transcripts). Only letters, digits, "_" and "-"
    (a question id's "." would read as a class in a CSS selector: ``answer-data_life_cycle-q0-0``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"answer-{question_id}-{probe_index}")


def transcript_url(engagement_id: int, label: str, question_id: str | None = None, probe_index: int = 0) -> str:
    """The transcript page of the participant labelled ``label``, at one answer when ``question_id`` is given."""
    url = f"/engagements/{engagement_id}/transcripts/{label}"
    return url + (f"#{answer_anchor(question_id, probe_index)}" if question_id else "")
