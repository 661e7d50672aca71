"""Background runs and the files they keep in the database (uploads between form steps, exports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, utcnow

# the statuses of a run that is not over; at most one such run per engagement and kind (a partial
# unique index, so the rule holds across every process sharing the database, on SQLite and PostgreSQL)
RUN_UNFINISHED_SQL = "status IN ('queued', 'running')"


class Run(SQLModel, table=True):
    """A background run (synthesis, rating, import, export) with its progress, for the UI and the CLI.

    ``params`` holds what the work needs beyond the engagement (an import's upload reference and
    column mapping, an export's format), so any process's worker can do a queued run from its row.
    A ``running`` run is held by one process through a lease (``lease_holder`` names the process,
    ``lease_expires_at`` moves forward while it works); a lease that ran out means the process is
    gone and the run was interrupted (``assistant.jobs``).
    """

    __table_args__ = (
        Index(
            "uq_run_unfinished",
            "engagement_id",
            "kind",
            unique=True,
            sqlite_where=text(RUN_UNFINISHED_SQL),
            postgresql_where=text(RUN_UNFINISHED_SQL),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    kind: str  # synthesis | rating | import | export | compare | dataflow
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    stats: dict = json_field(dict)
    params: dict = json_field(dict)
    started_by: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    lease_holder: str | None = None  # "host:pid:random" of the process working on it
    lease_expires_at: datetime | None = None


class Upload(SQLModel, table=True):
    """A file between two steps of a form (a survey CSV between upload and column mapping).

    Kept in the database, not on one server's disk, so the next step may land on any process;
    ``ref`` is the random reference the form carries. Removed once used, or after a day. The bytes
    are its ``UploadChunk`` rows, so neither storing nor reading it holds the whole file in memory.
    """

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    filename: str = ""
    size: int = 0
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)


class UploadChunk(SQLModel, table=True):
    """One piece (1 MiB, the last one shorter) of an ``Upload``'s bytes; ``seq`` orders them from 0."""

    upload_id: int = Field(foreign_key="upload.id", primary_key=True)
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ExportFile(SQLModel, table=True):
    """The file an export run made (a report or data export), kept in the database so the download
    link works on any app process; the newest few per engagement are kept (``assistant.report.export``)."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True, unique=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    filename: str = ""
    media_type: str = "application/octet-stream"
    size: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
