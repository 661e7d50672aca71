"""Reading the audit log of an engagement: filters, a readable before -> after diff, and CSV.

Events are written where the change happens (``assistant.security.audit``); this module only
reads them, for the consultants' audit page and ``dm3 audit``. Rules enforced here:
- events come newest first, and only those of the engagement asked for;
- an action filter is an exact action (``rating.change``) or a family (``rating``, all of
  ``rating.*``); an actor filter is an exact actor, or ``participant`` for every staff member;
- every CSV cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) is written with a leading ``'``, so an email address or a
  department name typed as ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session, col, func, or_, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from assistant.models import AuditEvent, as_utc
from assistant.security import csv_text

_Query = TypeVar("_Query", Select, SelectOfScalar)
PARTICIPANT_PREFIX = "participant "  # staff act as "participant P-7KQ2MX": their label, never an id
PARTICIPANTS = "participant"  # the actor filter that matches every staff member
CSV_COLUMNS = ("id", "time_utc", "actor", "action", "entity", "changes", "before", "after")


@dataclass(frozen=True)
class Change:
    """One field of an event: its value before and after (``None`` when the side lacks it)."""

    field: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        """``added``, ``removed`` or ``changed``."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def text(self) -> str:
        """``field: before → after``, or ``field: value`` for a value that only one side has."""
        if self.kind == "added":
            return f"{self.field}: {self.after}"
        if self.kind == "removed":
            return f"{self.field}: {self.before} → (removed)"
        return f"{self.field}: {self.before} → {self.after}"


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    # Nested settings ({"target_levels": {"equity_lens": 3}}) read better as one line per leaf; an
    # empty mapping has no leaves, so a first target shows as added, not as "{}" removed.
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data} if prefix else {}


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "(empty)"
    return json.dumps(value, ensure_ascii=False)


def diff(before: dict, after: dict) -> list[Change]:
    """The fields that differ between ``before`` and ``after`` (nested keys joined with dots), in
    the order they appear (before's first); fields equal on both sides are left out."""
    old, new = _flatten(before or {}), _flatten(after or {})
    changes = []
    for key in list(old) + [k for k in new if k not in old]:
        if key in old and key in new and old[key] == new[key]:
            continue
        changes.append(Change(key, _show(old[key]) if key in old else None, _show(new[key]) if key in new else None))
    return changes


def _where(query: _Query, engagement_id: int, action: str | None, actor: str | None) -> _Query:
    query = query.where(AuditEvent.engagement_id == engagement_id)
    if action:
        query = query.where(or_(AuditEvent.action == action, col(AuditEvent.action).startswith(action + ".")))
    if actor == PARTICIPANTS:
        query = query.where(col(AuditEvent.actor).startswith(PARTICIPANT_PREFIX))
    elif actor:
        query = query.where(AuditEvent.actor == actor)
    return query


def count_events(session: Session, engagement_id: int, action: str | None = None, actor: str | None = None) -> int:
    """How many of the engagement's events match the filters."""
    return int(session.exec(_where(select(func.count()).select_from(AuditEvent), engagement_id, action, actor)).one())


def find_events(
    session: Session,
    engagement_id: int,
    action: str | None = None,
    actor: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[AuditEvent]:
    """The engagement's events matching the filters, newest first, ``limit`` of them from ``offset``.
    ``action`` is an action or a family of them (see the module doc)."""
    query = _where(select(AuditEvent), engagement_id, action, actor)
    query = query.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def filter_choices(session: Session, engagement_id: int) -> tuple[list[str], list[str]]:
    """(every action and action family logged for the engagement; every actor, with staff pooled as
    ``participant``), each sorted. Staff are pooled because an engagement has hundreds of them and
    the question a consultant asks is "what did staff do", not "what did P-7KQ2MX do"."""
    mine = AuditEvent.engagement_id == engagement_id
    actions = set(session.exec(select(AuditEvent.action).where(mine).distinct()).all())
    actors = {a for a in session.exec(select(AuditEvent.actor).where(mine).distinct()).all() if a}
    families = {a.split(".", 1)[0] for a in actions if "." in a}
    staff = {a for a in actors if a.startswith(PARTICIPANT_PREFIX)}
    return sorted(actions | families), sorted(actors - staff) + ([PARTICIPANTS] if staff else [])


def when(event: AuditEvent) -> str:
    """The event's time as ``2026-11-30 09:42:07 UTC``."""
    return as_utc(event.created_at).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso_utc(moment: datetime) -> str:
    """``moment`` (naive means UTC, as SQLite returns it) in ISO 8601 with its UTC offset."""
    return as_utc(moment).isoformat(timespec="seconds")


def event_dict(event: AuditEvent) -> dict[str, Any]:
    """The event as plain JSON data, with its readable changes."""
    return {
        "id": event.id,
        "time_utc": iso_utc(event.created_at),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "before": event.before,
        "after": event.after,
        "changes": [c.text() for c in diff(event.before, event.after)],
    }


def events_csv(events: list[AuditEvent]) -> str:
    """The events as CSV text (header row first; see ``CSV_COLUMNS``), every cell formula-safe
    (``security.csv_text``)."""
    rows = []
    for event in events:
        data = event_dict(event)
        rows.append(
            [
                str(data["id"]),
                data["time_utc"],
                data["actor"],
                data["action"],
                data["entity"],
                "; ".join(data["changes"]),
                json.dumps(event.before, ensure_ascii=False, sort_keys=True),
                json.dumps(event.after, ensure_ascii=False, sort_keys=True),
            ]
        )
    return csv_text(CSV_COLUMNS, rows)
