"""Migration 0005_upload_chunks on a database holding an upload that waits for its column mapping: the
file stays usable, its bytes now one chunk (on the engine the tests run on: SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData, inspect
from sqlmodel import Session

from assistant.db import make_engine, migrate
from assistant.models import utcnow
from assistant.records import uploads
from tests.databases import empty_database


def test_an_upload_kept_before_the_upgrade_is_read_as_chunks_after_it(tmp_path):
    data = b"respondent,comment\nr1,Our permit data lives in spreadsheets.\n"
    with empty_database(tmp_path) as url:
        migrate(url, "0004_scale")
        engine = make_engine(url)
        old = MetaData()
        old.reflect(engine, only=["engagement", "upload"])
        with engine.begin() as conn:
            conn.execute(
                old.tables["engagement"].insert(),
                dict(id=1, organisation="Town", status="collecting", departments=[], role_levels=[], settings={})
                | dict(open_link_enabled=False, invite_ttl_days=60, created_at=datetime(2026, 1, 1)),
            )
            conn.execute(
                old.tables["upload"].insert(),
                dict(ref="r" * 24, engagement_id=1, filename="survey.csv", size=len(data), data=data)
                | dict(created_at=utcnow()),
            )
        engine.dispose()
        migrate(url)
        with Session(engine) as session:
            upload = uploads.find(session, 1, "r" * 24)
            assert upload is not None and upload.size == len(data)
            assert b"".join(uploads.source(engine, upload.id)()) == data
        assert "data" not in [c["name"] for c in inspect(engine).get_columns("upload")]
        engine.dispose()
