"""The shape of an engagement's settings (``Engagement.settings``, a JSON column): one pydantic model
with nested models for the equity settings and the last roadmap generation.

Only ``assistant.records.engagements.settings`` reads and writes the column through these models (the
migration ``0009_settings_shape`` rewrote the rows stored before into a frozen copy of the shape of
that time; fields added since are read as their defaults). Reading never fails
(``parse_settings``): a stored value the model cannot use takes its default, as the readers before
this model did (``min_cell`` not a whole number: 5, below 3: 3; a ratio outside 0-1: its default;
an optional attribute without key or question: left out; any other field that does not validate:
its default; keys the model does not know: dropped).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.suppression import DEFAULT_MIN_CELL, FLOOR

DEFAULT_FLAG_RATIO = 0.8
DEFAULT_VOICE_RATIO = 0.5
DEFAULT_HORIZON = 36
HORIZONS = (12, 18, 24, 36, 48, 60)
PageSize = Literal["Letter", "A4"]  # the report's paper, one for the PDF and the DOCX


class Attribute(BaseModel):
    """An optional self-described attribute: its key, the question staff see, the answers offered."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    key: str = Field(min_length=1)
    question: str = Field(min_length=1)
    options: tuple[str, ...] = ()

    @field_validator("key", "question", "options", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        return value if value is None else str(value)


def _ratio(value: Any, default: float) -> float:
    try:
        ratio = float(value)
    except (TypeError, ValueError):
        return default
    return ratio if 0 < ratio < 1 else default


class EquitySettings(BaseModel):
    """The equity audit's settings: the small-group threshold ``min_cell`` (k; default 5, never
    below 3), the representation flag ratio, the voice ratio, and the optional attributes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    min_cell: int = DEFAULT_MIN_CELL
    flag_ratio: float = DEFAULT_FLAG_RATIO
    voice_ratio: float = DEFAULT_VOICE_RATIO
    attributes: tuple[Attribute, ...] = ()

    @field_validator("min_cell", mode="before")
    @classmethod
    def _min_cell(cls, value: Any) -> int:
        try:
            k = int(value)
        except (TypeError, ValueError):
            k = DEFAULT_MIN_CELL
        return max(FLOOR, k)

    @field_validator("flag_ratio", mode="before")
    @classmethod
    def _flag_ratio(cls, value: Any) -> float:
        return _ratio(value, DEFAULT_FLAG_RATIO)

    @field_validator("voice_ratio", mode="before")
    @classmethod
    def _voice_ratio(cls, value: Any) -> float:
        return _ratio(value, DEFAULT_VOICE_RATIO)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            return ()
        return tuple(a for a in value if isinstance(a, dict | Attribute) and _usable(a))


def _usable(attribute: dict | Attribute) -> bool:
    try:
        Attribute.model_validate(attribute)
    except ValidationError:
        return False
    return True


# open-link sign-ups one network address may make in an hour (a lead sets it on the Team page)
OPEN_LINK_HOURLY_DEFAULT = 5
OPEN_LINK_HOURLY_BOUNDS = (1, 100)


class OpenLinkSettings(BaseModel):
    """The open link's flood limit: sign-ups per address an hour (out of bounds reads as the default)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    hourly_per_address: int = OPEN_LINK_HOURLY_DEFAULT

    @field_validator("hourly_per_address", mode="before")
    @classmethod
    def _hourly(cls, value: Any) -> int:
        low, high = OPEN_LINK_HOURLY_BOUNDS
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return value if ok else OPEN_LINK_HOURLY_DEFAULT


class RoadmapSummary(BaseModel):
    """What the last roadmap generation recorded (the roadmap's items are rows of their own)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    generated_at: str | None = None
    overall_readiness: str = ""
    cap: int | None = None
    notes: tuple[str, ...] = ()
    awaiting_review: tuple[str, ...] = ()


class EngagementSettings(BaseModel):
    """Everything an engagement's settings hold; each field has the default a new engagement gets.

    - ``target_levels``: component id -> target level (set on the review and roadmap pages);
    - ``llm_enabled``: the engagement's LLM switch (on unless consultants switched it off);
    - ``roster_names``: staff names kept only to redact them;
    - ``equity``: the equity settings, ``equity.min_cell`` being the small-group threshold k;
    - ``roadmap``: the last roadmap generation (None before one);
    - ``roadmap_horizon_months``: the planning horizon chosen (None: never chosen, 36 used);
    - ``preparing``: what the demo is doing to this engagement (None: nothing);
    - ``open_link``: the open link's sign-up limit per address an hour;
    - ``page_size``: the report's paper size, "Letter" (default) or "A4", for the PDF and the DOCX alike.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    target_levels: dict[str, int] = Field(default_factory=dict)
    llm_enabled: bool = True
    roster_names: tuple[str, ...] = ()
    equity: EquitySettings = EquitySettings()
    roadmap: RoadmapSummary | None = None
    roadmap_horizon_months: int | None = None
    preparing: str | None = None
    open_link: OpenLinkSettings = OpenLinkSettings()
    page_size: PageSize = "Letter"

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
            raise ValueError(f"a horizon of {', '.join(str(h) for h in HORIZONS)} months")
        return value

    @property
    def horizon(self) -> int:
        """The planning horizon in months (36 until one is chosen)."""
        return self.roadmap_horizon_months or DEFAULT_HORIZON


def parse_settings(raw: Any) -> EngagementSettings:
    """``raw`` (a stored settings value) as the model, never failing: fields that do not validate
    take their default, unknown keys are dropped (the module's reading rule)."""
    data = {k: v for k, v in raw.items() if k in EngagementSettings.model_fields} if isinstance(raw, dict) else {}
    while True:
        try:
            return EngagementSettings.model_validate(data)
        except ValidationError as exc:
            bad = {e["loc"][0] for e in exc.errors() if e["loc"]}
            if not bad & data.keys():
                return EngagementSettings()
            data = {k: v for k, v in data.items() if k not in bad}
