"""Engagement set-up: organisation, departments, roster counts, invite links and progress.

Invite tokens are returned once, at creation, and stored only as hashes. People's names (an
invitee's optional name, the roster of staff names) are kept for redaction before text leaves for
an LLM, and for the consultant's set-up page; they are never shown to equity reviewers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from sqlmodel import Session, func, select

from assistant import throttle
from assistant.models import Engagement, Interview, Participant, RosterCount, User, utcnow
from assistant.privacy import names_from_email
from assistant.security import audit, has_control_chars, new_token, token_hash
from assistant.teams import add_lead

DEFAULT_ROLE_LEVELS = ["frontline", "supervisor", "manager", "executive"]
MAX_INVITE_CSV_BYTES = 2_000_000
MAX_NAME_CHARS = 120
MAX_ROSTER_NAMES = 20_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EngagementError(ValueError):
    """Input for an engagement could not be used; ``problems`` lists each one."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass
class NewInvite:
    participant: Participant
    token: str


def parse_list(text: str) -> list[str]:
    """Departments or role levels typed one per line or comma-separated, de-duplicated in order."""
    items = [part.strip() for line in text.splitlines() for part in line.split(",")]
    seen: dict[str, None] = {}
    for item in items:
        if item and item.lower() not in {s.lower() for s in seen}:
            seen[item] = None
    return list(seen)


def create_engagement(
    session: Session,
    organisation: str,
    departments: list[str],
    role_levels: list[str] | None = None,
    roster: dict[tuple[str, str], int] | None = None,
    user: User | None = None,
) -> Engagement:
    """Create an engagement with its departments, role levels and roster counts (validated); ``user``
    (the creator) becomes its lead."""
    role_levels = role_levels or list(DEFAULT_ROLE_LEVELS)
    problems = []
    if not organisation.strip():
        problems.append("Organisation name is required.")
    if not departments:
        problems.append("Add at least one department.")
    missing = [r for r in DEFAULT_ROLE_LEVELS if r not in role_levels]
    if missing:
        problems.append(f"Role levels must include {', '.join(DEFAULT_ROLE_LEVELS)} (missing: {', '.join(missing)}).")
    for (dept, role), count in (roster or {}).items():
        if dept not in departments or role not in role_levels:
            problems.append(f"Roster count for unknown group {dept} / {role}.")
        if count < 0:
            problems.append(f"Roster count for {dept} / {role} cannot be negative.")
    if problems:
        raise EngagementError("The engagement could not be created.", problems)
    engagement = Engagement(
        organisation=organisation.strip(),
        departments=departments,
        role_levels=role_levels,
        created_by=user.id if user else None,
        settings={"target_levels": {}, "llm_enabled": True},
    )
    session.add(engagement)
    session.flush()
    if user is not None:
        add_lead(session, engagement, user)  # only members see an engagement: its creator leads it
    for (dept, role), count in sorted((roster or {}).items()):
        session.add(RosterCount(engagement_id=engagement.id, department=dept, role_level=role, count=count))
    audit(
        session,
        "engagement.create",
        actor=user.email if user else "cli",
        actor_user_id=user.id if user else None,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
        after={
            "organisation": engagement.organisation,
            "departments": departments,
            "role_levels": role_levels,
            "lead": user.email if user else None,
        },
    )
    return engagement


def set_roster(session: Session, engagement: Engagement, roster: dict[tuple[str, str], int], user: User | None) -> None:
    """Replace the roster counts of an engagement (audited)."""
    before = {f"{r.department}|{r.role_level}": r.count for r in roster_rows(session, engagement)}
    for row in roster_rows(session, engagement):
        session.delete(row)
    session.flush()
    for (dept, role), count in sorted(roster.items()):
        if dept not in engagement.departments or role not in engagement.role_levels:
            raise EngagementError(f"Roster count for unknown group {dept} / {role}.")
        if count < 0:
            raise EngagementError(f"Roster count for {dept} / {role} cannot be negative.")
        session.add(RosterCount(engagement_id=engagement.id, department=dept, role_level=role, count=count))
    audit(
        session,
        "engagement.roster",
        actor=user.email if user else "cli",
        actor_user_id=user.id if user else None,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
        before=before,
        after={f"{d}|{r}": c for (d, r), c in roster.items()},
    )


def roster_rows(session: Session, engagement: Engagement) -> list[RosterCount]:
    return list(session.exec(select(RosterCount).where(RosterCount.engagement_id == engagement.id)).all())


