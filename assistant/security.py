"""Passwords, link tokens and audit events: the small pieces every route needs."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, Optional

from pwdlib import PasswordHash
from sqlmodel import Session

from assistant.models import AuditEvent

_hasher = PasswordHash.recommended()  # argon2id


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # malformed hash: treat as a failed login, never as a crash
        return False


def new_token() -> str:
    """A URL-safe random token for invite links and sessions (shown once, stored hashed)."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def audit(
    session: Session,
    action: str,
    *,
    actor: str,
    actor_user_id: Optional[int] = None,
    engagement_id: Optional[int] = None,
    entity: str = "",
    before: Optional[dict[str, Any]] = None,
    after: Optional[dict[str, Any]] = None,
) -> AuditEvent:
    """Add an audit event to the session (committed with the change it records)."""
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_user_id=actor_user_id,
        engagement_id=engagement_id,
        entity=entity,
        before=before or {},
        after=after or {},
    )
    session.add(event)
    return event
