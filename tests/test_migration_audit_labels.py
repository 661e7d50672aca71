"""Migration 0010_audit_labels on a database whose audit log names staff by database id (as earlier
releases wrote it): afterwards the log names them only by their random public label, and invite
events name no participant at all (on the engine the tests run on: SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import MetaData, select

from assistant.db import make_engine, migrate
from tests.databases import empty_database

WHEN = datetime(2026, 1, 1)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.db  # a migration from an old revision on the engine under test: no fixture says so
def test_stored_participant_ids_become_labels(tmp_path):
    with empty_database(tmp_path) as url:
        migrate(url, "0009_settings_shape")
        engine = make_engine(url)
        old = MetaData()
        old.reflect(engine, only=["engagement", "participant", "interview", "auditevent"])
        t = old.tables
        person = dict(engagement_id=1, source="open_link", department="Finance", role_level="frontline")
        person |= dict(attributes={}, quote_consent=False, invited_at=WHEN, flag="", flag_accepted_at=None)
        event = dict(engagement_id=1, created_at=WHEN)
        with engine.begin() as conn:
            conn.execute(
                t["engagement"].insert(),
                dict(id=1, organisation="Town", status="collecting", departments=[], role_levels=[], settings={})
                | dict(open_link_enabled=False, invite_ttl_days=60, created_at=WHEN),
            )
            conn.execute(
                t["participant"].insert(),
                [
                    person | dict(id=7, public_label="P-7KQ2MX", flag_note=""),
                    person
                    | dict(id=8, public_label="P-HH3ABC", flag="near_duplicate", flag_note="answers nearly repeat P-7"),
                ],
            )
            conn.execute(
                t["interview"].insert(),
                dict(id=31, participant_id=7, state="submitted", plan=[])
                | dict(coverage={}, started_at=WHEN, updated_at=WHEN),
            )
            conn.execute(
                t["auditevent"].insert(),
                [
                    event
                    | dict(
                        id=1,
                        actor="consultant a@b.org",
                        action="invite.create",
                        entity="participant:7",
                        before={},
                        after={"department": "Finance", "role_level": "frontline"},
                    ),
                    event
                    | dict(
                        id=2,
                        actor="participant P-7",
                        action="interview.submit",
                        entity="interview:31",
                        before={"state": "review"},
                        after={"state": "submitted"},
                    ),
                    event
                    | dict(
                        id=3,
                        actor="system",
                        action="participant.flag",
                        entity="participant:8",
                        before={},
                        after={"flag": "near_duplicate", "note": "answers nearly repeat P-7"},
                    ),
                    event
                    | dict(
                        id=4,
                        actor="consultant a@b.org",
                        action="theme.rename",
                        entity="theme:12",
                        before={"label": "P-7 stays"},
                        after={"label": "x"},
                    ),
                ],
            )
        engine.dispose()
        migrate(url)
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(select(t["auditevent"]))}
            note = conn.execute(select(t["participant"].c.flag_note).where(t["participant"].c.id == 8)).scalar_one()
        assert (rows[1].entity, rows[1].actor) == ("invite", "consultant a@b.org")
        assert (rows[2].entity, rows[2].actor) == ("interview:P-7KQ2MX", "participant P-7KQ2MX")
        assert rows[3].entity == "participant:P-HH3ABC"
        assert _json(rows[3].after)["note"] == note == "answers nearly repeat P-7KQ2MX"
        assert rows[4].entity == "theme:12" and _json(rows[4].before) == {"label": "P-7 stays"}  # not about a person
        engine.dispose()
