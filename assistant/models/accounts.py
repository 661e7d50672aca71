"""Accounts and access: consultant and reviewer users, login sessions, password links, flood counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from assistant.models.base import utcnow

# --- people and access -------------------------------------------------------------------


class User(SQLModel, table=True):
    """A consultant or equity reviewer account (staff never log in; they use invite links)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True)
    name: str = ""
    role: str = "consultant"  # consultant | equity_reviewer
    password_hash: str
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class AuthSession(SQLModel, table=True):
    """A login session; the cookie holds a random token, the table only its hash."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class PasswordSetup(SQLModel, table=True):
    """A one-time link to set a password (shown once to whoever created the account; only its hash is kept)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class RateHit(SQLModel, table=True):
    """One counted attempt (a failed login, an open-link sign-up) for the flood limits in
    ``assistant/throttle.py``. Rows live in the database so every server process counts the same
    attempts; ``key`` is an account or a network address, never a password."""

    __table_args__ = (Index("ix_ratehit_bucket_key_at", "bucket", "key", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    bucket: str  # login-account | login-address | open-link
    key: str
    at: datetime = Field(default_factory=utcnow, index=True)
