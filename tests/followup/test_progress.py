"""Roadmap progress: statuses with their rules, due dates from phases, late and stale computed on read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from assistant.followup.progress import (
    NoteText,
    ProgressError,
    StatusChange,
    add_note,
    set_progress_owner,
    set_status,
    tracked_items,
)
from assistant.models import AuditEvent, ItemProgress
from tests.factories import join, make_consultant, make_engagement, make_roadmap_items

START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def tracked(session):
    lead = make_consultant(session, "lead@example.org")
    contact = make_consultant(session, "contact@city.example", role="city_contact")
    engagement = make_engagement(session)
    join(session, engagement, lead, "lead")
    join(session, engagement, contact, "city_contact")
    items = make_roadmap_items(session, engagement, [("a", 0), ("b", 1), ("c", 2), ("d", 3)], made_at=START)
    return engagement, lead, contact, items


def test_due_dates_follow_the_phases_of_a_36_month_horizon(session, tracked):
    engagement, *_ = tracked
    due = {t.item.key: t.due_on for t in tracked_items(session, engagement, date(2026, 2, 1))}
    # phases of 36 months: 0-6, 6-18, 18-36, then beyond the horizon (no due date)
    assert due == {"a": date(2026, 7, 15), "b": date(2027, 7, 15), "c": date(2029, 1, 15), "d": None}


def test_late_and_stale_are_computed_from_the_dates(session, tracked):
    engagement, lead, _contact, items = tracked
    by_key = {t.item.key: t for t in tracked_items(session, engagement, date(2026, 8, 1))}
    # "a" is past its due date (2026-07-15) and not done; nothing was recorded since January: stale too
    assert by_key["a"].late and by_key["a"].stale
    assert not by_key["b"].late and by_key["b"].stale
    set_status(session, engagement, items["a"], StatusChange(status="done"), lead, "lead")
    set_status(session, engagement, items["b"], StatusChange(status="in_progress"), lead, "lead")
    session.commit()
    today = datetime.now(UTC).date()
    by_key = {t.item.key: t for t in tracked_items(session, engagement, today)}
    assert by_key["a"].status == "done" and by_key["a"].done_at is not None and not by_key["a"].late
    assert by_key["b"].status == "in_progress" and not by_key["b"].stale
    assert not session.exec(select(ItemProgress.id).where(ItemProgress.status == "late")).all()


def test_dropping_needs_a_reason_and_leaving_done_clears_its_date(session, tracked):
    engagement, lead, _contact, items = tracked
    with pytest.raises(ProgressError, match="needs a reason"):
        set_status(session, engagement, items["c"], StatusChange(status="dropped"), lead, "lead")
    with pytest.raises(ProgressError, match="choose a status"):
        set_status(session, engagement, items["c"], StatusChange(status="late"), lead, "consultant")
    set_status(session, engagement, items["c"], StatusChange(status="done"), lead, "lead")
    row = set_status(session, engagement, items["c"], StatusChange(status="in_progress"), lead, "lead")
    assert row.done_at is None
    row = set_status(
        session, engagement, items["c"], StatusChange(status="dropped", reason="  No budget  "), lead, "lead"
    )
    assert (row.status, row.reason) == ("dropped", "No budget")
    session.commit()
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "progress.status")).all()
    assert [e.after["status"] for e in events] == ["done", "in_progress", "dropped"]
    assert events[-1].before["status"] == "in_progress"


def test_a_city_contact_updates_only_the_items_they_own(session, tracked):
    engagement, lead, contact, items = tracked
    with pytest.raises(ProgressError, match="only the roadmap items you own"):
        set_status(session, engagement, items["a"], StatusChange(status="in_progress"), contact, "city_contact")
    set_progress_owner(session, engagement, items["a"], contact.id, lead)
    set_status(session, engagement, items["a"], StatusChange(status="in_progress"), contact, "city_contact")
    note = add_note(session, engagement, items["a"], NoteText(text="Inventory half done."), contact, "city_contact")
    session.commit()
    assert note.author_id == contact.id
    with pytest.raises(ProgressError):
        add_note(session, engagement, items["b"], NoteText(text="Not mine."), contact, "city_contact")
    with pytest.raises(ProgressError, match="write the note"):
        add_note(session, engagement, items["a"], NoteText(text="  "), contact, "city_contact")
    outsider = make_consultant(session, "outsider@example.org")
    with pytest.raises(ProgressError, match="on the engagement's team"):
        set_progress_owner(session, engagement, items["b"], outsider.id, lead)


def test_the_schema_refuses_an_unknown_status_or_a_drop_without_reason(session, tracked):
    engagement, _lead, _contact, items = tracked
    from sqlalchemy.exc import IntegrityError

    for status, reason in (("late", ""), ("dropped", "")):
        session.add(ItemProgress(item_id=items["d"].id, engagement_id=engagement.id, status=status, reason=reason))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
