"""Background runs: one unfinished run per engagement and kind, failures recorded, interrupted runs failed."""

from __future__ import annotations

import threading
import time

from sqlmodel import Session, select

from assistant.jobs import INTERRUPTED, Jobs, fail_interrupted
from assistant.models import Run
from tests.factories import make_engagement


def wait_done(engine, run_id: int, timeout: float = 10.0) -> Run:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as s:
            run = s.get(Run, run_id)
            if run.status not in ("queued", "running"):
                return run
        time.sleep(0.05)
    raise AssertionError("run did not end")


def test_a_second_request_joins_the_unfinished_run(engine, session):
    engagement = make_engagement(session)
    jobs = Jobs(engine)
    release = threading.Event()
    calls = []

    def work(run_id: int) -> None:
        calls.append(run_id)
        release.wait(5)
        with Session(engine) as s:
            run = s.get(Run, run_id)
            run.status = "done"
            s.add(run)
            s.commit()

    first, created = jobs.submit(engagement.id, "synthesis", work)
    again, created_again = jobs.submit(engagement.id, "synthesis", work)
    other_kind, created_other = jobs.submit(engagement.id, "rating", work)
    assert created and not created_again and again.id == first.id
    assert created_other and other_kind.id != first.id  # kinds are independent
    release.set()
    assert wait_done(engine, first.id).status == "done"
    wait_done(engine, other_kind.id)
    after, created_after = jobs.submit(engagement.id, "synthesis", work)  # a finished run does not block
    assert created_after and after.id not in (first.id, other_kind.id)
    wait_done(engine, after.id)
    jobs.shutdown()
    assert sorted(calls) == sorted([first.id, other_kind.id, after.id])


def test_a_crashing_job_is_recorded_failed_and_the_worker_goes_on(engine, session):
    engagement = make_engagement(session)
    jobs = Jobs(engine)

    def crash(run_id: int) -> None:
        raise RuntimeError("model folder missing")

    run, _ = jobs.submit(engagement.id, "synthesis", crash)
    failed = wait_done(engine, run.id)
    assert failed.status == "failed" and "model folder missing" in failed.message and failed.finished_at
    ok, created = jobs.submit(engagement.id, "synthesis", lambda run_id: None)
    assert created
    jobs.shutdown()


def test_runs_left_unfinished_by_a_stopped_server_are_failed(engine, session):
    engagement = make_engagement(session)
    session.add_all([Run(engagement_id=engagement.id, kind="synthesis", status="running"),
                     Run(engagement_id=engagement.id, kind="rating", status="queued"),
                     Run(engagement_id=engagement.id, kind="rating", status="done")])
    session.commit()
    assert fail_interrupted(engine) == 2
    session.expire_all()
    statuses = sorted((r.kind, r.status, r.message) for r in session.exec(select(Run)).all())
    assert statuses == [("rating", "done", ""), ("rating", "failed", INTERRUPTED), ("synthesis", "failed", INTERRUPTED)]
