"""Background runs: one unfinished run per engagement and kind, one lifecycle (claim, progress, done or
failed), failures recorded, interrupted runs failed."""

from __future__ import annotations

import threading
import time

import pytest
from sqlmodel import Session, select

from assistant.jobs import INTERRUPTED, Jobs, RunNotClaimable, fail_interrupted, queue_run, track_run
from assistant.models import Run
from tests.factories import make_engagement


def wait_done(engine, run_id: int, timeout: float = 10.0) -> Run:
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
    session.add_all(
        [
            Run(engagement_id=engagement.id, kind="synthesis", status="running"),
            Run(engagement_id=engagement.id, kind="rating", status="queued"),
            Run(engagement_id=engagement.id, kind="rating", status="done"),
        ]
    )
    session.commit()
    assert fail_interrupted(engine) == 2
    session.expire_all()
    statuses = sorted((r.kind, r.status, r.message) for r in session.exec(select(Run)).all())
    assert statuses == [("rating", "done", ""), ("rating", "failed", INTERRUPTED), ("synthesis", "failed", INTERRUPTED)]


def test_track_run_claims_the_queued_run_reports_progress_and_ends_done(engine, session):
    engagement = make_engagement(session)
    queued, _ = queue_run(session, engagement.id, "export")
    seen: list[tuple[float, str]] = []
    with track_run(
        engine,
        engagement.id,
        "export",
        run_id=queued.id,
        message="Collecting",
        on_progress=lambda f, m: seen.append((f, m)),
    ) as run:
        with Session(engine) as other:  # what a polling page sees, mid-run
            assert other.get(Run, queued.id).status == "running"
        run.progress(0.5, "half way")
        with Session(engine) as other:
            row = other.get(Run, queued.id)
            assert (row.status, row.progress, row.message) == ("running", 0.5, "half way")
        run.done({"rows": 3}, "3 rows exported")
    session.expire_all()
    row = session.get(Run, queued.id)
    assert (row.status, row.progress, row.message, row.stats) == ("done", 1.0, "3 rows exported", {"rows": 3})
    assert row.finished_at is not None
    assert seen == [(0.5, "half way"), (1.0, "3 rows exported")]


def test_track_run_marks_the_run_failed_with_a_readable_message_and_re_raises(engine, session):
    engagement = make_engagement(session)
    with pytest.raises(ValueError, match="no column 'answer'"):
        with track_run(engine, engagement.id, "import") as run:  # no queued row: one is created
            run.progress(0.2, "reading")
            raise ValueError("no column 'answer'")
    row = session.exec(select(Run).where(Run.kind == "import")).one()
    assert (row.status, row.message) == ("failed", "Import failed: no column 'answer'") and row.finished_at
    with pytest.raises(KeyError):
        with track_run(engine, engagement.id, "import"):
            raise KeyError()
    rows = session.exec(select(Run).where(Run.kind == "import").order_by(Run.id)).all()
    assert rows[-1].message == "Import failed: KeyError"  # an error without words still says what it was


def test_a_run_that_is_not_queued_is_never_claimed_and_its_record_is_kept(engine, session):
    engagement = make_engagement(session)
    finished = Run(engagement_id=engagement.id, kind="rating", status="done", message="6 of 6 components rated")
    session.add(finished)
    session.commit()
    worked = []
    with pytest.raises(RunNotClaimable):
        with track_run(engine, engagement.id, "rating", run_id=finished.id):
            worked.append(True)
    with pytest.raises(RunNotClaimable):  # a run of another kind is not this work's either
        queued, _ = queue_run(session, engagement.id, "synthesis")
        with track_run(engine, engagement.id, "rating", run_id=queued.id):
            worked.append(True)
    session.expire_all()
    assert not worked
    assert session.get(Run, finished.id).status == "done" and session.get(Run, queued.id).status == "queued"


def test_the_worker_runs_its_job_through_the_lifecycle(engine, session):
    engagement = make_engagement(session)
    jobs = Jobs(engine)

    def work(run_id: int) -> None:
        with track_run(engine, engagement.id, "roadmap", run_id=run_id) as run:
            run.progress(0.5, "sequencing")

    run, created = jobs.submit(engagement.id, "roadmap", work)
    assert created and run.status == "queued"
    ended = wait_done(engine, run.id)
    jobs.shutdown()
    assert (ended.status, ended.progress, ended.message) == ("done", 1.0, "Done")
