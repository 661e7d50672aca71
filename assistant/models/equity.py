"""The equity audit: an equity reviewer's findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from assistant.models.base import utcnow


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
