"""Page data of an engagement's audit log: who did what, when, to what, with a readable diff.

Read-only, newest first, a page at a time. Filters are kept only when they name something the
engagement's log holds, so a stale or hand-edited link shows every event with a note, never an
error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlmodel import Session

from assistant.models import PUBLIC_LABEL, AuditEvent, Engagement
from assistant.records.auditlog import Change, count_events, diff, events_csv, filter_choices, find_events, when
from assistant.views.lookup import readable_transcript_rows, transcript_url

PER_PAGE = 50


@dataclass
class AuditRow:
    """One event as the page shows it."""

    event: AuditEvent
    when: str
    changes: list[Change]
    link: str | None  # the page of the thing the event is about, when there is one


def readable_transcripts(session: Session, engagement_id: int) -> set[str]:
    """The public labels whose transcript a consultant can open now: submitted, not withdrawn (the
    transcript page's own rule, ``web/routes/deps.TranscriptInPath``)."""
    return {p.public_label for _, p in session.exec(readable_transcript_rows(engagement_id)).all()}


def entity_link(event: AuditEvent, engagement_id: int, transcripts: set[str]) -> str | None:
    """The page showing the event's entity (a theme, a transcript, a component's review, the
    engagement), or None when no page shows it (a participant, an invite, an import, a transcript
    that is gone: its author withdrew)."""
    kind, _, ident = event.entity.partition(":")
    if kind == "interview" and PUBLIC_LABEL.match(ident):  # interviews are named by their public label
        return transcript_url(engagement_id, ident) if ident in transcripts else None
    if not ident.isdigit():
        return None
    base = f"/engagements/{engagement_id}"
    component = (event.after or {}).get("component")
    links = {
        "theme": f"{base}/themes/t/{ident}",
        "engagement": base if ident == str(engagement_id) else None,
        "rating_proposal": f"{base}/review/{component}" if isinstance(component, str) and component else None,
    }
    return links.get(kind)


@dataclass
class AuditPage:
    """Everything the audit page renders."""

    engagement: Engagement
    rows: list[AuditRow]
    total: int
    page: int
    pages: int
    action: str
    actor: str
    actions: list[str]
    actors: list[str]
    notes: list[str] = field(default_factory=list)

    def link(self, page: int | None = None, csv: bool = False) -> str:
        """This page's address with the current filters, at ``page`` (or the CSV of all matches)."""
        params = {k: v for k, v in (("action", self.action), ("actor", self.actor)) if v}
        if page and page > 1 and not csv:
            params["page"] = str(page)
        path = f"/engagements/{self.engagement.id}/audit" + (".csv" if csv else "")
        return path + (f"?{urlencode(params)}" if params else "")

    @property
    def first_shown(self) -> int:
        return 0 if not self.rows else (self.page - 1) * PER_PAGE + 1

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * PER_PAGE + len(self.rows)


def _checked_filters(
    session: Session, engagement: Engagement, action: str, actor: str
) -> tuple[str, str, list[str], list[str], list[str]]:
    actions, actors = filter_choices(session, engagement.id)
    notes = []
    if action and action not in actions:
        notes.append(f"No event of this engagement has the action “{action}”; showing every action.")
        action = ""
    if actor and actor not in actors:
        notes.append(f"No event of this engagement was done by “{actor}”; showing every actor.")
        actor = ""
    return action, actor, actions, actors, notes


def audit_page(session: Session, engagement: Engagement, action: str = "", actor: str = "", page: int = 1) -> AuditPage:
    """The audit page of ``engagement``: its events matching ``action`` (an action or a family such as
    ``theme``) and ``actor``, newest first, ``PER_PAGE`` per page. A page past the last shows the last."""
    action, actor, actions, actors, notes = _checked_filters(session, engagement, action.strip(), actor.strip())
    total = count_events(session, engagement.id, action or None, actor or None)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    events = find_events(
        session, engagement.id, action or None, actor or None, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    transcripts = readable_transcripts(session, engagement.id)
    rows = [AuditRow(e, when(e), diff(e.before, e.after), entity_link(e, engagement.id, transcripts)) for e in events]
    return AuditPage(engagement, rows, total, page, pages, action, actor, actions, actors, notes)


def audit_csv(session: Session, engagement: Engagement, action: str = "", actor: str = "") -> tuple[str, str]:
    """(file name, CSV text) of every event of ``engagement`` matching the filters, newest first;
    cells a spreadsheet would run as formulas are escaped (``assistant.security.csv_cell``)."""
    action, actor, *_ = _checked_filters(session, engagement, action.strip(), actor.strip())
    events = find_events(session, engagement.id, action or None, actor or None)
    # the file name carries the action filter (a value the log itself holds), made safe for a header
    suffix = "-" + re.sub(r"[^A-Za-z0-9_.-]", "_", action) if action else ""
    return f"audit-engagement-{engagement.id}{suffix}.csv", events_csv(events)
