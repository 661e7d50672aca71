"""Files kept between two steps of a form (a survey CSV between upload and column mapping).

They live in the database, not on one server's disk: the mapping step may be answered by any app
process, and a restarted process still finds the file. A file is reachable only through its
engagement and the random reference its form carries, and is kept for a day at most. Its bytes are
stored and read back in 1 MiB chunks (``UploadChunk``), each written in its own short transaction, so a
file of any size (up to the import's 200 MB) never sits in memory whole and never holds the write lock long.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.models import Upload, UploadChunk, utcnow

TTL = timedelta(hours=24)
_REF = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def valid_ref(ref: str) -> bool:
    """True when ``ref`` has the shape of a reference ``keep`` hands out (anything else is forged)."""
    return bool(_REF.match(ref))


def keep(
    session: Session, engagement_id: int, chunks: Iterable[bytes], filename: str, created_by: int | None = None
) -> str:
    """Store the file given as ``chunks`` for the engagement and return its new random reference.

    Rules: each chunk is committed on its own (a short write lock; the reference is handed out only once
    the whole file is in); a failure part way removes what was stored. Uploads older than a day, of any
    engagement, are removed on the way."""
    forget_old(session)
    ref = secrets.token_urlsafe(18)
    upload = Upload(ref=ref, engagement_id=engagement_id, filename=filename[:200], created_by=created_by)
    session.add(upload)
    session.commit()
    upload_id = upload.id
    size = 0
    try:
        for seq, chunk in enumerate(chunks):
            # a Core insert with the bytes as a parameter: neither an ORM object nor the statement cache
            # (which keeps a statement's own values) holds on to them after the commit
            session.execute(insert(UploadChunk), {"upload_id": upload_id, "seq": seq, "data": chunk})
            session.commit()
            size += len(chunk)
            del chunk  # not held while the next one is read
        session.execute(update(Upload).where(col(Upload.id) == upload_id).values(size=size))
        session.commit()
    except BaseException:
        session.rollback()
        forget(session, engagement_id, ref)
        session.commit()
        raise
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


def chunks(session: Session, upload_id: int) -> Iterator[bytes]:
    """The upload's bytes in order, one chunk fetched at a time (only the current one is in memory)."""
    seqs = session.exec(
        select(UploadChunk.seq).where(UploadChunk.upload_id == upload_id).order_by(col(UploadChunk.seq))
    ).all()
    for seq in seqs:
        yield session.exec(
            select(UploadChunk.data).where(UploadChunk.upload_id == upload_id, UploadChunk.seq == seq)
        ).one()


def source(bind: Session | Engine, upload_id: int) -> Callable[[], Iterator[bytes]]:
    """The upload as a ``csvfile.CSVSource``: each call reads it anew from the start, through ``bind``
    (a request's session, or an engine: then each reading has its own session, as a background run needs)."""
    if isinstance(bind, Session):
        return lambda: chunks(bind, upload_id)

    def read() -> Iterator[bytes]:
        with Session(bind) as session:
            yield from chunks(session, upload_id)

    return read


def _remove(session: Session, which: list[ColumnElement[bool]]) -> int:
    """Remove the uploads matching ``which`` (where-clauses on Upload) and their chunks; returns how many."""
    ids = select(Upload.id).where(*which)
    session.exec(delete(UploadChunk).where(col(UploadChunk.upload_id).in_(ids)))
    result = session.exec(delete(Upload).where(*which))
    return result.rowcount or 0


def forget(session: Session, engagement_id: int, ref: str) -> None:
    """Remove the engagement's upload ``ref`` (the caller commits)."""
    _remove(session, [col(Upload.ref) == ref, col(Upload.engagement_id) == engagement_id])


def forget_old(session: Session) -> int:
    """Remove uploads older than a day; returns how many (the caller commits)."""
    return _remove(session, [col(Upload.created_at) < utcnow() - TTL])
