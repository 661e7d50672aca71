"""Consultant and reviewer accounts, and login sessions (used by the web and the CLI)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant import throttle
from assistant.models import AuthSession, User, utcnow
from assistant.security import Busy, audit, hash_password, new_token, token_hash, verify_password

ROLES = ("consultant", "equity_reviewer", "city_contact")
MIN_PASSWORD = 10


class AccountError(ValueError):
    """A user account could not be created or changed; the message says why."""


def create_user(session: Session, email: str, password: str, role: str = "consultant", name: str = "") -> User:
    """Create an account; the password is stored as an argon2 hash."""
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"'{email}' is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if session.exec(select(User).where(User.email == email)).first():
        raise AccountError(f"an account for {email} already exists")
    user = User(email=email, name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.is_active:
        hash_password(password)  # spend the same time either way
        return None
    return user if verify_password(password, user.password_hash) else None


def login(session: Session, email: str, password: str, address: str) -> User | None:
    """The user these credentials name, or None (a failure is counted and audited; the caller commits).

    Rules: every attempt is counted (``throttle.take``: stored, then the window counted, atomically)
    *before* its password is checked; past ``LOGIN_PER_ACCOUNT`` attempts on the account, or
    ``LOGIN_PER_ADDRESS`` from the address, it is refused with ``throttle.Throttled`` and no password
    is hashed, so 20 guesses sent at once check at most the account's limit, and a flood costs a
    database write, not argon2's memory. A success does not count (its hit is taken back) and clears
    the account's failures. ``security.Busy`` propagates when too many password checks already run
    (that attempt checked nothing, so it does not count either).
    """
    account = email.strip().lower()[:320]
    db_engine = session.get_bind()
    attempt = throttle.take(db_engine, [(throttle.LOGIN_PER_ACCOUNT, account), (throttle.LOGIN_PER_ADDRESS, address)])
    if attempt.wait:
        raise throttle.Throttled(
            f"Too many failed logins. Try again in {throttle.minutes_text(attempt.wait)}.", attempt.wait
        )
    try:
        user = authenticate(session, account, password)
    except Busy:
        throttle.release(session, attempt)
        session.commit()
        raise
    if user is None:
        audit(session, "login.failed", actor=account, after={"address": address})
        return None
    throttle.release(session, attempt)
    throttle.clear(session, throttle.LOGIN_PER_ACCOUNT, account)
    return user


def start_session(session: Session, user: User, hours: int) -> str:
    """Create a login session and return its cookie token (only the hash is stored)."""
    token = new_token()
    expires = utcnow() + timedelta(hours=hours)
    session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=expires))
    return token


def session_user(session: Session, token: str) -> User | None:
    """The active user whose login session ``token`` is (known, not revoked, not expired), else None."""
    if not token:
        return None
    row = session.exec(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    auth, user = row
    if auth.revoked_at is not None or auth.expires_at < utcnow() or not user.is_active:
        return None
    return user


def is_live_session(db_engine: Engine, token: str) -> bool:
    """True when ``token`` is a live login session (``session_user``), read in a session of its own:
    what the body-cap middleware asks before it lets a request send an upload-sized body."""
    with Session(db_engine) as session:
        return session_user(session, token) is not None


def end_session(session: Session, token: str) -> None:
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).first()
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
