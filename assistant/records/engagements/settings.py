"""An engagement's settings: one typed model, read and written here only.

``Engagement.settings`` is a JSON column; every reader in the package takes ``settings_of(engagement)``
(an ``EngagementSettings``) and every change goes through ``change_settings`` (audited) or
``mark_preparing`` (the demo's progress marker, not audited). ``tests/test_settings_access.py`` fails
if code elsewhere reads or writes the column itself.

The model is ``assistant.models.settings.EngagementSettings``. Rules:
- reading never fails: a stored value the model cannot use is replaced by its default
  (``parse_settings``; the model's docstring lists what that means for each field);
- writing validates the whole result (``pydantic.ValidationError`` before anything is stored) and
  stores ``model_dump(mode="json")``: the column always holds the validated shape (migration
  ``0009_settings_shape`` rewrote the rows stored before);
- the small-group threshold ``k`` is ``equity.min_cell``: every function that decides what to show
  about a group takes it as a required argument, from ``min_cell_of(engagement)``.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assistant.models import Engagement, User
from assistant.models.settings import (
    DEFAULT_FLAG_RATIO,
    DEFAULT_HORIZON,
    DEFAULT_VOICE_RATIO,
    HORIZONS,
    Attribute,
    EngagementSettings,
    EquitySettings,
    RoadmapSummary,
    parse_settings,
)
from assistant.security import audit_by

__all__ = [
    "DEFAULT_FLAG_RATIO",
    "DEFAULT_HORIZON",
    "DEFAULT_VOICE_RATIO",
    "HORIZONS",
    "Attribute",
    "EngagementSettings",
    "EquitySettings",
    "RoadmapSummary",
    "change_settings",
    "initial_settings",
    "mark_preparing",
    "min_cell_of",
    "parse_settings",
    "settings_of",
]


def settings_of(engagement: Engagement) -> EngagementSettings:
    """The engagement's settings, validated, with defaults for whatever is missing or unusable."""
    return parse_settings(engagement.settings)


def min_cell_of(engagement: Engagement) -> int:
    """The engagement's small-group threshold k (``equity.min_cell``)."""
    return settings_of(engagement).equity.min_cell


def _store(engagement: Engagement, changes: dict[str, Any]) -> EngagementSettings:
    merged = {**settings_of(engagement).model_dump(mode="json"), **changes}
    settings = EngagementSettings.model_validate(merged)
    # replaced, never changed in place: SQLAlchemy notices a replaced JSON value only
    engagement.settings = settings.model_dump(mode="json")
    return settings


def change_settings(
    session: Session,
    engagement: Engagement,
    action: str,
    user: User | None,
    changes: dict[str, Any],
    *,
    role: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> EngagementSettings:
    """Store ``changes`` (top-level fields) in the engagement's settings and audit ``action`` by ``user``
    on the engagement; returns the new settings. ``ValidationError`` (nothing stored, nothing audited)
    when the result does not validate. ``before``/``after`` say what the log keeps, which may be less
    than the change (a count of names, not the names); ``after`` left out is ``changes``."""
    settings = _store(engagement, changes)
    session.add(engagement)
    audit_by(
        session,
        action,
        user,
        role=role,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
        before=before,
        after=changes if after is None else after,
    )
    return settings


def mark_preparing(session: Session, engagement: Engagement, message: str | None) -> None:
    """Record what the demo is doing to the engagement (None: finished); not audited, the demo's
    own progress marker."""
    _store(engagement, {"preparing": message})
    session.add(engagement)


def initial_settings() -> dict[str, Any]:
    """The settings a new engagement is created with (every default)."""
    return EngagementSettings().model_dump(mode="json")
