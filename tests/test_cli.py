"""The dm3 command: accounts, engagements with invites, and the demo seed, on a real database."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import Session, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import Engagement, Participant, RosterCount, User
from assistant.records.review import decided_levels
from assistant.roadmap.generate import items_of


def test_create_user_and_refuse_duplicates_and_weak_passwords(cli_env):
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["create-user", "Lead@City.gov", "--role", "consultant"],
        env={"DM3_NEW_USER_PASSWORD": "a long passphrase"},
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["create-user", "lead@city.gov"], env={"DM3_NEW_USER_PASSWORD": "a long passphrase"})
    assert r.exit_code == 1 and "already exists" in r.output
    r = runner.invoke(app, ["create-user", "other@city.gov"], env={"DM3_NEW_USER_PASSWORD": "short"})
    assert r.exit_code == 1 and "at least 10 characters" in r.output
    with Session(cli_env) as s:
        user = s.exec(select(User)).one()
        assert user.email == "lead@city.gov" and user.password_hash.startswith("$argon2id$")


def test_create_engagement_with_roster_invites_and_open_link(cli_env, tmp_path):
    (tmp_path / "roster.csv").write_text("Works,frontline,40\nFinance,manager,3\n")
    (tmp_path / "staff.csv").write_text("department,role level,email\nWorks,frontline,a@city.gov\nFinance,manager,\n")
    r = CliRunner().invoke(
        app,
        [
            "create-engagement",
            "City of Riverton",
            "-d",
            "Works",
            "-d",
            "Finance",
            "--roster",
            "roster.csv",
            "--invites",
            "staff.csv",
            "--open-link",
        ],
    )
    assert r.exit_code == 0, r.output
    links = re.findall(r"/i/[\w-]+", r.output)
    assert len(links) == 2 and "/join/" in r.output
    with Session(cli_env) as s:
        assert s.exec(select(Engagement)).one().open_link_enabled
        assert len(s.exec(select(Participant)).all()) == 2
        assert {(r.department, r.count) for r in s.exec(select(RosterCount))} == {("Works", 40), ("Finance", 3)}


def test_create_engagement_reports_bad_invite_rows_and_imports_nothing(cli_env, tmp_path):
    (tmp_path / "staff.csv").write_text("Works,frontline\nNowhere,frontline\n")
    r = CliRunner().invoke(app, ["create-engagement", "Town", "-d", "Works", "--invites", "staff.csv"])
    assert r.exit_code == 1 and "row 2: unknown department 'Nowhere'" in r.output
    with Session(cli_env) as s:
        assert s.exec(select(Engagement)).all() == [] and s.exec(select(Participant)).all() == []


@pytest.mark.demo  # the SQLite pass only: make demo's engine (pyproject.toml)
def test_demo_seeds_once_keeps_its_secret_and_prints_working_links(cli_env, monkeypatch):
    monkeypatch.delenv("DM3_SECRET_KEY")  # as on a fresh machine: the demo makes its own and keeps it in var/
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Consultant login" in first.output and "password:" in first.output and "/join/" in first.output
    secret = Path("var/secret_key")  # cli_env runs in the test's folder
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    kept = secret.read_text()
    monkeypatch.delenv("DM3_SECRET_KEY")  # the first run set it for its own process
    second = runner.invoke(app, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert secret.read_text() == kept  # a restarted demo keeps the forms its pages handed out valid
    password = re.search(r"password: (\S+)", first.output).group(1)
    assert password in second.output
    assert re.findall(r"/i/[\w-]+", first.output) == re.findall(r"/i/[\w-]+", second.output)
    with Session(cli_env) as s:
        engagements = s.exec(select(Engagement).order_by(Engagement.id)).all()
        # the one in progress, the completed one with a report, and its pulse follow-up a year on
        assert len(engagements) == 3
        assert len(s.exec(select(Participant)).all()) >= 6
        completed = engagements[1]
        assert (engagements[2].kind, engagements[2].previous_id) == ("pulse", completed.id)
        assert completed.settings["roadmap"]["generated_at"]
        assert decided_levels(s, completed.id)  # a consultant decided levels
        assert [i for i in items_of(s, completed.id) if i.status == "planned"]
        assert not decided_levels(s, engagements[0].id)  # the first stays in progress
    assert f"/engagements/{completed.id}/report" in first.output
    # the report of the completed engagement exports from the command line
    out = cli_env.url.database.replace("cli.db", "report.docx")
    r = runner.invoke(app, ["export", str(completed.id), "--format", "docx", "--out", out])
    assert r.exit_code == 0, r.output
    headings = [p.text for p in Document(out).paragraphs if p.style.name.startswith("Heading")]
    assert "Roadmap" in headings and "Readiness" in headings
    bad = runner.invoke(app, ["export", str(completed.id), "--format", "odt", "--out", out])
    assert bad.exit_code == 2 and "unknown format" in bad.output
    missing = runner.invoke(app, ["export", "999", "--format", "pdf", "--out", out])
    assert missing.exit_code == 1 and "no engagement 999" in missing.output
