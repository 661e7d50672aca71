"""The schema: every SQLModel table in one place.

Migrations in ``assistant/migrations`` create and upgrade these tables; never call
``create_all`` outside tests of the migrations themselves.

Conventions:
- times are timezone-aware UTC (``utcnow()``; SQLModel's UTCDateTime stores them), ids are integers;
  evidence segments are shown as ``E-<id>``;
- JSON columns hold small, typed-at-the-edge structures (lists of ids, settings);
- staff turns are immutable: an edit is a new turn whose ``supersedes_id`` names the old one.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now (SQLModel refuses naive datetimes)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time; a naive one (SQLite returns them so) was written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _json(default: Any = None) -> Any:
    factory = (lambda: {}) if default is dict else (lambda: [])
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


# Public participant labels: random, so that numbers never follow invite order (which a consultant
# could match against the emails they typed). No 0/O, 1/I/L, U: easy to read aloud and to copy.
_LABEL_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_public_label() -> str:
    """A random participant label such as ``P-7KQ2MX`` (about 7 * 10^8 values)."""
    return "P-" + "".join(secrets.choice(_LABEL_ALPHABET) for _ in range(6))


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


# --- engagement and participants -------------------------------------------------------


class Engagement(SQLModel, table=True):
    """One assessment of one organisation."""

    id: int | None = Field(default=None, primary_key=True)
    organisation: str
    status: str = "collecting"  # collecting | synthesis | review | closed
    departments: list = _json(list)
    role_levels: list = _json(list)
    settings: dict = _json(dict)  # target_levels {component: level}, llm_enabled, ...
    open_token_hash: str | None = Field(default=None, index=True, unique=True)  # SHA-256; the link is shown once
    open_link_enabled: bool = False
    invite_ttl_days: int = 60
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class RosterCount(SQLModel, table=True):
    """How many staff the organisation has in one department and role level (the denominator)."""

    __table_args__ = (UniqueConstraint("engagement_id", "department", "role_level"),)
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    department: str
    role_level: str
    count: int = 0


class Participant(SQLModel, table=True):
    """A staff member invited to (or self-enrolled in) an engagement.

    ``token_hash`` is the SHA-256 of the personal link token; the token itself is shown once.
    ``email`` and ``name`` are optional and are never shown to equity reviewers.
    """

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    token_hash: str | None = Field(default=None, index=True, unique=True)
    source: str = "invite"  # invite | open_link | import
    department: str = ""
    role_level: str = ""
    email: str | None = None
    name: str | None = None  # optional, for redaction before text leaves for an LLM; never shown to equity reviewers
    external_id: str | None = None  # respondent id in an imported survey
    attributes: dict = _json(dict)  # optional self-described attributes, only with consent
    # agreed that their words may be quoted (without their name) in the report; imported rows never agreed
    quote_consent: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    invited_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    withdrawn_at: datetime | None = None
    public_label: str = Field(default_factory=new_public_label, index=True)  # shown instead of the id
    # "near_duplicate": an open-link participant whose answers nearly repeat another's; left out of
    # ratings until a consultant accepts them (``flag_accepted_at``)
    flag: str = ""
    flag_note: str = ""
    flag_accepted_at: datetime | None = None


class Consent(SQLModel, table=True):
    """A consent decision: given or declined, for one version of the explanation text."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    given: bool
    version: str
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    """A user's place on an engagement's team. Only members see an engagement.

    ``role``: lead (manages the team; the engagement's creator) | consultant | equity_reviewer.
    """

    __table_args__ = (UniqueConstraint("engagement_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str
    added_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


# --- interview ---------------------------------------------------------------------------


class Interview(SQLModel, table=True):
    """A participant's interview. ``plan`` is the ordered list of rubric question ids."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, unique=True)
    state: str = "in_progress"  # in_progress | review | submitted | withdrawn | declined
    plan: list = _json(list)
    coverage: dict = _json(dict)  # {component: {"asked": n, "answered": n, "total": n}}
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None


class Turn(SQLModel, table=True):
    """One message in an interview.

    Staff turns (role ``staff``) are never updated: an edit is a new turn with ``supersedes_id``.
    ``client_turn_id`` makes a staff submission idempotent (double click, retried request).
    ``kind``: question | probe | ack | note (assistant); answer | skip | dont_know (staff).
    """

    __table_args__ = (UniqueConstraint("interview_id", "client_turn_id"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", index=True)
    role: str  # assistant | staff
    kind: str
    question_id: str | None = None
    component: str | None = None
    probe_index: int = 0  # 0 answers the question itself, 1..2 answer a probe
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    client_turn_id: str | None = None
    supersedes_id: int | None = Field(default=None, foreign_key="turn.id")
    engine: str | None = None  # which engine wrote an assistant turn (offline or a model name)
    created_at: datetime = Field(default_factory=utcnow)


# --- evidence and synthesis --------------------------------------------------------------


class SurveyImport(SQLModel, table=True):
    """An imported file of existing open-ended survey answers."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    filename: str
    rows: int = 0
    mapping: dict = _json(dict)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Segment(SQLModel, table=True):
    """A unit of evidence (shown as E-<id>): a span of a staff answer or an imported row."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    turn_id: int | None = Field(default=None, foreign_key="turn.id", index=True)
    import_id: int | None = Field(default=None, foreign_key="surveyimport.id")
    source: str = "interview"  # interview | import
    question_id: str | None = None
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
    id: int | None = Field(default=None, primary_key=True)
    model: str
    text_hash: str
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


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
    kind: str  # synthesis | rating | import | export
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    stats: dict = _json(dict)
    params: dict = _json(dict)
    started_by: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    lease_holder: str | None = None  # "host:pid:random" of the process working on it
    lease_expires_at: datetime | None = None


class Theme(SQLModel, table=True):
    """A theme within one component. ``is_other`` marks the "other voices" bucket."""

    id: int | None = Field(default=None, primary_key=True)
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
    centroid: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    run_id: int | None = Field(default=None, foreign_key="run.id")
    changes: dict = _json(dict)  # what the latest re-run changed underneath
    archived: bool = False  # merged away or emptied
    created_at: datetime = Field(default_factory=utcnow)
    # a sub-theme names its top theme; its members are the top theme's members whose subtheme_id is it
    parent_id: int | None = Field(default=None, foreign_key="theme.id", index=True)


class ThemeMember(SQLModel, table=True):
    """A segment's membership in a theme (one active theme per segment)."""

    __table_args__ = (UniqueConstraint("segment_id"),)
    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    segment_id: int = Field(foreign_key="segment.id")
    assigned_by: str = "machine"  # machine | consultant
    score: float = 0.0
    subtheme_id: int | None = Field(default=None, foreign_key="theme.id", index=True)  # within ``theme_id``


class Upload(SQLModel, table=True):
    """A file between two steps of a form (a survey CSV between upload and column mapping).

    Kept in the database, not on one server's disk, so the next step may land on any process;
    ``ref`` is the random reference the form carries. Removed once used, or after a day.
    """

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    filename: str = ""
    size: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)


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


# --- rating and review -------------------------------------------------------------------


class RatingProposal(SQLModel, table=True):
    """A proposed maturity level for one component, from the LLM or the offline engine."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    component: str = Field(index=True)
    status: str  # proposed | insufficient_evidence | failed
    level: int | None = None
    indicators: list = _json(list)
    citations: list = _json(list)
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    confidence: float = 0.0
    voice_mix: dict = _json(dict)
    engine: str = "offline"
    prompt_version: str | None = None
    error: str | None = None
    run_id: int | None = Field(default=None, foreign_key="run.id")
    superseded: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    """A consultant's decision on a proposal. Only decided levels go forward."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="ratingproposal.id", index=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    component: str
    reviewer_id: int = Field(foreign_key="user.id")
    action: str  # accept | change | reject
    final_level: int | None = None
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)


