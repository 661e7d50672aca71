"""The audit log and the LLM call log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, utcnow

# --- audit and LLM log -------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    """Who did what, when, with the state before and after."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id", index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = ""  # readable: "consultant a@b", "participant P-7KQ2MX" (public label), "system"
    action: str
    entity: str = ""  # e.g. "theme:12"
    before: dict = json_field(dict)
    after: dict = json_field(dict)
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
