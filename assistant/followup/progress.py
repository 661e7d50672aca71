"""Roadmap progress: each item's implementation status, owner, due date and dated notes.

Rules:
- a status is one of not_started, in_progress, done, dropped; "dropped" needs a reason; "done"
  records when (``done_at``), and leaving "done" clears it;
- the due date is the end of the item's phase, counted from the roadmap's start (the day its first
  item was made), so it follows the plan; beyond the horizon there is none;
- "late" (past due and neither done nor dropped) and "stale" (open, and nothing recorded for
  ``STALE_DAYS`` days: no status change, no note) are computed here on every read, never stored:
  owners rarely record that they stopped updating;
- a city contact changes only the items they own (``owner_id``); a consultant changes any item and
  assigns the owner (a member of the team);
- every change is audited with the state before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, field_validator
from sqlmodel import Session, col, select

from assistant.models import Engagement, ItemProgress, Membership, ProgressNote, RoadmapItem, User, as_utc, utcnow
from assistant.models.followup import PROGRESS_STATUSES
from assistant.records.phases import horizon_of, phase_ends_on
from assistant.records.review import ReviewError
from assistant.security import audit_by

STALE_DAYS = 90
MAX_NOTE = 500
MAX_REASON = 300
STATUS_NAMES = {"not_started": "Not started", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
OPEN = ("not_started", "in_progress")


class ProgressError(ReviewError):
    """A progress change that cannot be made; the message says why and what to do."""


class StatusChange(BaseModel):
    """A status as the progress page posts it: the status and a reason (needed to drop; one line)."""

    status: str = ""
    reason: str = ""

    @field_validator("reason")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())


class NoteText(BaseModel):
    """A progress note as posted: one short paragraph."""

    text: str = ""

    @field_validator("text")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


@dataclass(frozen=True)
class Tracked:
    """One roadmap item as tracking sees it on ``today``."""

    item: RoadmapItem
    status: str
    reason: str
    owner_id: int | None
    due_on: date | None
    done_at: datetime | None
    last_update: datetime
    notes: tuple[ProgressNote, ...]
    late: bool
    stale: bool

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


def roadmap_start(session: Session, engagement_id: int) -> date | None:
    """The day the engagement's roadmap started: when its first item was made (None: no roadmap)."""
    first = session.exec(
        select(RoadmapItem.created_at)
        .where(RoadmapItem.engagement_id == engagement_id)
        .order_by(RoadmapItem.created_at)
    ).first()
    return as_utc(first).date() if first is not None else None


def due_for(engagement: Engagement, item: RoadmapItem, start: date | None) -> date | None:
    """The item's due date: the end of its phase counted from ``start``."""
    return None if start is None else phase_ends_on(start, item.phase, horizon_of(engagement))


def is_late(status: str, due_on: date | None, today: date) -> bool:
    """Past its due date and neither done nor dropped."""
    return status in OPEN and due_on is not None and today > due_on


def is_stale(status: str, last_update: datetime, today: date) -> bool:
    """Open, with nothing recorded for ``STALE_DAYS`` days."""
    return status in OPEN and (today - as_utc(last_update).date()).days >= STALE_DAYS


def _rows(session: Session, engagement_id: int) -> tuple[dict[int, ItemProgress], dict[int, list[ProgressNote]]]:
    progress = {
        p.item_id: p for p in session.exec(select(ItemProgress).where(ItemProgress.engagement_id == engagement_id))
    }
    notes: dict[int, list[ProgressNote]] = {}
    for note in session.exec(
        select(ProgressNote)
        .where(ProgressNote.engagement_id == engagement_id)
        .order_by(col(ProgressNote.written_on).desc(), col(ProgressNote.id).desc())
    ):
        notes.setdefault(note.item_id, []).append(note)
    return progress, notes


def tracked_items(session: Session, engagement: Engagement, today: date | None = None) -> list[Tracked]:
    """Every planned item of the roadmap with its progress on ``today`` (default: now), in roadmap order.
    An item nobody touched yet is not started, due at the end of its phase."""
    today = today or utcnow().date()
    items = session.exec(
        select(RoadmapItem)
        .where(RoadmapItem.engagement_id == engagement.id, RoadmapItem.status == "planned")
        .order_by(RoadmapItem.phase, RoadmapItem.position, RoadmapItem.id)
    ).all()
    progress, notes = _rows(session, engagement.id)
    start = roadmap_start(session, engagement.id)
    out = []
    for item in items:
        row, own = progress.get(item.id), tuple(notes.get(item.id, ()))
        status = row.status if row else "not_started"
        due = row.due_on if row and row.due_on else due_for(engagement, item, start)
        moments = [as_utc(item.created_at)] + ([as_utc(row.updated_at)] if row else [])
        moments += [as_utc(n.created_at) for n in own]
        last = max(moments)
        out.append(
            Tracked(
                item,
                status,
                row.reason if row else "",
                row.owner_id if row else None,
                due,
                row.done_at if row else None,
                last,
                own,
                is_late(status, due, today),
                is_stale(status, last, today),
            )
        )
    return out


