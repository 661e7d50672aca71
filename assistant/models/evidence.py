"""Evidence and themes: imported surveys, segments, cached embeddings, themes and their members."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.models.base import json_field, utcnow

# --- evidence and synthesis --------------------------------------------------------------


class SurveyImport(SQLModel, table=True):
    """An imported file of existing open-ended survey answers."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    filename: str
    rows: int = 0
    mapping: dict = json_field(dict)
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


class Theme(SQLModel, table=True):
    """A theme within one component. ``is_other`` marks the "other voices" bucket."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    component: str = Field(index=True)
    label: str
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    keywords: list = json_field(list)
    quote_ids: list = json_field(list)  # representative segment ids
    is_other: bool = False
    created_by: str = "machine"  # machine | consultant
    curated: bool = False  # a consultant renamed, edited, merged, split or moved into it
    label_engine: str = "offline"
    centroid: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    run_id: int | None = Field(default=None, foreign_key="run.id")
    changes: dict = json_field(dict)  # what the latest re-run changed underneath
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
