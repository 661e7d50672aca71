"""Flood limits: failed logins per account and per network address, open-link sign-ups per address.

Each counted attempt is a ``RateHit`` row and a limit is a sliding window over those rows ("at
most N in the last W seconds"). The counter lives in the database, not in process memory, so it
holds with several server processes behind one address and survives a restart (libraries such as
``limits`` keep counters in memory, Redis or Memcached; a per-process memory counter would give each
worker its own allowance, and this product runs on one database with no cache server).

Counting cannot be raced: ``take`` stores the attempt first, then counts the window, in one
transaction that holds the key's lock (SQLite lets one writer in at a time; PostgreSQL takes a
transaction-scoped advisory lock on the key), and refuses (storing nothing) when the attempt would
be one too many. So 20 guesses sent at once check at most the limit's number of passwords; counting
after the check let all 20 through.

An address is what the server sees as the client's address; behind a reverse proxy run uvicorn with
``--proxy-headers --forwarded-allow-ips=<proxy>`` so that is the person's address, not the proxy's.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from assistant.models import RateHit, utcnow

# the engagement's open-link limit, bounded and defaulted in its settings model
from assistant.models.settings import OPEN_LINK_HOURLY_BOUNDS as OPEN_LINK_HOURLY_BOUNDS
from assistant.models.settings import OPEN_LINK_HOURLY_DEFAULT as OPEN_LINK_HOURLY_DEFAULT


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits in ``bucket`` for one key within ``window_s`` seconds."""

    bucket: str
    count: int
    window_s: int


# Five wrong passwords lock one account for 15 minutes (the person can still reset with the admin);
# one address gets more room because a city hall's staff often share one public address.
LOGIN_PER_ACCOUNT = Limit("login-account", 5, 15 * 60)
LOGIN_PER_ADDRESS = Limit("login-address", 30, 15 * 60)
# Open-link sign-ups: a short burst from one address is a script (5 joins in 4 s moved ratings in
# the tester's report); a whole team signing up from one office over an hour is not.
OPEN_LINK_BURST = Limit("open-link", 3, 60)
# the hourly sign-ups per address are the engagement's setting (``engagements.open_link_hourly``)


def open_link_hourly(count: int) -> Limit:
    """The hourly open-link limit of an engagement allowing ``count`` sign-ups per address an hour."""
    return Limit("open-link", count, 3600)


KEEP_S = 24 * 3600  # hits older than this count for nothing and are deleted now and then


class Throttled(Exception):
    """A limit was reached; ``retry_after_s`` says when the next attempt will be counted again."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def retry_after(session: Session, limit: Limit, key: str) -> int:
    """Seconds until ``key`` may try again under ``limit``; 0 when it is under the limit now.

    With ``count`` hits in the window, the oldest of the last ``count`` hits has to leave the window.
    """
    since = utcnow() - timedelta(seconds=limit.window_s)
    recent = session.exec(
        select(RateHit.at)
        .where(RateHit.bucket == limit.bucket, RateHit.key == key, col(RateHit.at) > since)
        .order_by(col(RateHit.at).desc())
        .limit(limit.count)
    ).all()
    if len(recent) < limit.count:
        return 0
    oldest = recent[-1]
    if oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=UTC)
    return max(1, math.ceil((oldest - since).total_seconds()))


@dataclass(frozen=True)
class Attempt:
    """What ``take`` did: ``wait`` seconds to wait when refused (0 when counted), and the ids of the
    hits it stored (none when refused)."""

    wait: int
    hit_ids: list[int] = field(default_factory=list)


def _lock_key(bucket: str, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{bucket}\0{key}".encode()).digest()[:8], "big", signed=True)


def _count(session: Session, limit: Limit, key: str) -> int:
    since = utcnow() - timedelta(seconds=limit.window_s)
    query = select(func.count()).select_from(RateHit)
    return int(
        session.exec(query.where(RateHit.bucket == limit.bucket, RateHit.key == key, col(RateHit.at) > since)).one()
    )


def take(db_engine: Engine, wanted: Sequence[tuple[Limit, str]]) -> Attempt:
    """Count one attempt against every ``(limit, key)`` at once, before the work it guards: in one
    transaction of its own, lock the keys, store one hit per (bucket, key), count each window with it,
    and commit; when any window would hold more than its limit, roll back (nothing stored) and say how
    long to wait. Limits sharing a bucket and key share the one hit."""
    keys = sorted({(limit.bucket, key) for limit, key in wanted})
    with Session(db_engine) as session:
        if db_engine.dialect.name == "postgresql":
            for bucket, key in keys:
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(bucket, key)})
        hits = [RateHit(bucket=bucket, key=key) for bucket, key in keys]
        session.add_all(hits)
        session.flush()  # on SQLite the first write takes the database's one write lock until commit
        if any(_count(session, limit, key) > limit.count for limit, key in wanted):
            session.rollback()
            return Attempt(max([1] + [retry_after(session, limit, key) for limit, key in wanted]))
        ids = [h.id for h in hits if h.id is not None]
        forget_old(session)
        session.commit()
        return Attempt(0, ids)


def release(session: Session, attempt: Attempt) -> None:
    """Forget the hits ``attempt`` stored (an attempt that turned out not to count: a success, or a
    password check that never ran); the caller commits."""
    if attempt.hit_ids:
        session.execute(delete(RateHit).where(col(RateHit.id).in_(attempt.hit_ids)))


def clear(session: Session, limit: Limit, key: str) -> None:
    """Forget ``key``'s hits under ``limit`` (a successful login ends the run of failures)."""
    session.execute(delete(RateHit).where(RateHit.bucket == limit.bucket, RateHit.key == key))


def forget_old(session: Session) -> int:
    """Delete hits no window can still count; returns how many there were."""
    cutoff = utcnow() - timedelta(seconds=KEEP_S)
    n = session.exec(select(func.count()).select_from(RateHit).where(col(RateHit.at) < cutoff)).one()
    if n:
        session.execute(delete(RateHit).where(col(RateHit.at) < cutoff))
    return int(n)


def minutes_text(seconds: int) -> str:
    """'1 minute' / 'N minutes', rounded up: what a person reads in "try again in ..."."""
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
