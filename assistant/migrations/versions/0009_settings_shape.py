"""engagement settings rewritten into the validated shape of ``EngagementSettings``

Every stored ``engagement.settings`` becomes the settings model's shape as it was at this revision
(a frozen copy below, ``_Settings``: the live model in ``assistant.models.settings`` gains fields
later, and a migration must write the same thing whenever it runs): keys the shape does not know are
dropped, values it cannot use take their default (``min_cell`` below 3 becomes 3, a ratio outside 0-1
its default, an attribute without key or question is left out), and every field is written out. Fields
added to the model later are missing from the stored value and read as their defaults. Downgrade keeps
the values and drops the fields left empty (None), which the code before this revision read as missing.

Revision ID: 0009_settings_shape
Revises: 0005_upload_chunks
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

revision = "0009_settings_shape"
down_revision = "0005_upload_chunks"
branch_labels = None
depends_on = None

ENGAGEMENT = sa.table("engagement", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))

# the settings shape at this revision (frozen: never import the live model into a migration)
HORIZONS = (12, 18, 24, 36, 48, 60)


def _ratio(value: Any, default: float) -> float:
    try:
        ratio = float(value)
    except (TypeError, ValueError):
        return default
    return ratio if 0 < ratio < 1 else default


class _Attribute(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1)
    question: str = Field(min_length=1)
    options: tuple[str, ...] = ()

    @field_validator("key", "question", "options", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        return value if value is None else str(value)


def _usable(attribute: Any) -> bool:
    try:
        _Attribute.model_validate(attribute)
    except ValidationError:
        return False
    return True


class _Equity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    min_cell: int = 5
    flag_ratio: float = 0.8
    voice_ratio: float = 0.5
    attributes: tuple[_Attribute, ...] = ()

    @field_validator("min_cell", mode="before")
    @classmethod
    def _min_cell(cls, value: Any) -> int:
        try:
            k = int(value)
        except (TypeError, ValueError):
            k = 5
        return max(3, k)

    @field_validator("flag_ratio", mode="before")
    @classmethod
    def _flag_ratio(cls, value: Any) -> float:
        return _ratio(value, 0.8)

    @field_validator("voice_ratio", mode="before")
    @classmethod
    def _voice_ratio(cls, value: Any) -> float:
        return _ratio(value, 0.5)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            return ()
        return tuple(a for a in value if isinstance(a, dict) and _usable(a))


class _Roadmap(BaseModel):
    model_config = ConfigDict(extra="ignore")

    generated_at: str | None = None
    overall_readiness: str = ""
    cap: int | None = None
    notes: tuple[str, ...] = ()
    awaiting_review: tuple[str, ...] = ()


class _Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    target_levels: dict[str, int] = Field(default_factory=dict)
    llm_enabled: bool = True
    roster_names: tuple[str, ...] = ()
    equity: _Equity = _Equity()
    roadmap: _Roadmap | None = None
    roadmap_horizon_months: int | None = None
    preparing: str | None = None

    @field_validator("roster_names", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value if v is not None)
        return value

    @field_validator("roadmap_horizon_months")
    @classmethod
    def _horizon(cls, value: int | None) -> int | None:
        if value is not None and value not in HORIZONS:
            raise ValueError("not a horizon offered")
        return value


def _shape(raw: Any) -> dict:
    """``raw`` in this revision's shape, never failing: fields that do not validate take their default."""
    data = {k: v for k, v in raw.items() if k in _Settings.model_fields} if isinstance(raw, dict) else {}
    while True:
        try:
            return _Settings.model_validate(data).model_dump(mode="json")
        except ValidationError as exc:
            bad = {e["loc"][0] for e in exc.errors() if e["loc"]}
            if not bad & data.keys():
                return _Settings().model_dump(mode="json")
            data = {k: v for k, v in data.items() if k not in bad}


def _rewrite(shape) -> None:
    conn = op.get_bind()
    for row in conn.execute(sa.select(ENGAGEMENT.c.id, ENGAGEMENT.c.settings)).all():
        new = shape(row.settings)
        if new != row.settings:
            conn.execute(sa.update(ENGAGEMENT).where(ENGAGEMENT.c.id == row.id).values(settings=new))


def upgrade() -> None:
    _rewrite(_shape)


def downgrade() -> None:
    _rewrite(lambda value: {k: v for k, v in (value or {}).items() if v is not None})
