"""The dm3 commands for teams and the audit: add-member, create-engagement --lead, equity-audit."""

from __future__ import annotations

import csv
import io
import json

from sqlmodel import Session, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import AuditEvent, Engagement, Membership, User
from assistant.records.teams import setup_user
from tests.equity.seed import SECRET_EMAIL, seed_known
from tests.factories import make_consultant

PASSWORD_ENV = {"DM3_NEW_USER_PASSWORD": "a long passphrase"}


def test_create_engagement_with_a_lead_then_add_members(cli_env):
    runner = CliRunner()
    assert runner.invoke(app, ["create-user", "lead@city.gov"], env=PASSWORD_ENV).exit_code == 0
    r = runner.invoke(app, ["create-engagement", "Riverton", "-d", "Works", "--lead", "nobody@city.gov"])
    assert r.exit_code == 1 and "not a consultant account" in r.output
    r = runner.invoke(app, ["create-engagement", "Riverton", "-d", "Works", "--lead", "lead@city.gov"])
    assert r.exit_code == 0, r.output
    with Session(cli_env) as s:
        eng = s.exec(select(Engagement)).one()
        lead = s.exec(select(User).where(User.email == "lead@city.gov")).one()
        assert s.exec(select(Membership)).one().user_id == lead.id
    r = runner.invoke(app, ["add-member", str(eng.id), "Reviewer@City.gov", "--role", "equity_reviewer"])
    assert r.exit_code == 0 and "Set-password link" in r.output
    token = r.output.rsplit("/set-password/", 1)[1].split()[0]
    with Session(cli_env) as s:
        assert setup_user(s, token).email == "reviewer@city.gov"
        assert {a.action for a in s.exec(select(AuditEvent))} >= {"team.add", "account.create"}
    r = runner.invoke(app, ["add-member", str(eng.id), "reviewer@city.gov", "--role", "lead"])
    assert r.exit_code == 1 and "equity reviewer account" in r.output
    r = runner.invoke(app, ["add-member", "999", "x@city.gov"])
    assert r.exit_code == 1 and "no engagement 999" in r.output


def test_equity_audit_writes_the_json_and_csv(cli_env, tmp_path):
    with Session(cli_env) as s:
        known = seed_known(s, make_consultant(s, "lead@example.org"))
        eid = known.engagement.id
    out, out_csv = tmp_path / "audit.json", tmp_path / "audit.csv"
    r = CliRunner().invoke(app, ["equity-audit", str(eid), "--out", str(out), "--csv", str(out_csv)])
    assert r.exit_code == 0, r.output
    audit = json.loads(out.read_text())
    assert set(audit) >= {"participation", "themes", "ratings", "left_out"}
    pw = next(r for r in audit["participation"] if r["grouping"] == "department" and r["group"] == "Public Works")
    assert (pw["roster"], pw["invited"], pw["submitted"], pw["started"], pw["suppressed"]) == (50, 18, 13, None, True)
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert rows and rows[0]["section"] == "participation"
    assert SECRET_EMAIL not in out.read_text() + out_csv.read_text()
    r = CliRunner().invoke(app, ["equity-audit", "999", "--out", str(out)])
    assert r.exit_code == 1 and "no engagement 999" in r.output
