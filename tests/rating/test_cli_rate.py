"""``dm3 rate-evidence`` and ``dm3 rate`` on real files and a real database."""

from __future__ import annotations

import json

from sqlmodel import Session, select
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import RatingProposal
from tests.factories import make_engagement, seed_segments
from tests.rating.conftest import GOV_HIGH, GOV_LOW


def write_input(path, rows, component="governance_structures"):
    segments = [
        {"id": f"s{n}", "participant": p, "role_level": role, "text": text}
        for n, (p, role, text) in enumerate(rows, start=1)
    ]
    path.write_text(json.dumps({"component": component, "segments": segments}))
    return path


def test_rate_evidence_writes_a_proposal_file(cli_env, tmp_path):
    out = tmp_path / "out" / "low.json"
    r = CliRunner().invoke(app, ["rate-evidence", str(write_input(tmp_path / "in.json", GOV_LOW)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["status"] == "proposed" and data["level"] <= 2
    assert {"indicators", "citations", "rationale"} <= set(data)
    texts = {f"s{n}": t for n, (_, _, t) in enumerate(GOV_LOW, start=1)}
    assert all(c["quote"] in texts[c["segment_id"]] for c in data["citations"])
    assert "offline" in r.output


def test_rate_evidence_thin_and_bad_input(cli_env, tmp_path):
    out = tmp_path / "thin.json"
    r = CliRunner().invoke(
        app, ["rate-evidence", str(write_input(tmp_path / "in.json", GOV_HIGH[:2])), "--out", str(out)]
    )
    assert r.exit_code == 0
    assert json.loads(out.read_text())["status"] == "insufficient_evidence"
    assert json.loads(out.read_text())["level"] is None
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"component": "vibes", "segments": []}))
    r = CliRunner().invoke(app, ["rate-evidence", str(bad), "--out", str(out)])
    assert r.exit_code == 2 and "unknown component 'vibes'" in r.output


def test_rate_command_stores_proposals(cli_env):
    with Session(cli_env, expire_on_commit=False) as s:
        eng = make_engagement(s)
        seed_segments(s, eng, "governance_structures", GOV_HIGH)
    r = CliRunner().invoke(app, ["rate", str(eng.id), "-c", "governance_structures"])
    assert r.exit_code == 0, r.output
    assert "governance_structures" in r.output and "proposed" in r.output
    with Session(cli_env) as s:
        rows = s.exec(select(RatingProposal)).all()
    assert len(rows) == 1 and rows[0].level >= 4
    r = CliRunner().invoke(app, ["rate", "999"])
    assert r.exit_code == 2 and "no engagement with id 999" in r.output
