"""The data-flow map: the systems catalogue, what staff called each system, the flows they described,
and the consultant's catalogue edits (bottlenecks are computed from these on read: ``dataflow/bottlenecks.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.models.base import utcnow

# how data moves, as a flow stores it: every hand-off but ``automatic`` is done by a person, which is what
# the data-flow map counts as a manual hand-off (records/evidence.py reads this for the roadmap)
FLOW_METHODS = ("automatic", "export_import", "retyped", "email", "paper", "shared_drive")
MANUAL_METHODS = tuple(m for m in FLOW_METHODS if m != "automatic")


class System(SQLModel, table=True):
    """One canonical system, dataset or file of an engagement's catalogue.

    ``key`` is the canonical id shown and exported ("SYS-3"): stable across re-builds, never a
    lower-cased name. ``merged_into`` names the key a consultant merged it into (its mentions and
    flows then count there); ``name_locked`` keeps a consultant's rename through re-builds.
    """

    __table_args__ = (UniqueConstraint("engagement_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    key: str
    name: str
    vendor: str = ""
    owner_department: str = ""
    known: str | None = None  # the known product's id (known_systems.yaml)
    merged_into: str | None = None
    name_locked: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class SystemAlias(SQLModel, table=True):
    """A way a system was written: by staff (``participant_id`` set), a consultant, or kept by a merge."""

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", index=True)
    text: str
    normalised: str = Field(index=True)
    source: str = "staff"  # staff | consultant | merge
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)


class SystemMention(SQLModel, table=True):
    """A system as one staff member named it (confirmed by them: proposals are never stored)."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    turn_id: int | None = Field(default=None, foreign_key="turn.id")  # the answer it was proposed from
    text: str
    system_id: int | None = Field(default=None, foreign_key="system.id", index=True)
    confirmed: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Flow(SQLModel, table=True):
    """One hand-off a staff member described around a system they use: where its data comes from
    (``source_*``) and where it goes next (``target_*``), each end a system (``ref`` = its mention's
    text, resolved through the catalogue), a department (``ref`` = its name) or the public; at least
    one end is set. ``method``: automatic | export_import | retyped | email | paper | shared_drive;
    ``frequency``: daily | weekly | monthly | quarterly | yearly | rarely; ``minutes`` each time;
    ``fixes``: how often it must be fixed or chased (never | sometimes | often | always)."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    mention_id: int = Field(foreign_key="systemmention.id", index=True)  # the system this flow is about
    source_kind: str = ""  # "" (not said) | system | department | public
    source_ref: str = ""
    source_mention_id: int | None = Field(default=None, foreign_key="systemmention.id")
    target_kind: str = ""
    target_ref: str = ""
    target_mention_id: int | None = Field(default=None, foreign_key="systemmention.id")
    method: str
    frequency: str = ""
    minutes: int | None = None
    fixes: str = ""
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    confirmed: bool = True
    turn_id: int | None = Field(default=None, foreign_key="turn.id")
    created_at: datetime = Field(default_factory=utcnow)


class CatalogueEdit(SQLModel, table=True):
    """A consultant's catalogue decision, re-applied in order on every re-build (as theme curation is):
    ``merge`` (``system_key`` into ``other_key``), ``split`` (mentions written as ``alias`` out of
    ``system_key`` into the new ``other_key``), ``rename`` (``system_key`` to ``name``), ``owner`` (the
    department ``name`` owns ``system_key``; "" clears it)."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    action: str
    system_key: str
    other_key: str = ""
    alias: str = ""
    name: str = ""
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
