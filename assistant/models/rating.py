"""Rating proposals and the consultant decisions on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, utcnow

# --- rating and review -------------------------------------------------------------------


class RatingProposal(SQLModel, table=True):
    """A proposed maturity level for one component, from the LLM or the offline engine."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    component: str = Field(index=True)
    status: str  # proposed | insufficient_evidence | failed
    level: int | None = None
    indicators: list = json_field(list)
    citations: list = json_field(list)
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    confidence: float = 0.0
    voice_mix: dict = json_field(dict)
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
