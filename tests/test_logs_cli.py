"""`dm3 logs` and `dm3 audit` on a real SQLite file, with rows written by the product's own code:
LLM calls by the real LLM port (scripted transport), audit events by engagement and review actions."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from pydantic import BaseModel
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.llm import LLMFailed
from assistant.llm.prompts import load_prompt
from assistant.models import LLMCall, utcnow
from assistant.records.engagements import create_engagement, set_roster
from assistant.records.review import set_targets
from tests.factories import make_consultant
from tests.llm_fakes import FAKE_MODEL, scripted_client, timeout_error

VARS = {"question": "How do you share data?", "answer": "We email spreadsheets around."}
GOOD = {"topic": "sharing", "sentiment": "negative"}
VERSION = load_prompt("selftest_echo").version


class Echo(BaseModel):
    topic: str
    sentiment: str


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    return result


@pytest.fixture
def logged(cli_env, settings) -> dict[str, int]:
    """Four calls through the real port on the CLI's database: ok (engagement 1), invalid then ok
    (task label_demo), a timeout (no engagement), and a repeat served from the cache."""
    with Session(cli_env) as s:
        engagement = create_engagement(s, "Town of Logs", ["Finance"])
        s.commit()
        eid = engagement.id
    llm, _ = scripted_client(settings, cli_env, [GOOD])
    llm.structured("selftest", "selftest_echo", VARS, Echo, engagement_id=eid)
    llm, _ = scripted_client(settings, cli_env, ["not json at all", {**GOOD, "topic": "retry"}])
    llm.structured("label_demo", "selftest_echo", {**VARS, "answer": "Other words."}, Echo, engagement_id=eid)
    llm, _ = scripted_client(settings, cli_env, [timeout_error()], llm_timeout_s=7)
    with pytest.raises(LLMFailed):
        llm.structured("selftest", "selftest_echo", {**VARS, "answer": "Slow."}, Echo)
    llm, fake = scripted_client(settings, cli_env, [GOOD])
    llm.structured("selftest", "selftest_echo", VARS, Echo, engagement_id=eid)
    assert fake.requests == []  # served from the log
    with Session(cli_env) as s:
        ids = [c.id for c in s.exec(select(LLMCall).order_by(col(LLMCall.id)))]
    assert len(ids) == 5
    return {"engagement": eid, "ok": ids[0], "invalid": ids[1], "retried": ids[2], "failed": ids[3], "cached": ids[4]}


def listed_ids(output: str) -> list[int]:
    return [int(m) for m in re.findall(r"^\s*(\d+)\s+\d{4}-\d\d-\d\d", output, re.MULTILINE)]


def test_logs_lists_every_call_newest_first_with_what_a_reader_needs(logged):
    r = run("logs")
    assert r.exit_code == 0, r.output
    assert listed_ids(r.output) == [logged[k] for k in ("cached", "failed", "retried", "invalid", "ok")]
    header = r.output.splitlines()[0]
    for column in ("when (UTC)", "task", "eng", "model", "prompt@version", "tokens in/out", "ms", "outcome"):
        assert column in header
    ok_line = next(line for line in r.output.splitlines() if re.match(rf"\s*{logged['ok']}\s", line))
    assert f"selftest_echo@{VERSION}" in ok_line and FAKE_MODEL in ok_line and "120/40" in ok_line
    assert ok_line.rstrip().endswith("ok") and f" {logged['engagement']} " in ok_line
    assert "ok (try 2)" in r.output  # the retry says which attempt it was
    assert "error: the reply is not valid JSON" in r.output
    assert "error: timed out after 7s" in r.output
    assert "5 call(s)" in r.output and "tokens in 360, out 120" in r.output  # three calls reached the model


def test_logs_count_and_filters(logged):
    r = run("logs", "-n", "2")
    assert listed_ids(r.output) == [logged["cached"], logged["failed"]] and "of 5 matching" in r.output
    assert listed_ids(run("logs", "--engagement", str(logged["engagement"])).output) == [
        logged["cached"],
        logged["retried"],
        logged["invalid"],
        logged["ok"],
    ]
    assert listed_ids(run("logs", "--task", "label_demo").output) == [logged["retried"], logged["invalid"]]
    assert listed_ids(run("logs", "--outcome", "failed").output) == [logged["failed"]]
    assert listed_ids(run("logs", "-o", "cached", "-e", str(logged["engagement"])).output) == [logged["cached"]]
    r = run("logs", "--task", "no_such_task")
    assert (
        r.exit_code == 0 and "No LLM calls match" in r.output and "Tasks in the log: label_demo, selftest" in r.output
    )


def test_logs_since_takes_an_age_or_a_time_and_refuses_anything_else(logged, cli_env):
    with Session(cli_env) as s:  # an older call, as a run three days ago left it
        old = s.get(LLMCall, logged["ok"])
        old.created_at = utcnow() - timedelta(days=3)
        s.add(old)
        s.commit()
    assert logged["ok"] not in listed_ids(run("logs", "--since", "2d").output)
    assert len(listed_ids(run("logs", "--since", "2d").output)) == 4
    assert logged["ok"] in listed_ids(run("logs", "--since", "4d").output)
    since = (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert len(listed_ids(run("logs", "--since", since).output)) == 4
    assert "No LLM calls match" in run("logs", "--since", "2999-01-01").output
    r = run("logs", "--since", "yesterday")
    assert r.exit_code == 2 and "--since 'yesterday'" in r.output and "30m, 2h, 7d" in r.output
    r = run("logs", "--outcome", "great")
    assert r.exit_code == 2 and "ok, invalid, failed, cached" in r.output


def test_logs_json_gives_full_rows_with_the_reply(logged):
    r = run("logs", "--json", "-n", "0")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [row["id"] for row in rows] == [logged[k] for k in ("cached", "failed", "retried", "invalid", "ok")]
    ok = rows[-1]
    assert json.loads(ok["response"]) == GOOD and ok["prompt_version"] == VERSION and len(ok["prompt_hash"]) == 64
    assert ok["tokens_in"] == 120 and ok["tokens_out"] == 40 and ok["outcome"] == "ok"
    assert ok["created_at"].endswith("+00:00") and ok["engagement_id"] == logged["engagement"]
    failed = rows[1]
    assert failed["outcome"] == "failed" and failed["response"] == "" and "timed out" in failed["error"]


def test_logs_id_shows_one_call_in_full(logged):
    r = run("logs", "--id", str(logged["invalid"]))
    assert r.exit_code == 0, r.output
    assert re.search(r"^outcome\s+invalid$", r.output, re.MULTILINE)
    assert re.search(rf"^prompt\s+selftest_echo version {VERSION}$", r.output, re.MULTILINE)
    assert "the reply is not valid JSON" in r.output and "not json at all" in r.output
    r = run("logs", "--id", str(logged["retried"]))
    assert '"topic": "retry"' in r.output  # the reply, indented as JSON
    r = run("logs", "--id", str(logged["ok"]), "--json")
    assert json.loads(r.output)["id"] == logged["ok"]
    r = run("logs", "--id", "999")
    assert r.exit_code == 1 and "no LLM call 999" in r.output


def test_logs_on_a_fresh_database_says_nothing_is_logged(cli_env):
    r = run("logs")
    assert r.exit_code == 0 and "No LLM calls logged yet" in r.output
    assert json.loads(run("logs", "--json").output) == []


def test_audit_command_shows_who_did_what_with_the_change(cli_env):
    with Session(cli_env) as s:
        user = make_consultant(s)
        engagement = create_engagement(s, "Town of Audit", ["Finance", "Parks"], user=user)
        set_roster(s, engagement, {("Finance", "frontline"): 12}, user)
        set_targets(s, engagement, {"equity_lens": 3}, user)
        s.commit()
        set_targets(s, engagement, {"equity_lens": 4}, user)
        s.commit()
        eid = engagement.id
    r = run("audit", str(eid))
    assert r.exit_code == 0, r.output
    actions = re.findall(r"UTC  (\S+)", r.output)
    assert actions == ["targets.set", "targets.set", "engagement.roster", "engagement.create"]
    assert "    target_levels.equity_lens: 3 → 4" in r.output
    assert "    Finance|frontline: 12" in r.output
    assert f"UTC  targets.set  engagement:{eid}  by consultant consultant@example.org" in r.output
    r = run("audit", str(eid), "--action", "engagement")
    assert re.findall(r"UTC  (\S+)", r.output) == ["engagement.roster", "engagement.create"]
    events = json.loads(run("audit", str(eid), "--json", "-n", "1").output)
    assert len(events) == 1 and events[0]["after"] == {"target_levels": {"equity_lens": 4}}
    assert events[0]["changes"] == ["target_levels.equity_lens: 3 → 4"]
    assert "No audit events match" in run("audit", str(eid), "--action", "rating").output
    r = run("audit", "999")
    assert r.exit_code == 1 and "engagement 999 does not exist" in r.output
