"""Migration 0002_teams_equity on a database that already holds work: nobody is locked out, every
participant gets a random public label. Runs on the engine the tests run on (SQLite, or PostgreSQL with
``DM3_TEST_DATABASE_URL``): the old rows are written through the tables as the old revision made them."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import MetaData, text

from assistant.db import make_engine, migrate
from tests.databases import empty_database


@pytest.mark.db  # a migration from an old revision on the engine under test: no fixture says so
def test_upgrade_gives_existing_engagements_a_team_and_participants_labels(tmp_path):
    with empty_database(tmp_path) as url:
        migrate(url, "0001")
        engine = make_engine(url)
        old = MetaData()
        old.reflect(engine)  # "user" is a reserved word on PostgreSQL: Core quotes it, raw SQL would not
        user, engagement, participant = (old.tables[n] for n in ("user", "engagement", "participant"))
        now = datetime(2026, 1, 1)
        people = (
            (1, "lead@x.org", "consultant"),
            (2, "other@x.org", "consultant"),
            (3, "rev@x.org", "equity_reviewer"),
        )
        with engine.begin() as c:
            c.execute(
                user.insert(),
                [
                    dict(id=uid, email=email, name="", role=role, password_hash="h", is_active=True, created_at=now)
                    for uid, email, role in people
                ],
            )
            c.execute(
                engagement.insert(),
                [
                    dict(id=eid, organisation="Town", status="collecting", departments=[], role_levels=[], settings={})
                    | dict(open_link_enabled=False, invite_ttl_days=60, created_by=creator, created_at=now)
                    for eid, creator in ((1, 1), (2, None))
                ],
            )
            c.execute(
                participant.insert(),
                [
                    dict(id=pid, engagement_id=1, source="invite", department="Works", role_level="frontline")
                    | dict(attributes={}, invited_at=now)
                    for pid in (1, 2, 3)
                ],
            )
        engine.dispose()  # PostgreSQL: no open connection holds a lock the migration needs
        migrate(url)
        with engine.connect() as c:
            members = sorted(c.execute(text("SELECT engagement_id, user_id, role FROM membership")).all())
            labels = [r[0] for r in c.execute(text("SELECT public_label FROM participant ORDER BY id")).all()]
        engine.dispose()
    # the creator leads engagement 1; engagement 2 had no recorded creator: every consultant keeps access
    assert members == [(1, 1, "lead"), (2, 1, "consultant"), (2, 2, "consultant")]
    assert all(label.startswith("P-") and len(label) == 8 for label in labels) and len(set(labels)) == 3
