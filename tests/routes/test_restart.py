"""Kill the real server process mid-interview, restart it, and resume where the staff member was."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import httpx
from sqlmodel import Session, select

from assistant.models import Turn
from tests.factories import csrf_of, field, invite, make_engagement
from tests.servers import start_app

DETAILED = "For example, every week we export 3 reports from Accela into Excel and email them to finance."


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(settings, port: int, log: Path) -> subprocess.Popen:
    env = dict(
        DM3_DATABASE_URL=settings.database_url,
        DM3_SECRET_KEY="restart-secret-0123456789",
        DM3_INTERVIEW_RELATEDNESS="false",
        HF_HUB_OFFLINE="1",
    )
    return start_app(port, env, log)


def test_kill_and_restart_loses_nothing_and_resumes(settings, engine, session, tmp_path):
    token = invite(session, make_engagement(session))
    port = _port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(settings, port, tmp_path / "server.log")
    try:
        with httpx.Client(base_url=base) as c:
            csrf = csrf_of(c.get(f"/i/{token}").text)
            c.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf})
            for _ in range(3):
                page = c.get(f"/i/{token}").text
                r = c.post(
                    f"/i/{token}/respond",
                    data={
                        "text": DETAILED,
                        "action": "answer",
                        "csrf_token": csrf,
                        "client_turn_id": field(page, "client_turn_id"),
                    },
                )
                assert r.status_code == 303
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with Session(engine) as s:
        assert len(s.exec(select(Turn).where(Turn.role == "staff")).all()) == 3
    proc = _serve(settings, port, tmp_path / "server.log")
    try:
        with httpx.Client(base_url=base) as c:  # a new browser: cookies and form tokens are new too
            page = c.get(f"/i/{token}").text
            assert page.count(DETAILED) == 3 and 'id="answer"' in page
            r = c.post(
                f"/i/{token}/respond",
                data={
                    "text": DETAILED,
                    "action": "answer",
                    "csrf_token": csrf_of(page),
                    "client_turn_id": field(page, "client_turn_id"),
                },
            )
            assert r.status_code == 303
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with Session(engine) as s:
        staff = s.exec(select(Turn).where(Turn.role == "staff").order_by(Turn.id)).all()
        questions = s.exec(select(Turn).where(Turn.kind == "question").order_by(Turn.id)).all()
    assert len(staff) == 4
    assert [t.question_id for t in staff] == [q.question_id for q in questions[:4]]
