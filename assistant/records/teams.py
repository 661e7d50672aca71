"""Engagement teams: who may open an engagement, in which role, and one-time password links.

Rules:
- only members see an engagement; the creator is its lead;
- roles: ``lead`` (manages the team), ``consultant``, ``equity_reviewer``, ``city_contact`` (the
  organisation's contact: updates the roadmap items they own, reads its progress and progress
  report, nothing from staff); a consultant account takes the lead or consultant role, an equity
  reviewer account the equity reviewer role, a city contact account the city contact role;
- an engagement always keeps at least one lead;
- adding someone by an email with no account creates the account with no usable password and a
  one-time set-password link (returned once, stored as a hash): no email server is assumed;
- every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from assistant.models import Engagement, Membership, PasswordSetup, User, utcnow
from assistant.records.accounts import MIN_PASSWORD, AccountError
from assistant.security import audit, audit_by, hash_password, new_token, token_hash

TEAM_ROLES = ("lead", "consultant", "equity_reviewer", "city_contact")
ROLE_NAMES = {
    "lead": "Lead consultant",
    "consultant": "Consultant",
    "equity_reviewer": "Equity reviewer",
    "city_contact": "City contact",
}
# the account each team role needs: consultants lead or consult; a reviewer or a city contact only
# ever joins in that role (a city contact's account creates no engagement and opens no staff text)
_ACCOUNT_ROLE = {"lead": "consultant", "consultant": "consultant", "equity_reviewer": "equity_reviewer"}
_ACCOUNT_ROLE["city_contact"] = "city_contact"
_KIND = {"consultant": "a consultant", "equity_reviewer": "an equity reviewer", "city_contact": "a city contact"}
_JOINS_AS = {
    "consultant": "lead or consultant",
    "equity_reviewer": "an equity reviewer",
    "city_contact": "a city contact",
}
SETUP_LINK_DAYS = 7


class TeamError(ValueError):
    """A team change that cannot be made; the message says why and what to do."""


def _audit_member(
    session: Session,
    action: str,
    by: User | None,
    engagement: Engagement,
    user: User,
    before: dict[str, str] | None = None,
    after: dict[str, str] | None = None,
) -> None:
    """Audit a change to ``user``'s place on ``engagement``'s team: the entity is always the user."""
    audit_by(session, action, by, engagement_id=engagement.id, entity=f"user:{user.id}", before=before, after=after)


@dataclass
class AddedMember:
    """The result of adding someone: their account, membership, and a set-password token when the
    account is new (shown once)."""

    user: User
    membership: Membership
    setup_token: str | None = None
    created_account: bool = False


def account_role_for(team_role: str) -> str:
    """The account role a team role needs (consultant for lead and consultant)."""
    return _ACCOUNT_ROLE.get(team_role, "consultant")


def membership(session: Session, engagement_id: int, user_id: int) -> Membership | None:
    """The user's membership of the engagement, or None (not a member)."""
    return session.exec(
        select(Membership).where(Membership.engagement_id == engagement_id, Membership.user_id == user_id)
    ).first()


def members(session: Session, engagement_id: int) -> list[tuple[Membership, User]]:
    """The engagement's team: leads first, then consultants, then equity reviewers, by email."""
    rows = session.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.engagement_id == engagement_id)
    ).all()
    return sorted(rows, key=lambda r: (TEAM_ROLES.index(r[0].role) if r[0].role in TEAM_ROLES else 9, r[1].email))


def engagements_for(session: Session, user: User) -> list[tuple[Engagement, Membership]]:
    """The engagements ``user`` is a member of, newest first, with their membership."""
    return list(
        session.exec(
            select(Engagement, Membership)
            .join(Membership, Membership.engagement_id == Engagement.id)
            .where(Membership.user_id == user.id)
            .order_by(col(Engagement.created_at).desc(), col(Engagement.id).desc())
        ).all()
    )


def add_lead(session: Session, engagement: Engagement, user: User) -> Membership:
    """Make the engagement's creator its lead (called when the engagement is created; audited there)."""
    row = Membership(engagement_id=engagement.id, user_id=user.id, role="lead", added_by=user.id)
    session.add(row)
    session.flush()
    return row


def new_password_link(session: Session, user: User, by: User | None) -> str:
    """A one-time set-password token for ``user`` (valid ``SETUP_LINK_DAYS`` days); earlier unused ones stop working."""
    for old in session.exec(
        select(PasswordSetup).where(PasswordSetup.user_id == user.id, col(PasswordSetup.used_at).is_(None))
    ).all():
        old.used_at = utcnow()
        session.add(old)
    token = new_token()
    session.add(
        PasswordSetup(
            token_hash=token_hash(token),
            user_id=user.id,
            created_by=by.id if by else None,
            expires_at=utcnow() + timedelta(days=SETUP_LINK_DAYS),
        )
    )
    audit_by(
        session,
        "account.password_link",
        by,
        entity=f"user:{user.id}",
    )
    return token


