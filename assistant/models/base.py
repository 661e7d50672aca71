"""Helpers every table module shares: aware UTC times, JSON columns, public participant labels."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field


def utcnow() -> datetime:
    """Aware UTC now (SQLModel refuses naive datetimes)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time; a naive one (SQLite returns them so) was written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def json_field(default: Any = None) -> Any:
    """A non-null JSON column defaulting to an empty dict (``default is dict``) or list."""
    factory = (lambda: {}) if default is dict else (lambda: [])
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


# Public participant labels: random, so that numbers never follow invite order (which a consultant
# could match against the emails they typed). No 0/O, 1/I/L, U: easy to read aloud and to copy.
_LABEL_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


PUBLIC_LABEL = re.compile(rf"^P-[{_LABEL_ALPHABET}]{{6}}$")


def new_public_label() -> str:
    """A random participant label such as ``P-7KQ2MX`` (about 7 * 10^8 values)."""
    return "P-" + "".join(secrets.choice(_LABEL_ALPHABET) for _ in range(6))
