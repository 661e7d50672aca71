"""Following an organisation across engagements: the organisation, roadmap progress with dated notes,
theme matches between two assessments, and the consented link between a person's two participants.

``late`` and ``stale`` are computed from these rows (``followup/progress.py``), never stored.
``ParticipantLink`` holds only with a linking consent on both sides, enforced by the schema: each
side's consent is a composite foreign key to ``Consent`` (id, participant, given, purpose) and a
check constraint requires ``given`` true and ``purpose`` "link", so no row can link two people
without both having agreed, whatever code writes it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKeyConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, utcnow

PROGRESS_STATUSES = ("not_started", "in_progress", "done", "dropped")
THEME_CHANGES = ("appeared", "grew", "shrank", "gone", "same", "split", "merged")
LINK_PURPOSE = "link"  # a Consent row with this purpose agrees to linking answers across assessments


class Organisation(SQLModel, table=True):
    """An organisation assessed more than once; its engagements name it (``Engagement.organisation_id``)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    created_at: datetime = Field(default_factory=utcnow)


class ItemProgress(SQLModel, table=True):
    """Where one roadmap item stands in implementation, beside ``RoadmapItem.status`` (the planning
    state). ``owner_id`` is the account that updates it (a city contact or a consultant); ``due_on``
    comes from the item's phase when tracking starts; ``reason`` is required for "dropped"."""

    __table_args__ = (
        UniqueConstraint("item_id"),
        CheckConstraint("status IN ('not_started', 'in_progress', 'done', 'dropped')", name="ck_itemprogress_status"),
        CheckConstraint("status != 'dropped' OR reason != ''", name="ck_itemprogress_dropped_reason"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="roadmapitem.id")
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    status: str = "not_started"
    reason: str = ""
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    due_on: date | None = None
    done_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class ProgressNote(SQLModel, table=True):
    """A short dated note on a roadmap item's progress."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="roadmapitem.id", index=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    written_on: date
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ThemeMatch(SQLModel, table=True):
    """A consultant's correction of how a theme of an earlier assessment (``a_theme_id``) matches one
    of a later one (``b_theme_id``); either side None: appeared or gone. Corrections win over the
    machine's matches (``StoredMatch``)."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)  # the later assessment
    previous_id: int = Field(foreign_key="engagement.id", index=True)  # the earlier one
    a_theme_id: int | None = Field(default=None, foreign_key="theme.id")
    b_theme_id: int | None = Field(default=None, foreign_key="theme.id")
    change: str = "same"
    similarity: float | None = None
    corrected_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class StoredMatch(SQLModel, table=True):
    """One row of the theme matching between an earlier (``previous_id``) and a later assessment
    (``engagement_id``), stored when the comparison is first computed and read back while ``stamp``
    (``followup/compare.py``: a digest of both sides' live themes, their latest synthesis runs, the
    consultant's corrections and the threshold) still holds; a re-synthesis or curation of either side,
    or a new correction, makes the next read match again and replace the rows. ``change`` is what the
    matching decided: "pair" (grew, shrank or same is decided on each read from the people counted
    then and the margin), "split", "merged", "gone" or "appeared"; ``corrected``: a consultant's."""

    __table_args__ = (UniqueConstraint("engagement_id", "previous_id", "stamp", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)  # the later assessment
    previous_id: int = Field(foreign_key="engagement.id", index=True)  # the earlier one
    stamp: str
    position: int  # the row's place in the comparison's order
    component: str
    a_themes: list = json_field(list)  # theme ids of the earlier assessment
    b_themes: list = json_field(list)  # theme ids of the later one
    change: str
    similarity: float | None = None
    corrected: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ParticipantLink(SQLModel, table=True):
    """A person's participant in an earlier assessment and in a later one, linked only because both
    sides agreed (see the module docstring for how the schema enforces it)."""

    __table_args__ = (
        UniqueConstraint("earlier_id"),
        UniqueConstraint("later_id"),
        ForeignKeyConstraint(
            ["earlier_consent_id", "earlier_id", "earlier_given", "earlier_purpose"],
            ["consent.id", "consent.participant_id", "consent.given", "consent.purpose"],
            name="fk_participantlink_earlier_consent",
        ),
        ForeignKeyConstraint(
            ["later_consent_id", "later_id", "later_given", "later_purpose"],
            ["consent.id", "consent.participant_id", "consent.given", "consent.purpose"],
            name="fk_participantlink_later_consent",
        ),
        CheckConstraint(
            "earlier_given AND later_given AND earlier_purpose = 'link' AND later_purpose = 'link'"
            " AND earlier_id != later_id",
            name="ck_participantlink_consented",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    earlier_id: int = Field(foreign_key="participant.id")
    later_id: int = Field(foreign_key="participant.id")
    earlier_consent_id: int
    later_consent_id: int
    earlier_given: bool = True
    later_given: bool = True
    earlier_purpose: str = LINK_PURPOSE
    later_purpose: str = LINK_PURPOSE
    created_at: datetime = Field(default_factory=utcnow)
