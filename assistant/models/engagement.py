"""An engagement and the people in it: roster counts, participants, consent, team memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, new_public_label, utcnow

# --- engagement and participants -------------------------------------------------------


class Engagement(SQLModel, table=True):
    """One assessment of one organisation."""

    id: int | None = Field(default=None, primary_key=True)
    organisation: str
    status: str = "collecting"  # collecting | synthesis | review | closed
    departments: list = json_field(list)
    role_levels: list = json_field(list)
    # shape: models/settings.py EngagementSettings; read and written through records/engagements/settings.py only
    settings: dict = json_field(dict)
    open_token_hash: str | None = Field(default=None, index=True, unique=True)  # SHA-256; the link is shown once
    open_link_enabled: bool = False
    invite_ttl_days: int = 60
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # following an organisation (issue 32): the organisation, the assessment this one follows, full or
    # pulse, the pulse's plan ({"components": [...], "indicators": [...], "questions": [ids], at most 7})
    # read by interview/guide.py, and the rubric version the levels were decided against
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    previous_id: int | None = Field(default=None, foreign_key="engagement.id")
    kind: str = Field(default="full", sa_column_kwargs={"server_default": "full"})  # full | pulse
    pulse_plan: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    rubric_version: str = Field(default="", sa_column_kwargs={"server_default": ""})


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
    attributes: dict = json_field(dict)  # optional self-described attributes, only with consent
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
    """A consent decision: given or declined, for one version of the explanation text.

    ``purpose``: "interview" (taking part) or "link" (that this person's answers may be linked with
    their answers in another assessment of the organisation; ``models/followup.py`` ParticipantLink
    references this row by all four columns of its unique constraint)."""

    __table_args__ = (
        UniqueConstraint("id", "participant_id", "given", "purpose", name="uq_consent_id_participant_given_purpose"),
    )
    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    given: bool
    version: str
    purpose: str = Field(default="interview", sa_column_kwargs={"server_default": "interview"})
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    """A user's place on an engagement's team. Only members see an engagement.

    ``role``: lead (manages the team; the engagement's creator) | consultant | equity_reviewer |
    city_contact (the organisation's contact: updates the roadmap items they own, reads its roadmap and reports).
    """

    __table_args__ = (UniqueConstraint("engagement_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str
    added_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
