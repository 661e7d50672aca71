"""One interview served by several app processes at once: the same answer sent to each of them at the
same moment is stored once and answered once (no process-wide lock; the database keeps the order)."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.models import Turn
from assistant.web.app import create_app
from tests.factories import csrf_of, field, invite, make_engagement

ANSWERS = [
    "For example, every week we export 3 reports from Accela into Excel and email them to finance.",
    "No",
    "We keep a shared spreadsheet of every dataset the department owns, reviewed each quarter by the data lead.",
    "I don't really know, maybe",
]


def test_a_double_submit_served_by_four_processes_stores_one_answer_and_one_reply(settings, engine, session):
    settings.interview_relatedness = False
    apps = [create_app(settings) for _ in range(4)]  # four app processes on one database
    try:
        token = invite(session, make_engagement(session))
        first = TestClient(apps[0])
        csrf = csrf_of(first.get(f"/i/{token}").text)
        first.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf})
        clients = [TestClient(app, cookies=dict(first.cookies)) for app in apps]
        for n in range(8):
            page = first.get(f"/i/{token}").text
            data = {
                "text": ANSWERS[n % len(ANSWERS)],
                "action": "answer",
                "client_turn_id": field(page, "client_turn_id"),
                "csrf_token": csrf,
            }
            barrier = threading.Barrier(len(clients))
            codes: list[int] = []

            def send(
                c: TestClient,
                data: dict[str, str] = data,
                barrier: threading.Barrier = barrier,
                codes: list[int] = codes,
            ) -> None:
                barrier.wait()
                codes.append(c.post(f"/i/{token}/respond", data=data, follow_redirects=False).status_code)

            threads = [threading.Thread(target=send, args=(c,)) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert codes == [303] * len(clients)  # every copy acknowledged, none refused, no 500
        with Session(engine) as s:
            turns = list(s.exec(select(Turn).order_by(Turn.id)).all())
    finally:
        for app in apps:
            app.state.jobs.shutdown()
    staff = [t for t in turns if t.role == "staff"]
    assert len(staff) == 8 and len({t.client_turn_id for t in staff}) == 8  # each answer stored once
    # each answer is followed by one reply (a probe, or an acknowledgement and the next question), never two
    for before, after in zip(turns, turns[1:], strict=False):
        assert not (before.role == after.role == "assistant" and before.kind == after.kind), (before, after)
    questions = [t.question_id for t in turns if t.kind == "question"]
    assert len(questions) == len(set(questions))  # no question asked twice