def _check_group(engagement: Engagement, department: str, role_level: str) -> list[str]:
    problems = []
    if department not in engagement.departments:
        problems.append(f"unknown department '{department}' (known: {', '.join(engagement.departments)})")
    if role_level not in engagement.role_levels:
        problems.append(f"unknown role level '{role_level}' (known: {', '.join(engagement.role_levels)})")
    return problems


def create_invite(
    session: Session,
    engagement: Engagement,
    department: str,
    role_level: str,
    email: str | None = None,
    source: str = "invite",
    user: User | None = None,
    name: str | None = None,
) -> NewInvite:
    """Create one participant with a personal link token (returned once, stored hashed).

    ``name`` is optional; like the email it is used only to redact the person's name before text
    leaves for an LLM (and shown to consultants on the set-up page).
    """
    email = (email or "").strip() or None
    name = " ".join((name or "").split()) or None
    problems = _check_group(engagement, department, role_level)
    if email and not _EMAIL.match(email):
        problems.append(f"'{email}' is not an email address")
    if name and len(name) > MAX_NAME_CHARS:
        problems.append(f"the name is longer than {MAX_NAME_CHARS} characters")
    if problems:
        raise EngagementError("The invite could not be created: " + "; ".join(problems) + ".", problems)
    token = new_token()
    participant = Participant(
        engagement_id=engagement.id,
        token_hash=token_hash(token),
        source=source,
        department=department,
        role_level=role_level,
        email=email,
        name=name,
        expires_at=utcnow() + timedelta(days=engagement.invite_ttl_days),
    )
    session.add(participant)
    session.flush()
    if user is not None:
        audit(
            session,
            "invite.create",
            actor=user.email,
            actor_user_id=user.id,
            engagement_id=engagement.id,
            entity=f"participant:{participant.id}",
            after={"department": department, "role_level": role_level},
        )
    return NewInvite(participant, token)


def _csv_lines(source: BinaryIO, limit: int) -> Iterator[str]:
    """Decoded lines of ``source`` read in chunks (the file is never held whole), at most ``limit``
    bytes; ``EngagementError`` for a larger file or one that is not UTF-8 (saying where)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    read, pending = 0, ""
    while chunk := source.read(64 * 1024):
        read += len(chunk)
        if read > limit:
            raise EngagementError(f"The file is larger than {limit:,} bytes. Split it into smaller files.")
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise EngagementError(
                f"The file is not UTF-8 text (byte {read - len(chunk) + exc.start}). "
                "Save it as 'CSV UTF-8' and try again."
            ) from exc
        cut = pending.rfind("\n") + 1  # csv reads records from lines ending in \n (as a text file gives them)
        if cut:
            yield from (line + "\n" for line in pending[: cut - 1].split("\n"))
            pending = pending[cut:]
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise EngagementError(
            f"The file is not UTF-8 text (byte {read}). Save it as 'CSV UTF-8' and try again."
        ) from exc
    if pending:
        yield pending


def join_open_link(
    session: Session, engagement: Engagement, department: str, role_level: str, address: str
) -> NewInvite:
    """A new participant who signed up through the open link from ``address`` (the caller commits).

    Rule: one address may sign up at most ``OPEN_LINK_BURST`` times a minute and ``OPEN_LINK_HOURLY``
    times an hour per engagement (``throttle.Throttled`` past that, before anything is created);
    a refused group choice (``EngagementError``) does not count.
    """
    key = f"{engagement.id}:{address}"
    wait = max(
        throttle.retry_after(session, throttle.OPEN_LINK_BURST, key),
        throttle.retry_after(session, throttle.OPEN_LINK_HOURLY, key),
    )
    if wait:
        raise throttle.Throttled(
            f"Many people have just signed up from this network. Try again in {throttle.minutes_text(wait)}.", wait
        )
    invite = create_invite(session, engagement, department, role_level, source="open_link")
    throttle.hit(session, throttle.OPEN_LINK_BURST, key)
    throttle.forget_old(session)
    return invite


def import_invites_csv(
    session: Session, engagement: Engagement, source: bytes | BinaryIO, user: User | None = None
) -> list[NewInvite]:
    """Create invites from CSV rows of (department, role level[, email[, name]]); all or nothing.

    ``source`` is the file's bytes or an open binary file, read in chunks up to
    ``MAX_INVITE_CSV_BYTES``. A header row is optional (recognised by the words "department" and
    "role"). Raises ``EngagementError`` listing every bad row; nothing is created then.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    problems: list[str] = []
    wanted: list[tuple[str, str, str | None, str | None]] = []
    try:
        for line, row in enumerate(csv.reader(_csv_lines(stream, MAX_INVITE_CSV_BYTES)), start=1):
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
            dept, role = cells[0], cells[1]
            email = cells[2] if len(cells) >= 3 and cells[2] else None
            name = " ".join(cells[3].split()) if len(cells) == 4 and cells[3] else None
            row_problems = _check_group(engagement, dept, role)
            if email and not _EMAIL.match(email):
                row_problems.append(f"'{email}' is not an email address")
            if name and len(name) > MAX_NAME_CHARS:
                row_problems.append(f"the name is longer than {MAX_NAME_CHARS} characters")
            if any(has_control_chars(c) for c in cells):
                row_problems.append("a cell holds a control character (such as a NUL byte)")
            problems.extend(f"row {line}: {p}" for p in row_problems)
            wanted.append((dept, role, email, name))
    except csv.Error as exc:
        raise EngagementError(f"The file is not valid CSV: {exc}.") from exc
    if not wanted and not problems:
        problems.append("the file has no rows")
    if problems:
        raise EngagementError(f"Nothing was imported: {len(problems)} problem(s) in the file.", problems)
    invites = [create_invite(session, engagement, d, r, e, name=n) for d, r, e, n in wanted]
    if user is not None:
        audit(
            session,
            "invite.import",
            actor=user.email,
            actor_user_id=user.id,
            engagement_id=engagement.id,
            entity=f"engagement:{engagement.id}",
            after={"invites": len(invites)},
        )
    return invites


