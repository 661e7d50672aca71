"""Files kept between two steps of a form (a survey CSV between upload and column mapping).

They live in the database, not on one server's disk: the mapping step may be answered by any app
process, and a restarted process still finds the file. A file is reachable only through its
engagement and the random reference its form carries, and is kept for a day at most.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from assistant.models import Upload, utcnow

TTL = timedelta(hours=24)
_REF = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def valid_ref(ref: str) -> bool:
    """True when ``ref`` has the shape of a reference ``keep`` hands out (anything else is forged)."""
    return bool(_REF.match(ref))


def keep(session: Session, engagement_id: int, data: bytes, filename: str, created_by: int | None = None) -> str:
    """Store ``data`` for the engagement and return its new random reference (committed).
    Uploads older than a day, of any engagement, are removed on the way."""
    forget_old(session)
    ref = secrets.token_urlsafe(18)
    session.add(
        Upload(
            ref=ref,
            engagement_id=engagement_id,
            filename=filename[:200],
            size=len(data),
            data=data,
            created_by=created_by,
        )
    )
    session.commit()
    return ref


def find(session: Session, engagement_id: int, ref: str) -> Upload | None:
    """The engagement's upload ``ref`` if it is still kept (a day at most), else None."""
    if not valid_ref(ref):
        return None
    return session.exec(
        select(Upload).where(
            Upload.ref == ref, Upload.engagement_id == engagement_id, col(Upload.created_at) >= utcnow() - TTL
        )
    ).first()


def forget(session: Session, engagement_id: int, ref: str) -> None:
    """Remove the engagement's upload ``ref`` (the caller commits)."""
    session.exec(delete(Upload).where(col(Upload.ref) == ref, col(Upload.engagement_id) == engagement_id))


def forget_old(session: Session) -> int:
    """Remove uploads older than a day; returns how many (the caller commits)."""
    result = session.exec(delete(Upload).where(col(Upload.created_at) < utcnow() - TTL))
    return result.rowcount or 0
