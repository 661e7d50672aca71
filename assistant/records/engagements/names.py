"""The names an engagement knows (its roster of staff names, invitees' names and emails), kept only to
redact them from text sent to an LLM and shown to consultants; never to equity reviewers."""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.models import Engagement, Participant, User
from assistant.privacy import COLLEAGUE, Scrubber, names_from_email, scrubber
from assistant.records.engagements.settings import change_settings, settings_of
from assistant.records.engagements.setup import EngagementError

MAX_NAME_CHARS = 120
MAX_ROSTER_NAMES = 20_000


def parse_names(text: str) -> list[str]:
    """Staff names typed one per line (a name may contain a comma: "Lopez, Maria"), de-duplicated."""
    seen: dict[str, str] = {}
    for line in text.splitlines():
        name = " ".join(line.split())
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def roster_names(engagement: Engagement) -> list[str]:
    """The staff names consultants entered for redaction (never shown to equity reviewers)."""
    return list(settings_of(engagement).roster_names)


def set_roster_names(session: Session, engagement: Engagement, names: list[str], user: User | None = None) -> None:
    """Replace the engagement's roster of staff names, used only to redact text sent to an LLM.

    Rules enforced: each name at most ``MAX_NAME_CHARS`` characters and at most ``MAX_ROSTER_NAMES``
    names (``EngagementError`` listing what is wrong; nothing is saved then). The audit event records
    how many names there were, not the names: the audit log must not become a second list of people.
    """
    problems = [f"'{n[:40]}…' is longer than {MAX_NAME_CHARS} characters" for n in names if len(n) > MAX_NAME_CHARS]
    if len(names) > MAX_ROSTER_NAMES:
        problems.append(f"{len(names):,} names; the limit is {MAX_ROSTER_NAMES:,}")
    if problems:
        raise EngagementError("The staff names could not be saved.", problems)
    change_settings(
        session,
        engagement,
        "engagement.roster_names",
        user,
        {"roster_names": list(names)},
        before={"names": len(roster_names(engagement))},
        after={"names": len(names)},
    )


def people_names(session: Session, engagement: Engagement) -> list[str]:
    """Every name this engagement knows, for redaction: the roster of staff names, invitees' names,
    and names read from invitees' email addresses where plausible (``privacy.names_from_email``,
    never from a mailbox named like one of the engagement's departments or role levels)."""
    names = roster_names(engagement)
    own_words = list(engagement.departments) + list(engagement.role_levels) + [engagement.organisation]
    rows = session.exec(
        select(Participant.name, Participant.email).where(Participant.engagement_id == engagement.id)
    ).all()
    for name, email in rows:
        if name:
            names.append(name)
        names.extend(names_from_email(email, exclude=own_words))
    return names


def scrubber_for(session: Session, engagement: Engagement | None, placeholder: str = COLLEAGUE) -> Scrubber:
    """The engagement's one scrubber (``privacy.Scrubber``): every name it knows (``people_names``), the
    named-entity model, emails, phones and street addresses. Every staff text shown to someone other
    than its author (quotes, transcripts, other voices, review pages, reports, exports) passes it. Built
    once per list of names (``privacy.scrubber``'s cache), so a page calling it per row costs one query."""
    return scrubber(people_names(session, engagement) if engagement is not None else [], placeholder)
