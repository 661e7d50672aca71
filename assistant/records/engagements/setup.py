"""Setting an engagement up: organisation, departments, role levels, roster counts, and the
engagement's LLM switch. Every change is audited."""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.models import Engagement, RosterCount, User
from assistant.records.engagements.settings import change_settings, initial_settings, settings_of
from assistant.records.teams import add_lead
from assistant.security import audit_by

DEFAULT_ROLE_LEVELS = ["frontline", "supervisor", "manager", "executive"]


class EngagementError(ValueError):
    """Input for an engagement could not be used; ``problems`` lists each one."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


def parse_list(text: str) -> list[str]:
    """Departments or role levels typed one per line or comma-separated, de-duplicated in order."""
    items = [part.strip() for line in text.splitlines() for part in line.split(",")]
    seen: dict[str, None] = {}
    for item in items:
        if item and item.lower() not in {s.lower() for s in seen}:
            seen[item] = None
    return list(seen)


def _roster_problems(roster: dict[tuple[str, str], int], departments: list[str], role_levels: list[str]) -> list[str]:
    """What is wrong with roster counts: a group the engagement does not have, or a negative count."""
    problems = []
    for (dept, role), count in sorted(roster.items()):
        if dept not in departments or role not in role_levels:
            problems.append(f"Roster count for unknown group {dept} / {role}.")
        if count < 0:
            problems.append(f"Roster count for {dept} / {role} cannot be negative.")
    return problems


def _add_roster(session: Session, engagement: Engagement, roster: dict[tuple[str, str], int]) -> None:
    for (dept, role), count in sorted(roster.items()):
        session.add(RosterCount(engagement_id=engagement.id, department=dept, role_level=role, count=count))


def create_engagement(
    session: Session,
    organisation: str,
    departments: list[str],
    role_levels: list[str] | None = None,
    roster: dict[tuple[str, str], int] | None = None,
    user: User | None = None,
    invite_ttl_days: int | None = None,
) -> Engagement:
    """Create an engagement with its departments, role levels and roster counts (validated); ``user``
    (the creator) becomes its lead; its invites last ``invite_ttl_days`` (``DM3_INVITE_TTL_DAYS``; None: the
    model's default)."""
    role_levels = role_levels or list(DEFAULT_ROLE_LEVELS)
    problems = []
    if not organisation.strip():
        problems.append("Organisation name is required.")
    if not departments:
        problems.append("Add at least one department.")
    missing = [r for r in DEFAULT_ROLE_LEVELS if r not in role_levels]
    if missing:
        problems.append(f"Role levels must include {', '.join(DEFAULT_ROLE_LEVELS)} (missing: {', '.join(missing)}).")
    problems += _roster_problems(roster or {}, departments, role_levels)
    if problems:
        raise EngagementError("The engagement could not be created.", problems)
    engagement = Engagement(
        organisation=organisation.strip(),
        departments=departments,
        role_levels=role_levels,
        created_by=user.id if user else None,
        settings=initial_settings(),
    )
    if invite_ttl_days is not None:
        engagement.invite_ttl_days = invite_ttl_days
    session.add(engagement)
    session.flush()
    if user is not None:
        add_lead(session, engagement, user)  # only members see an engagement: its creator leads it
    _add_roster(session, engagement, roster or {})
    audit_by(
        session,
        "engagement.create",
        user,
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
    """Replace the roster counts of an engagement (audited); ``EngagementError`` naming the first bad
    count (all of them in ``problems``) before anything changes."""
    problems = _roster_problems(roster, engagement.departments, engagement.role_levels)
    if problems:
        raise EngagementError(problems[0], problems)
    before = {f"{r.department}|{r.role_level}": r.count for r in roster_rows(session, engagement)}
    for row in roster_rows(session, engagement):
        session.delete(row)
    session.flush()
    _add_roster(session, engagement, roster)
    audit_by(
        session,
        "engagement.roster",
        user,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
        before=before,
        after={f"{d}|{r}": c for (d, r), c in roster.items()},
    )


def roster_rows(session: Session, engagement: Engagement) -> list[RosterCount]:
    """The engagement's roster counts, one row per (department, role level)."""
    return list(session.exec(select(RosterCount).where(RosterCount.engagement_id == engagement.id)).all())


def llm_switched_off(engagement: Engagement) -> bool:
    """Whether consultants switched the LLM off for this engagement (it is on unless they did)."""
    return not settings_of(engagement).llm_enabled


def set_llm_enabled(session: Session, engagement: Engagement, enabled: bool, user: User | None = None) -> None:
    """Switch the LLM on or off for this engagement's probes, theme labels and ratings (audited)."""
    change_settings(
        session,
        engagement,
        "engagement.llm_" + ("on" if enabled else "off"),
        user,
        {"llm_enabled": bool(enabled)},
        before={"llm_enabled": not llm_switched_off(engagement)},
    )