# --- roadmap ----------------------------------------------------------------------------


class ReadinessSignal(SQLModel, table=True):
    """One readiness signal of an engagement (leadership commitment, funding, staff time, change capacity).

    ``derived`` is what the evidence says (low | medium | high | unknown), recomputed from decided
    levels and staff segments; ``value`` is the consultant's confirmed or adjusted value (None until
    confirmed), with their ``note``. Sequencing uses ``value`` when set, else ``derived``.
    """

    __table_args__ = (UniqueConstraint("engagement_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    kind: str
    derived: str = "unknown"
    score: float | None = None  # 0..1, what ``derived`` was banded from
    evidence: dict = _json(
        dict
    )  # {"levels": {component: level}, "segments": {"for": [ids], "against": [ids]}, "basis": str}
    value: str | None = None
    derived_when_confirmed: str | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class RoadmapItem(SQLModel, table=True):
    """An activity on an engagement's roadmap: a rubric activity (``key`` = its id) or a consultant's
    own (``key`` = "custom-<n>").

    ``phase`` indexes the engagement's phases (0 = first; one past the last = beyond the horizon).
    ``pinned`` marks a phase a consultant chose, which re-generation keeps; ``status`` "removed"
    (with ``removed_reason``) keeps a removed activity out of later re-generations.
    """

    __table_args__ = (UniqueConstraint("engagement_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    key: str
    component: str
    from_level: int | None = None
    title: str
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    depends_on: list = _json(list)  # keys of items that must come first
    phase: int = 0
    pinned: bool = False
    owner: str = ""
    status: str = "planned"  # planned | removed
    removed_reason: str = ""
    origin: str = "rubric"  # rubric | prerequisite | custom
    needed: bool = True  # false once the decided levels and targets no longer call for it
    priority: float = 0.0
    position: int = 0  # order within the roadmap (dependency order, then priority)
    why: dict = _json(dict)  # gap, prerequisite_for, themes, quotes (segment ids), readiness, placement
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- equity audit ------------------------------------------------------------------------


class EquityFinding(SQLModel, table=True):
    """An equity reviewer's finding, linked to a component, a theme or a group (all optional).

    ``severity``: low | medium | high. ``group`` is "grouping: group" (e.g. "department: Parks").
    Findings are read by consultants on the review page and by the report and roadmap.
    """

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    reviewer_id: int = Field(foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    severity: str = "medium"
    component: str | None = None
    theme_id: int | None = Field(default=None, foreign_key="theme.id")
    group: str | None = None
    withdrawn: bool = False  # the reviewer took it back (kept for the audit, shown to nobody)
    created_at: datetime = Field(default_factory=utcnow)


# --- audit and LLM log -------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    """Who did what, when, with the state before and after."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id", index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = ""  # readable: "consultant a@b", "participant P-12", "system"
    action: str
    entity: str = ""  # e.g. "theme:12"
    before: dict = _json(dict)
    after: dict = _json(dict)
    created_at: datetime = Field(default_factory=utcnow)


class LLMCall(SQLModel, table=True):
    """Every call to an LLM: what was asked (by hash), what came back, how it went."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id", index=True)
    task: str
    model: str
    prompt_name: str
    prompt_hash: str
    request_hash: str = Field(index=True)
    response: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    outcome: str  # ok | invalid | failed | cached
    error: str | None = None
    attempt: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
