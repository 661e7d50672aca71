"""An engagement's settings: one typed model, read through ``settings_of`` (never failing: defaults
for what is missing or unusable, as the readers before it did) and written through
``change_settings`` (validated, audited, stored in the validated shape); and nothing else in the
package reads or writes the JSON column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlmodel import select

from assistant.models import AuditEvent, Engagement
from assistant.records.engagements import change_settings, settings_of
from assistant.records.engagements.settings import min_cell_of
from tests.factories import make_engagement

ROOT = Path(__file__).resolve().parents[1] / "assistant"
OWNERS = {ROOT / "records" / "engagements" / "settings.py", ROOT / "models" / "settings.py"}
# the JSON column read or written by hand: .get(), [], .items(), "or {}", assignment, "in x.settings", **x.settings
BY_HAND = re.compile(
    r"(?<!self)(?<!state)\.settings(\.get\(|\[|\.items\(|\.keys\(|\s+or\b|\s*=[^=])|\bin\s+\w+\.settings\b|\*\*\w+\.settings\b"
)


def test_only_the_settings_module_reads_or_writes_engagement_settings():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(ROOT.rglob("*.py"))
        if path not in OWNERS and "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if BY_HAND.search(line)
    ]
    assert not found, "Engagement.settings read by hand (use settings_of / change_settings):\n" + "\n".join(found)


def test_stored_values_the_model_cannot_use_read_as_they_did_before(session):
    engagement = make_engagement(session)
    engagement.settings = {
        "equity": {"min_cell": 1, "flag_ratio": "1.5", "voice_ratio": 0.25, "attributes": [{"key": "x"}, "junk"]},
        "target_levels": "not a mapping",
        "roadmap_horizon_months": 7,
        "llm_enabled": False,
        "somebody's note": "kept nowhere",
    }
    settings = settings_of(engagement)
    assert settings.equity.min_cell == 3  # never below 3
    assert (
        settings.equity.flag_ratio == 0.8 and settings.equity.voice_ratio == 0.25 and settings.equity.attributes == ()
    )
    assert settings.target_levels == {} and settings.horizon == 36 and settings.llm_enabled is False
    engagement.settings = {"equity": {"min_cell": "x"}}
    assert min_cell_of(engagement) == 5
    engagement.settings = {}
    assert settings_of(engagement).model_dump(mode="json")["equity"]["min_cell"] == 5


def test_a_change_is_validated_stored_in_the_validated_shape_and_audited(session):
    engagement = make_engagement(session)
    events = lambda: session.exec(select(AuditEvent).where(AuditEvent.action == "test.k")).all()  # noqa: E731
    with pytest.raises(ValidationError):
        change_settings(session, engagement, "test.k", None, {"roadmap_horizon_months": 7})
    with pytest.raises(ValidationError):
        change_settings(session, engagement, "test.k", None, {"target_levels": {"equity_lens": "high"}})
    assert events() == [] and settings_of(engagement).roadmap_horizon_months is None
    change_settings(session, engagement, "test.k", None, {"equity": {"min_cell": 7}}, before={"k": 5})
    session.commit()
    stored = session.get(Engagement, engagement.id).settings
    assert stored == settings_of(engagement).model_dump(mode="json") and stored["equity"]["min_cell"] == 7
    [event] = events()
    assert event.before == {"k": 5} and event.after == {"equity": {"min_cell": 7}}
    assert event.entity == f"engagement:{engagement.id}" and event.engagement_id == engagement.id
