"""The demo's year on: a few roadmap items done, in progress and dropped, then a pulse follow-up; idempotent."""

from __future__ import annotations

from sqlmodel import select

from assistant.demo.followup import seed_follow_up
from assistant.followup.progress import tracked_items
from assistant.models import Engagement
from tests.factories import decide_levels, join, make_consultant, make_engagement, make_roadmap_items


def test_the_demo_moves_its_roadmap_and_starts_a_pulse(engine, session, rubric):
    lead = make_consultant(session, "demo@example.org")
    completed = make_engagement(session, "Millbrook")
    join(session, completed, lead, "lead")
    decide_levels(session, completed, {"data_life_cycle": 2}, lead, rubric)
    make_roadmap_items(session, completed, [("a", 0), ("b", 0), ("c", 1), ("d", 2)])
    pulse_id = seed_follow_up(engine, completed.id, lead.id, rubric)
    assert pulse_id is not None and seed_follow_up(engine, completed.id, lead.id, rubric) == pulse_id
    session.expire_all()
    statuses = {t.item.key: t.status for t in tracked_items(session, completed)}
    assert statuses == {"a": "done", "b": "in_progress", "c": "not_started", "d": "dropped"}
    pulse = session.get(Engagement, pulse_id)
    assert pulse.kind == "pulse" and pulse.previous_id == completed.id and 0 < len(pulse.pulse_plan["questions"]) <= 7
    assert len(session.exec(select(Engagement).where(Engagement.previous_id == completed.id)).all()) == 1
