"""The schema: every SQLModel table in one place.

Migrations in ``assistant/migrations`` create and upgrade these tables; never call
``create_all`` outside tests of the migrations themselves.

Conventions:
- times are timezone-aware UTC (``utcnow()``; SQLModel's UTCDateTime stores them), ids are integers; evidence segments are shown as ``E-<id>``;
- JSON columns hold small, typed-at-the-edge structures (lists of ids, settings);
- staff turns are immutable: an edit is a new turn whose ``supersedes_id`` names the old one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now (SQLModel refuses naive datetimes)."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time; a naive one (SQLite returns them so) was written in UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _json(default: Any = None) -> Any:
    factory = (lambda: {}) if default is dict else (lambda: [])
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


# --- people and access -------------------------------------------------------------------


class User(SQLModel, table=True):
    """A consultant or equity reviewer account (staff never log in; they use invite links)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True)
    name: str = ""
    role: str = "consultant"  # consultant | equity_reviewer
    password_hash: str
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class AuthSession(SQLModel, table=True):
    """A login session; the cookie holds a random token, the table only its hash."""

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: Optional[datetime] = None


# --- engagement and participants -------------------------------------------------------


class Engagement(SQLModel, table=True):
    """One assessment of one organisation."""

    id: Optional[int] = Field(default=None, primary_key=True)
    organisation: str
    status: str = "collecting"  # collecting | synthesis | review | closed
    departments: list = _json(list)
    role_levels: list = _json(list)
    settings: dict = _json(dict)  # target_levels {component: level}, llm_enabled, ...
    open_token: Optional[str] = Field(default=None, index=True, unique=True)
    open_link_enabled: bool = False
    invite_ttl_days: int = 60
    created_by: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class RosterCount(SQLModel, table=True):
    """How many staff the organisation has in one department and role level (the denominator)."""

    __table_args__ = (UniqueConstraint("engagement_id", "department", "role_level"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    department: str
    role_level: str
    count: int = 0


class Participant(SQLModel, table=True):
    """A staff member invited to (or self-enrolled in) an engagement.

    ``token_hash`` is the SHA-256 of the personal link token; the token itself is shown once.
    ``email`` and ``name`` are optional and are never shown to equity reviewers.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    token_hash: Optional[str] = Field(default=None, index=True, unique=True)
    source: str = "invite"  # invite | open_link | import
    department: str = ""
    role_level: str = ""
    email: Optional[str] = None
    name: Optional[str] = None  # optional, for redaction before text leaves for an LLM; never shown to equity reviewers
    external_id: Optional[str] = None  # respondent id in an imported survey
    attributes: dict = _json(dict)  # optional self-described attributes, only with consent
    invited_at: datetime = Field(default_factory=utcnow)
    expires_at: Optional[datetime] = None
    withdrawn_at: Optional[datetime] = None


class Consent(SQLModel, table=True):
    """A consent decision: given or declined, for one version of the explanation text."""

    id: Optional[int] = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    given: bool
    version: str
    created_at: datetime = Field(default_factory=utcnow)


# --- interview ---------------------------------------------------------------------------


class Interview(SQLModel, table=True):
    """A participant's interview. ``plan`` is the ordered list of rubric question ids."""

    id: Optional[int] = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, unique=True)
    state: str = "in_progress"  # in_progress | review | submitted | withdrawn | declined
    plan: list = _json(list)
    coverage: dict = _json(dict)  # {component: {"asked": n, "answered": n, "total": n}}
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: Optional[datetime] = None


class Turn(SQLModel, table=True):
    """One message in an interview.

    Staff turns (role ``staff``) are never updated: an edit is a new turn with ``supersedes_id``.
    ``client_turn_id`` makes a staff submission idempotent (double click, retried request).
    ``kind``: question | probe | ack | note (assistant); answer | skip | dont_know (staff).
    """

    __table_args__ = (UniqueConstraint("interview_id", "client_turn_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", index=True)
    role: str  # assistant | staff
    kind: str
    question_id: Optional[str] = None
    component: Optional[str] = None
    probe_index: int = 0  # 0 answers the question itself, 1..2 answer a probe
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    client_turn_id: Optional[str] = None
    supersedes_id: Optional[int] = Field(default=None, foreign_key="turn.id")
    engine: Optional[str] = None  # which engine wrote an assistant turn (offline or a model name)
    created_at: datetime = Field(default_factory=utcnow)


# --- evidence and synthesis --------------------------------------------------------------


class SurveyImport(SQLModel, table=True):
    """An imported file of existing open-ended survey answers."""

    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    filename: str
    rows: int = 0
    mapping: dict = _json(dict)
    created_by: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Segment(SQLModel, table=True):
    """A unit of evidence (shown as E-<id>): a span of a staff answer or an imported row."""

    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    turn_id: Optional[int] = Field(default=None, foreign_key="turn.id", index=True)
    import_id: Optional[int] = Field(default=None, foreign_key="surveyimport.id")
    source: str = "interview"  # interview | import
    question_id: Optional[str] = None
    start: int = 0
    end: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))
    text_hash: str = Field(index=True)
    component: str = Field(index=True)
    original_component: str
    active: bool = True  # false once its turn is superseded or its participant withdrew
    created_at: datetime = Field(default_factory=utcnow)


