"""Interviews and their turns (immutable: an edit is a new turn that supersedes the old one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, utcnow

# --- interview ---------------------------------------------------------------------------


class Interview(SQLModel, table=True):
    """A participant's interview. ``plan`` is the ordered list of rubric question ids."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, unique=True)
    state: str = "in_progress"  # in_progress | review | submitted | withdrawn | declined
    plan: list = json_field(list)
    coverage: dict = json_field(dict)  # {component: {"asked": n, "answered": n, "total": n}}
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
