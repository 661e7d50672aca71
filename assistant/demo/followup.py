"""The demo's follow-up: a year on, the completed engagement's roadmap has moved, and a pulse starts.

Three of the roadmap's first activities are updated as a city would: the first done, the second in
progress with a dated note, and one dropped with its reason; then the lead starts a pulse
follow-up (the roadmap and team carried over, a pulse plan of at most 7 questions). Idempotent:
nothing is done when the completed engagement already has a follow-up.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.followup.organisation import start_follow_up
from assistant.followup.progress import NoteText, StatusChange, add_note, set_status
from assistant.models import Engagement, RoadmapItem, User
from assistant.rubric import Rubric

PULSE_NAME = "Town of Millbrook (demo, pulse a year on)"
DONE_NOTE = "Records retention schedule approved by the clerk's office; shared drive tidied."
PROGRESS_NOTE = "Inventory of departmental spreadsheets half done; Parks and Finance still to go."


def seed_follow_up(engine: Engine, completed_id: int, user_id: int, rubric: Rubric) -> int | None:
    """Progress on the completed engagement's roadmap and its pulse follow-up; returns the pulse's id
    (None when the completed engagement has no roadmap yet)."""
    with Session(engine, expire_on_commit=False) as session:
        existing = session.exec(select(Engagement).where(Engagement.previous_id == completed_id)).first()
        if existing is not None:
            return existing.id
        engagement, user = session.get(Engagement, completed_id), session.get(User, user_id)
        items = session.exec(
            select(RoadmapItem)
            .where(RoadmapItem.engagement_id == completed_id, RoadmapItem.status == "planned")
            .order_by(RoadmapItem.phase, RoadmapItem.position)
        ).all()
        if engagement is None or user is None or len(items) < 3:
            return None
        set_status(session, engagement, items[0], StatusChange(status="done"), user, "lead")
        add_note(session, engagement, items[0], NoteText(text=DONE_NOTE), user, "lead")
        set_status(session, engagement, items[1], StatusChange(status="in_progress"), user, "lead")
        add_note(session, engagement, items[1], NoteText(text=PROGRESS_NOTE), user, "lead")
        dropped = StatusChange(status="dropped", reason="Replaced by the county's shared data portal.")
        set_status(session, engagement, items[-1], dropped, user, "lead")
        pulse = start_follow_up(session, engagement, "pulse", user, rubric, PULSE_NAME)
        session.commit()
        return pulse.id