def _progress_row(session: Session, engagement: Engagement, item: RoadmapItem) -> ItemProgress:
    row = session.exec(select(ItemProgress).where(ItemProgress.item_id == item.id)).first()
    if row is None:
        start = roadmap_start(session, engagement.id)
        row = ItemProgress(item_id=item.id, engagement_id=engagement.id, due_on=due_for(engagement, item, start))
    return row


def _state(row: ItemProgress) -> dict:
    return {
        "status": row.status,
        "reason": row.reason,
        "owner_id": row.owner_id,
        "due_on": row.due_on.isoformat() if row.due_on else None,
        "done_at": as_utc(row.done_at).isoformat() if row.done_at else None,
    }


def may_update(session: Session, engagement: Engagement, item: RoadmapItem, user: User, role: str) -> bool:
    """Whether ``user`` (in team ``role``) may change ``item``'s progress: consultants always, a city
    contact only an item they own."""
    if role in ("lead", "consultant"):
        return True
    row = session.exec(select(ItemProgress).where(ItemProgress.item_id == item.id)).first()
    return role == "city_contact" and row is not None and row.owner_id == user.id


def _check_may(session: Session, engagement: Engagement, item: RoadmapItem, user: User, role: str) -> None:
    if item.engagement_id != engagement.id or item.status != "planned":
        raise ProgressError("that roadmap item is not on this roadmap any more; reload the page")
    if not may_update(session, engagement, item, user, role):
        raise ProgressError("you can update only the roadmap items you own; ask the lead consultant to assign this one")


def set_status(
    session: Session, engagement: Engagement, item: RoadmapItem, change: StatusChange, user: User, role: str
) -> ItemProgress:
    """Record ``change`` on ``item`` (audited); raises ``ProgressError`` for an unknown status, a drop
    without a reason, or an item the user may not change."""
    _check_may(session, engagement, item, user, role)
    if change.status not in PROGRESS_STATUSES:
        raise ProgressError(f"choose a status: {', '.join(STATUS_NAMES[s].lower() for s in PROGRESS_STATUSES)}")
    if change.status == "dropped" and not change.reason:
        raise ProgressError("dropping an activity needs a reason: say why it will not be done")
    if len(change.reason) > MAX_REASON:
        raise ProgressError(f"keep the reason under {MAX_REASON} characters")
    row = _progress_row(session, engagement, item)
    before = _state(row)
    if change.status == "done" and row.status != "done":
        row.done_at = utcnow()
    elif change.status != "done":
        row.done_at = None
    row.status, row.reason = change.status, change.reason if change.status == "dropped" else ""
    row.updated_at, row.updated_by = utcnow(), user.id
    session.add(row)
    session.flush()
    _audit(session, item, user, role, "progress.status", before, _state(row))
    return row


def set_progress_owner(
    session: Session, engagement: Engagement, item: RoadmapItem, owner_id: int | None, user: User
) -> ItemProgress:
    """Make ``owner_id`` (a member of the team; None: nobody) the account that updates ``item`` (audited)."""
    _check_may(session, engagement, item, user, "consultant")
    if (
        owner_id is not None
        and not session.exec(
            select(Membership).where(Membership.engagement_id == engagement.id, Membership.user_id == owner_id)
        ).first()
    ):
        raise ProgressError("the owner must be on the engagement's team: add them on the team page first")
    row = _progress_row(session, engagement, item)
    before = _state(row)
    row.owner_id, row.updated_at, row.updated_by = owner_id, utcnow(), user.id
    session.add(row)
    session.flush()
    _audit(session, item, user, "consultant", "progress.owner", before, _state(row))
    return row


def add_note(
    session: Session,
    engagement: Engagement,
    item: RoadmapItem,
    note: NoteText,
    user: User,
    role: str,
    on: date | None = None,
) -> ProgressNote:
    """Add a dated note to ``item`` (audited); raises ``ProgressError`` for an empty or long note."""
    _check_may(session, engagement, item, user, role)
    if not note.text:
        raise ProgressError("write the note first: what happened, in a sentence or two")
    if len(note.text) > MAX_NOTE:
        raise ProgressError(f"keep a note under {MAX_NOTE} characters")
    row = ProgressNote(
        item_id=item.id,
        engagement_id=engagement.id,
        author_id=user.id,
        written_on=on or utcnow().date(),
        text=note.text,
    )
    session.add(row)
    session.flush()
    _audit(session, item, user, role, "progress.note", {}, {"note": note.text, "on": row.written_on.isoformat()})
    return row


def _audit(session: Session, item: RoadmapItem, user: User, role: str, action: str, before: dict, after: dict) -> None:
    audit_by(
        session,
        action,
        user,
        role=role.replace("_", " "),
        engagement_id=item.engagement_id,
        entity=f"roadmap_item:{item.key}",
        before=before,
        after={**after, "title": item.title},
    )


def days_ago(moment: datetime, today: date) -> int:
    """Whole days from ``moment`` to ``today``."""
    return (today - as_utc(moment).date()).days
