"""The dm3 command: accounts, engagements with invites, and the demo seed, on a real database."""

from __future__ import annotations

import re

from sqlmodel import Session, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import Engagement, Participant, RosterCount, User


def test_create_user_and_refuse_duplicates_and_weak_passwords(cli_env):
    runner = CliRunner()
    r = runner.invoke(app, ["create-user", "Lead@City.gov", "--role", "consultant"], env={"DM3_NEW_USER_PASSWORD": "a long passphrase"})
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
    r = CliRunner().invoke(app, ["create-engagement", "City of Riverton", "-d", "Works", "-d", "Finance",
                                 "--roster", "roster.csv", "--invites", "staff.csv", "--open-link"])
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


def test_demo_seeds_once_and_prints_working_links(cli_env):
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Consultant login" in first.output and "password:" in first.output and "/join/" in first.output
    second = runner.invoke(app, ["demo", "--no-serve"])
    password = re.search(r"password: (\S+)", first.output).group(1)
    assert password in second.output
    assert re.findall(r"/i/[\w-]+", first.output) == re.findall(r"/i/[\w-]+", second.output)
    with Session(cli_env) as s:
        assert len(s.exec(select(Engagement)).all()) == 1
        assert len(s.exec(select(Participant)).all()) >= 6
