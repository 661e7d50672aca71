"""Invite links: personal invites (one at a time or from a CSV, all or nothing), the open link anyone
in the organisation may use, and its throttle.

Invite tokens are returned once, at creation, and stored only as hashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from sqlmodel import Session

from assistant import throttle
from assistant.csvfile import CSVImportError, file_source, records
from assistant.models import Engagement, Participant, User, utcnow
from assistant.records.engagements.names import MAX_NAME_CHARS
from assistant.records.engagements.settings import change_settings, settings_of
from assistant.records.engagements.setup import EngagementError
from assistant.security import audit_by, has_control_chars, new_token, token_hash, whole_number

MAX_INVITE_CSV_BYTES = 2_000_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class NewInvite:
    """A created participant and their link token (shown once, never stored)."""

    participant: Participant
    token: str


@dataclass
class Invitee:
    """Whom an invite is for: their group, and optionally their email and name (both used only to redact
    them before text leaves for an LLM, and shown to consultants on the set-up page)."""

    department: str
    role_level: str
    email: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        self.email = (self.email or "").strip() or None
        self.name = " ".join((self.name or "").split()) or None

    def problems(self, engagement: Engagement) -> list[str]:
        """What is wrong with this invite: a group the engagement does not have, an email that is not
        one, a name longer than ``MAX_NAME_CHARS``."""
        problems = []
        if self.department not in engagement.departments:
            problems.append(f"unknown department '{self.department}' (known: {', '.join(engagement.departments)})")
        if self.role_level not in engagement.role_levels:
            problems.append(f"unknown role level '{self.role_level}' (known: {', '.join(engagement.role_levels)})")
        if self.email and not _EMAIL.match(self.email):
            problems.append(f"'{self.email}' is not an email address")
        if self.name and len(self.name) > MAX_NAME_CHARS:
            problems.append(f"the name is longer than {MAX_NAME_CHARS} characters")
        return problems


def create_invite(
    session: Session, engagement: Engagement, invitee: Invitee, source: str = "invite", user: User | None = None
) -> NewInvite:
    """Create one participant for ``invitee`` with a personal link token (returned once, stored hashed)."""
    problems = invitee.problems(engagement)
    if problems:
        raise EngagementError("The invite could not be created: " + "; ".join(problems) + ".", problems)
    token = new_token()
    participant = Participant(
        engagement_id=engagement.id,
        token_hash=token_hash(token),
        source=source,
        department=invitee.department,
        role_level=invitee.role_level,
        email=invitee.email,
        name=invitee.name,
        expires_at=utcnow() + timedelta(days=engagement.invite_ttl_days),
    )
    session.add(participant)
    session.flush()
    if user is not None:
        # the invite is logged by its group only: no id or label that would tie the email typed here
        # to the transcript this person's answers will become
        after = {"department": invitee.department, "role_level": invitee.role_level}
        audit_by(session, "invite.create", user, engagement_id=engagement.id, entity="invite", after=after)
    return NewInvite(participant, token)


def open_link_hourly(engagement: Engagement) -> int:
    """How many open-link sign-ups one address may make in an hour for ``engagement`` (its setting,
    ``throttle.OPEN_LINK_HOURLY_DEFAULT`` when unset or out of bounds)."""
    return settings_of(engagement).open_link.hourly_per_address


def parse_open_link_hourly(text: str) -> int:
    """The hourly sign-up limit a lead typed; ``EngagementError`` unless a whole number within the bounds."""
    low, high = throttle.OPEN_LINK_HOURLY_BOUNDS
    value = whole_number(text.strip(), low, high)
    if value is None:
        problem = f"Sign-ups per address an hour: enter a whole number from {low} to {high}."
        raise EngagementError("The open-link limit was not saved.", [problem])
    return value


def set_open_link_hourly(session: Session, engagement: Engagement, count: int, user: User | None) -> None:
    """Set how many open-link sign-ups one address may make in an hour (audited; the caller commits)."""
    before = {"hourly_per_address": open_link_hourly(engagement)}
    after = {"hourly_per_address": count}
    change_settings(session, engagement, "open_link.limit", user, {"open_link": after}, before=before, after=after)


def join_open_link(
    session: Session, engagement: Engagement, department: str, role_level: str, address: str
) -> NewInvite:
    """A new participant who signed up through the open link from ``address`` (the caller commits).

    Rule: one address may sign up at most ``OPEN_LINK_BURST`` times a minute and the engagement's
    ``open_link_hourly`` times an hour (``throttle.Throttled`` past that, before anything is created).
    The sign-up is counted atomically before the participant is made (``throttle.take``), so sign-ups
    sent at once never pass the limit; a refused group choice (``EngagementError``) does not count.
    """
    invitee = Invitee(department, role_level)
    if problems := invitee.problems(engagement):
        raise EngagementError("The invite could not be created: " + "; ".join(problems) + ".", problems)
    key = f"{engagement.id}:{address}"
    limits = [(throttle.OPEN_LINK_BURST, key), (throttle.open_link_hourly(open_link_hourly(engagement)), key)]
    attempt = throttle.take(session.get_bind(), limits)
    if attempt.wait:
        raise throttle.Throttled(
            f"Many people have just signed up from this network. Try again in {throttle.minutes_text(attempt.wait)}.",
            attempt.wait,
        )
    return create_invite(session, engagement, invitee, source="open_link")


def import_invites_csv(
    session: Session, engagement: Engagement, source: bytes | BinaryIO, user: User | None = None
) -> list[NewInvite]:
    """Create invites from CSV rows of (department, role level[, email[, name]]); all or nothing.

    ``source`` is the file's bytes or an open binary file, read in chunks up to
    ``MAX_INVITE_CSV_BYTES``. A header row is optional (recognised by the words "department" and
    "role"). Raises ``EngagementError`` listing every bad row; nothing is created then.
    """
    problems: list[str] = []
    wanted: list[Invitee] = []
    chunks = source if isinstance(source, bytes) else file_source(source, 64 * 1024)
    try:
        for line, (_end, row) in enumerate(records(chunks, MAX_INVITE_CSV_BYTES), start=1):
            cells = [c.strip() for c in row]
            if line == 1 and len(cells) > 1 and "department" in cells[0].lower() and "role" in cells[1].lower():
                continue  # the header row
            if not any(cells):
                continue
            if len(cells) < 2 or len(cells) > 4:
                problems.append(
                    f"row {line}: expected 2 to 4 columns (department, role level[, email[, name]]), found {len(cells)}"
                )
                continue
            invitee = Invitee(*cells)
            row_problems = invitee.problems(engagement)
            if any(has_control_chars(c) for c in cells):
                row_problems.append("a cell holds a control character (such as a NUL byte)")
            problems.extend(f"row {line}: {p}" for p in row_problems)
            wanted.append(invitee)
    except CSVImportError as exc:  # too large, not UTF-8 or not CSV (saying where): the same words as any CSV
        raise EngagementError(str(exc)) from exc
    if not wanted and not problems:
        problems.append("the file has no rows")
    if problems:
        raise EngagementError(f"Nothing was imported: {len(problems)} problem(s) in the file.", problems)
    invites = [create_invite(session, engagement, invitee) for invitee in wanted]
    if user is not None:
        audit_by(
            session,
            "invite.import",
            user,
            engagement_id=engagement.id,
            entity=f"engagement:{engagement.id}",
            after={"invites": len(invites)},
        )
    return invites


def enable_open_link(
    session: Session, engagement: Engagement, enabled: bool, user: User | None = None, renew: bool = False
) -> str | None:
    """Turn the engagement's open link on or off; returns a new link token, or None.

    Only the token's hash is stored (like personal links), so the token is returned once: when the
    link is first turned on, or when ``renew`` replaces it (the old link stops working). Turning a
    link off and on again keeps the link people already have.
    """
    token = None
    if enabled and (renew or not engagement.open_token_hash):
        token = new_token()
        engagement.open_token_hash = token_hash(token)
    engagement.open_link_enabled = enabled
    session.add(engagement)
    action = "open_link." + ("renew" if enabled and renew else "enable" if enabled else "disable")
    audit_by(
        session,
        action,
        user,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
    )
    return token
