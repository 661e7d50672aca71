"""Migration 0002_teams_equity on a database that already holds work: nobody is locked out, every
participant gets a random public label."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from assistant.db import MIGRATIONS_DIR


def test_upgrade_gives_existing_engagements_a_team_and_participants_labels(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "0001")
    engine = create_engine(url)
    now = "2026-01-01 00:00:00.000000"
    with engine.begin() as c:
        for uid, email, role in (
            (1, "lead@x.org", "consultant"),
            (2, "other@x.org", "consultant"),
            (3, "rev@x.org", "equity_reviewer"),
        ):
            c.execute(
                text(
                    "INSERT INTO user (id, email, name, role, password_hash, is_active, created_at) "
                    "VALUES (:i, :e, '', :r, 'h', 1, :t)"
                ),
                {"i": uid, "e": email, "r": role, "t": now},
            )
        for eid, creator in ((1, 1), (2, None)):
            c.execute(
                text(
                    "INSERT INTO engagement (id, organisation, status, departments, role_levels, settings, "
                    "open_link_enabled, invite_ttl_days, created_by, created_at) VALUES "
                    "(:i, 'Town', 'collecting', '[]', '[]', '{}', 0, 60, :c, :t)"
                ),
                {"i": eid, "c": creator, "t": now},
            )
        for pid in (1, 2, 3):
            c.execute(
                text(
                    "INSERT INTO participant (id, engagement_id, source, department, role_level, attributes, "
                    "invited_at) VALUES (:i, 1, 'invite', 'Works', 'frontline', '{}', :t)"
                ),
                {"i": pid, "t": now},
            )
    command.upgrade(cfg, "head")
    with engine.connect() as c:
        members = sorted(c.execute(text("SELECT engagement_id, user_id, role FROM membership")).all())
        labels = [r[0] for r in c.execute(text("SELECT public_label FROM participant ORDER BY id")).all()]
    # the creator leads engagement 1; engagement 2 had no recorded creator: every consultant keeps access
    assert members == [(1, 1, "lead"), (2, 1, "consultant"), (2, 2, "consultant")]
    assert all(label.startswith("P-") and len(label) == 8 for label in labels) and len(set(labels)) == 3
    engine.dispose()