def setup_user(session: Session, token: str) -> User | None:
    """The account a set-password token is for while it is unused and unexpired, else None."""
    row = session.exec(select(PasswordSetup).where(PasswordSetup.token_hash == token_hash(token))).first()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return session.get(User, row.user_id)


def set_password(session: Session, token: str, password: str, confirm: str) -> User:
    """Set the password of the account behind a one-time token and spend the token.

    Raises ``AccountError`` (nothing changed) for a used, expired or unknown link, a short
    password, or a confirmation that does not match.
    """
    row = session.exec(select(PasswordSetup).where(PasswordSetup.token_hash == token_hash(token))).first()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise AccountError("This link has been used or has expired. Ask your engagement's lead for a new one.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must have at least {MIN_PASSWORD} characters.")
    if password != confirm:
        raise AccountError("The two passwords are not the same.")
    user = session.get(User, row.user_id)
    assert user is not None  # the foreign key guarantees it
    user.password_hash = hash_password(password)
    row.used_at = utcnow()
    session.add_all([user, row])
    audit(session, "account.password_set", actor=user.email, actor_user_id=user.id, entity=f"user:{user.id}")
    return user


def add_member(session: Session, engagement: Engagement, email: str, role: str, by: User | None) -> AddedMember:
    """Add the account with ``email`` to the team in ``role`` (or change the role of a member).

    An unknown email gets a new account of the matching kind with a one-time set-password link.
    Raises ``TeamError`` for an unknown role, an address that is not an email, an account of the
    other kind (a reviewer cannot be made a consultant), or a change that would leave no lead.
    """
    email = email.strip().lower()
    if role not in TEAM_ROLES:
        raise TeamError(f"Choose a role: {', '.join(ROLE_NAMES[r].lower() for r in TEAM_ROLES)}.")
    if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
        raise TeamError(f"'{email}' is not an email address.")
    user = session.exec(select(User).where(User.email == email)).first()
    token = None
    created = False
    if user is None:
        # no usable password until the link is used: the hash of a random secret nobody keeps
        user = User(email=email, role=account_role_for(role), password_hash=hash_password(new_token()))
        session.add(user)
        session.flush()
        _audit_member(session, "account.create", by, engagement, user, after={"email": email, "role": user.role})
        token = new_password_link(session, user, by)
        created = True
    elif user.role != account_role_for(role):
        kind, joins = _KIND.get(user.role, "another kind of"), _JOINS_AS.get(user.role, "its own role")
        raise TeamError(f"{email} has {kind} account; it can only join as {joins}.")
    row = membership(session, engagement.id, user.id)
    if row is not None:
        if row.role == role:
            raise TeamError(f"{email} is already on the team as {ROLE_NAMES[role].lower()}.")
        if row.role == "lead" and _leads(session, engagement.id) == 1:
            raise TeamError("The engagement needs a lead: make someone else lead first.")
        before = row.role
        row.role = role
        session.add(row)
        _audit_member(
            session, "team.role", by, engagement, user, before={"role": before}, after={"email": email, "role": role}
        )
        return AddedMember(user, row, token, created)
    row = Membership(engagement_id=engagement.id, user_id=user.id, role=role, added_by=by.id if by else None)
    session.add(row)
    session.flush()
    _audit_member(session, "team.add", by, engagement, user, after={"email": email, "role": role})
    return AddedMember(user, row, token, created)


def _leads(session: Session, engagement_id: int) -> int:
    return len(
        session.exec(
            select(Membership.id).where(Membership.engagement_id == engagement_id, Membership.role == "lead")
        ).all()
    )


def remove_member(session: Session, engagement: Engagement, user_id: int, by: User | None) -> User:
    """Take ``user_id`` off the team; raises ``TeamError`` for a non-member or the last lead."""
    row = membership(session, engagement.id, user_id)
    user = session.get(User, user_id) if row is not None else None
    if row is None or user is None:
        raise TeamError("That person is not on this engagement's team.")
    if row.role == "lead" and _leads(session, engagement.id) == 1:
        raise TeamError("The engagement needs a lead: make someone else lead before removing this one.")
    session.delete(row)
    _audit_member(session, "team.remove", by, engagement, user, before={"email": user.email, "role": row.role})
    return user