def llm_switched_off(engagement: Engagement) -> bool:
    """Whether consultants switched the LLM off for this engagement (it is on unless they did)."""
    return (engagement.settings or {}).get("llm_enabled", True) is False


def set_llm_enabled(session: Session, engagement: Engagement, enabled: bool, user: User | None = None) -> None:
    """Switch the LLM on or off for this engagement's probes, theme labels and ratings (audited)."""
    before = not llm_switched_off(engagement)
    # a new dict: SQLAlchemy notices a replaced JSON value, not one changed in place
    engagement.settings = {**(engagement.settings or {}), "llm_enabled": bool(enabled)}
    session.add(engagement)
    audit(
        session,
        "engagement.llm_" + ("on" if enabled else "off"),
        actor=user.email if user else "cli",
        actor_user_id=user.id if user else None,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
        before={"llm_enabled": before},
        after={"llm_enabled": bool(enabled)},
    )


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
    return list((engagement.settings or {}).get("roster_names", []))


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
    before = len(roster_names(engagement))
    engagement.settings = {**(engagement.settings or {}), "roster_names": list(names)}
    session.add(engagement)
    audit(
        session,
        "engagement.roster_names",
        actor=user.email if user else "cli",
        actor_user_id=user.id if user else None,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
        before={"names": before},
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
    audit(
        session,
        action,
        actor=user.email if user else "cli",
        actor_user_id=user.id if user else None,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
    )
    return token


STATUSES = ("invited", "started", "submitted", "withdrawn")


def participant_status(participant: Participant, interview: Interview | None) -> str:
    if participant.withdrawn_at is not None:
        return "withdrawn"
    if interview is None or interview.state == "declined":
        return "invited"
    if interview.state == "submitted":
        return "submitted"
    return "started"


def progress(session: Session, engagement: Engagement) -> dict:
    """Counts of invited / started / submitted / withdrawn per (department, role level), with roster.

    Each participant counts once, in their current status; ``invited`` counts all invitations.
    """
    rows = session.exec(
        select(Participant, Interview)
        .join(Interview, Interview.participant_id == Participant.id, isouter=True)
        .where(Participant.engagement_id == engagement.id, Participant.source != "import")
    ).all()
    counts: Counter = Counter()
    for participant, interview in rows:
        key = (participant.department, participant.role_level)
        counts[key + ("invited",)] += 1
        status = participant_status(participant, interview)
        if status != "invited":
            counts[key + (status,)] += 1
    roster = {(r.department, r.role_level): r.count for r in roster_rows(session, engagement)}
    table = []
    totals = Counter()
    for dept in engagement.departments:
        for role in engagement.role_levels:
            cells = {s: counts[(dept, role, s)] for s in STATUSES}
            cells["roster"] = roster.get((dept, role), 0)
            if any(cells.values()):
                table.append({"department": dept, "role_level": role, **cells})
                totals.update(cells)
    return {"rows": table, "totals": {k: totals[k] for k in STATUSES + ("roster",)}}


def engagement_counts(session: Session) -> dict[int, int]:
    """Participants per engagement (for the engagement list)."""
    rows = session.exec(select(Participant.engagement_id, func.count()).group_by(Participant.engagement_id)).all()
    return {eid: n for eid, n in rows}
