"""Migration 0009_settings_shape on a database holding engagements whose settings were written by
hand over the years: each is rewritten into the validated shape (unknown keys dropped, unusable
values normalised as the model reads them), and downgrade gives the older code what it read
(on the engine the tests run on: SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import MetaData, select

from assistant.db import make_engine, migrate
from assistant.models.settings import parse_settings
from tests.databases import empty_database

MESSY = {
    "target_levels": {"governance_structures": 3},
    "llm_enabled": False,
    "roster_names": ["Dana Whitfield"],
    "equity": {
        "min_cell": "2",  # below the floor: read as 3
        "flag_ratio": 5,  # outside 0-1: the default
        "attributes": [
            {"key": "x"},  # no question: left out
            {"key": "tenure", "question": "How long?", "options": ["Under 5 years", "5 years or more"]},
        ],
    },
    "roadmap": {"generated_at": "2026-01-02T03:04:05", "overall_readiness": "low", "cap": 3, "notes": ["n"]},
    "roadmap_horizon_months": 7,  # not a horizon offered: unset
    "preparing": "Taking the staff interviews",
    "colour": "blue",  # a key nobody reads
}

CLEAN = {
    "target_levels": {"governance_structures": 3},
    "llm_enabled": False,
    "roster_names": ["Dana Whitfield"],
    "equity": {
        "min_cell": 3,
        "flag_ratio": 0.8,
        "voice_ratio": 0.5,
        "attributes": [{"key": "tenure", "question": "How long?", "options": ["Under 5 years", "5 years or more"]}],
    },
    "roadmap": {
        "generated_at": "2026-01-02T03:04:05",
        "overall_readiness": "low",
        "cap": 3,
        "notes": ["n"],
        "awaiting_review": [],
    },
    "roadmap_horizon_months": None,
    "preparing": "Taking the staff interviews",
}  # the shape at 0009: fields the model gained later (open_link, page_size) are read as their defaults

EMPTY = {
    "target_levels": {},
    "llm_enabled": True,
    "roster_names": [],
    "equity": {"min_cell": 5, "flag_ratio": 0.8, "voice_ratio": 0.5, "attributes": []},
    "roadmap": None,
    "roadmap_horizon_months": None,
    "preparing": None,
}  # the shape at 0009: fields the model gained later (open_link, page_size) are read as their defaults


def _settings(engine) -> dict[int, dict]:
    meta = MetaData()
    meta.reflect(engine, only=["engagement"])
    table = meta.tables["engagement"]
    with engine.connect() as conn:
        return {row.id: row.settings for row in conn.execute(select(table.c.id, table.c.settings))}


@pytest.mark.db  # a migration from an old revision on the engine under test: no fixture says so
def test_stored_settings_are_rewritten_into_the_validated_shape_and_back(tmp_path):
    with empty_database(tmp_path) as url:
        migrate(url, "0005_upload_chunks")
        engine = make_engine(url)
        old = MetaData()
        old.reflect(engine, only=["engagement"])
        with engine.begin() as conn:
            for n, settings in ((1, MESSY), (2, {}), (3, {"equity": "not a dict", "llm_enabled": "perhaps"})):
                conn.execute(
                    old.tables["engagement"].insert(),
                    dict(id=n, organisation="Town", status="collecting", departments=[], role_levels=[])
                    | dict(settings=settings, open_link_enabled=False, invite_ttl_days=60)
                    | dict(created_at=datetime(2026, 1, 1)),
                )
        migrate(url)
        assert _settings(engine) == {1: CLEAN, 2: EMPTY, 3: EMPTY}
        # the live model reads the 0009 shape, taking its later fields' defaults
        live = parse_settings(CLEAN)
        assert live.equity.min_cell == 3 and live.page_size == "Letter" and live.open_link.hourly_per_address == 5
        assert parse_settings(CLEAN).model_dump(mode="json") | CLEAN == parse_settings(CLEAN).model_dump(mode="json")

        from alembic import command

        from assistant.db import alembic_config

        command.downgrade(alembic_config(url), "0005_upload_chunks")
        after = _settings(engine)
        # the code before read a missing key and a None one differently: None fields are dropped
        assert after[2] == {k: v for k, v in EMPTY.items() if v is not None}
        assert after[1] == {k: v for k, v in CLEAN.items() if v is not None}
        engine.dispose()
