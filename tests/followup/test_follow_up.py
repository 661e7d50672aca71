"""Starting a follow-up: what is carried over, the pulse plan the interview reads, and the pulse rule
on decisions (confirm or lower, never raise)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assistant.followup.organisation import FollowUpError, start_follow_up
from assistant.followup.progress import StatusChange, set_progress_owner, set_status, tracked_items
from assistant.followup.pulse import MAX_PULSE_QUESTIONS
from assistant.interview.guide import plan_for
from assistant.models import Membership, RatingProposal, RosterCount
from assistant.records.engagements import settings_of
from assistant.records.review import ReviewError, decide, decided_levels
from tests.factories import decide_levels, join, make_consultant, make_engagement, make_roadmap_items, set_min_cell


@pytest.fixture
def followed(session, rubric):
    lead = make_consultant(session, "lead@example.org")
    contact = make_consultant(session, "contact@city.example", role="city_contact")
    first = make_engagement(session, "Town of Testville 2026")
    join(session, first, lead, "lead")
    join(session, first, contact, "city_contact")
    session.add(RosterCount(engagement_id=first.id, department="Finance", role_level="manager", count=12))
    set_min_cell(session, first, 7)
    decide_levels(session, first, {"data_life_cycle": 2, "governance_structures": 3}, lead, rubric)
    items = make_roadmap_items(session, first, [("dlc-1", 0), ("dlc-2", 1)])
    items |= make_roadmap_items(session, first, [("gov-1", 0)], component="governance_structures")
    set_progress_owner(session, first, items["dlc-1"], contact.id, lead)
    set_status(session, first, items["dlc-1"], StatusChange(status="done"), lead, "lead")
    session.commit()
    return first, lead, contact, items


def test_a_pulse_carries_the_plan_and_asks_only_what_the_roadmap_worked_on(session, rubric, followed):
    first, lead, contact, _items = followed
    pulse = start_follow_up(session, first, "pulse", lead, rubric)
    session.commit()
    assert (pulse.kind, pulse.previous_id, pulse.organisation_id) == ("pulse", first.id, first.organisation_id)
    assert pulse.rubric_version == rubric.version == first.rubric_version
    # only data_life_cycle had an item in progress or done
    assert pulse.pulse_plan["components"] == ["data_life_cycle"]
    questions = pulse.pulse_plan["questions"]
    assert 0 < len(questions) <= MAX_PULSE_QUESTIONS
    assert all(rubric.question(q)[0].id == "data_life_cycle" for q in questions)
    # the interview's plan is the pulse's, the same for every role and person
    assert plan_for(rubric, "frontline", 3, pulse.pulse_plan) == plan_for(rubric, "executive", 8, pulse.pulse_plan)
    assert plan_for(rubric, "frontline", 3, pulse.pulse_plan) == questions
    # carried: roster, k, team (the contact too), roadmap with progress
    roster = session.exec(select(RosterCount).where(RosterCount.engagement_id == pulse.id)).all()
    assert [(r.department, r.role_level, r.count) for r in roster] == [("Finance", "manager", 12)]
    assert settings_of(pulse).equity.min_cell == 7
    roles = {m.user_id: m.role for m in session.exec(select(Membership).where(Membership.engagement_id == pulse.id))}
    assert roles[lead.id] == "lead" and roles[contact.id] == "city_contact"
    carried = {t.item.key: t for t in tracked_items(session, pulse)}
    assert set(carried) == {"dlc-1", "dlc-2", "gov-1"}
    assert carried["dlc-1"].status == "done" and carried["dlc-1"].owner_id == contact.id


def test_a_full_follow_up_has_no_plan_and_the_whole_interview(session, rubric, followed):
    first, lead, *_ = followed
    full = start_follow_up(session, first, "full", lead, rubric, "Testville 2027")
    assert full.pulse_plan is None and full.organisation == "Testville 2027"
    assert len(plan_for(rubric, "frontline", 1, full.pulse_plan)) > MAX_PULSE_QUESTIONS
    with pytest.raises(FollowUpError):
        start_follow_up(session, first, "weekly", lead, rubric)


def test_a_pulse_can_confirm_or_lower_a_level_never_raise_it(session, rubric, followed):
    first, lead, *_ = followed
    pulse = start_follow_up(session, first, "pulse", lead, rubric)
    session.commit()

    def proposal(component: str, level: int) -> int:
        row = RatingProposal(engagement_id=pulse.id, component=component, status="proposed", level=level)
        session.add(row)
        session.flush()
        return row.id

    with pytest.raises(ReviewError, match="never raise it"):
        decide(session, rubric, proposal("data_life_cycle", 3), lead, "accept")
    with pytest.raises(ReviewError, match="never raise it"):
        decide(session, rubric, proposal("data_life_cycle", 2), lead, "change", 4, "Looks better.")
    # no level was decided for leadership before: a pulse sets none
    with pytest.raises(ReviewError, match="decided no level"):
        decide(session, rubric, proposal("leadership_alignment", 1), lead, "accept")
    decide(session, rubric, proposal("governance_structures", 3), lead, "accept")  # confirms
    decide(session, rubric, proposal("data_life_cycle", 2), lead, "change", 1, "The register lapsed.")  # lowers
    session.commit()
    assert decided_levels(session, pulse.id) == {"governance_structures": 3, "data_life_cycle": 1}
    # a full follow-up may raise
    full = start_follow_up(session, first, "full", lead, rubric)
    row = RatingProposal(engagement_id=full.id, component="data_life_cycle", status="proposed", level=4)
    session.add(row)
    session.flush()
    decide(session, rubric, row.id, lead, "accept")
