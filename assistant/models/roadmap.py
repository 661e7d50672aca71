"""The roadmap: readiness signals and items (the equity audit's findings are in ``equity.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, utcnow

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
    evidence: dict = json_field(
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
    depends_on: list = json_field(list)  # keys of items that must come first
    phase: int = 0
    pinned: bool = False
    owner: str = ""
    status: str = "planned"  # planned | removed
    removed_reason: str = ""
    origin: str = "rubric"  # rubric | prerequisite | custom
    needed: bool = True  # false once the decided levels and targets no longer call for it
    priority: float = 0.0
    position: int = 0  # order within the roadmap (dependency order, then priority)
    why: dict = json_field(dict)  # gap, prerequisite_for, themes, quotes (segment ids), readiness, placement
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