class Embedding(SQLModel, table=True):
    """A cached sentence embedding, keyed by (model, text hash)."""

    __table_args__ = (UniqueConstraint("model", "text_hash"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    model: str
    text_hash: str
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


# the statuses of a run that is not over; at most one such run per engagement and kind (a partial
# unique index, so the rule holds across every process sharing the database, on SQLite and PostgreSQL)
RUN_UNFINISHED_SQL = "status IN ('queued', 'running')"


class Run(SQLModel, table=True):
    """A background stage run (synthesis, rating) with its progress, for the UI and the CLI.

    A ``running`` run is held by one process through a lease (``lease_holder`` names the process,
    ``lease_expires_at`` moves forward while it works); a lease that ran out means the process is
    gone and the run was interrupted (``assistant.jobs``).
    """

    __table_args__ = (
        Index("uq_run_unfinished", "engagement_id", "kind", unique=True,
              sqlite_where=text(RUN_UNFINISHED_SQL), postgresql_where=text(RUN_UNFINISHED_SQL)),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    kind: str  # synthesis | rating
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    stats: dict = _json(dict)
    started_by: Optional[int] = Field(default=None, foreign_key="user.id")
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None
    lease_holder: Optional[str] = None  # "host:pid:random" of the process working on it
    lease_expires_at: Optional[datetime] = None


class Theme(SQLModel, table=True):
    """A theme within one component. ``is_other`` marks the "other voices" bucket."""

    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    component: str = Field(index=True)
    label: str
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    keywords: list = _json(list)
    quote_ids: list = _json(list)  # representative segment ids
    is_other: bool = False
    created_by: str = "machine"  # machine | consultant
    curated: bool = False  # a consultant renamed, edited, merged, split or moved into it
    label_engine: str = "offline"
    centroid: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    run_id: Optional[int] = Field(default=None, foreign_key="run.id")
    changes: dict = _json(dict)  # what the latest re-run changed underneath
    archived: bool = False  # merged away or emptied
    created_at: datetime = Field(default_factory=utcnow)


class ThemeMember(SQLModel, table=True):
    """A segment's membership in a theme (one active theme per segment)."""

    __table_args__ = (UniqueConstraint("segment_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    segment_id: int = Field(foreign_key="segment.id")
    assigned_by: str = "machine"  # machine | consultant
    score: float = 0.0


class Upload(SQLModel, table=True):
    """A file between two steps of a form (a survey CSV between upload and column mapping).

    Kept in the database, not on one server's disk, so the next step may land on any process;
    ``ref`` is the random reference the form carries. Removed once used, or after a day.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    filename: str = ""
    size: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_by: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)


# --- rating and review -------------------------------------------------------------------


class RatingProposal(SQLModel, table=True):
    """A proposed maturity level for one component, from the LLM or the offline engine."""

    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    component: str = Field(index=True)
    status: str  # proposed | insufficient_evidence | failed
    level: Optional[int] = None
    indicators: list = _json(list)
    citations: list = _json(list)
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    confidence: float = 0.0
    voice_mix: dict = _json(dict)
    engine: str = "offline"
    prompt_version: Optional[str] = None
    error: Optional[str] = None
    run_id: Optional[int] = Field(default=None, foreign_key="run.id")
    superseded: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    """A consultant's decision on a proposal. Only decided levels go forward."""

    id: Optional[int] = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="ratingproposal.id", index=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    component: str
    reviewer_id: int = Field(foreign_key="user.id")
    action: str  # accept | change | reject
    final_level: Optional[int] = None
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)


# --- audit and LLM log -------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    """Who did what, when, with the state before and after."""

    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: Optional[int] = Field(default=None, foreign_key="engagement.id", index=True)
    actor_user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    actor: str = ""  # readable: "consultant a@b", "participant P-12", "system"
    action: str
    entity: str = ""  # e.g. "theme:12"
    before: dict = _json(dict)
    after: dict = _json(dict)
    created_at: datetime = Field(default_factory=utcnow)


class LLMCall(SQLModel, table=True):
    """Every call to an LLM: what was asked (by hash), what came back, how it went."""

    id: Optional[int] = Field(default=None, primary_key=True)
    engagement_id: Optional[int] = Field(default=None, foreign_key="engagement.id", index=True)
    task: str
    model: str
    prompt_name: str
    prompt_hash: str
    request_hash: str = Field(index=True)
    response: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    outcome: str  # ok | invalid | failed | cached
    error: Optional[str] = None
    attempt: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
