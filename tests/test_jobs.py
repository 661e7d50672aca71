"""Background runs: one unfinished run per engagement and kind across processes, one lifecycle (claim,
progress, done or failed) under a lease, queued runs taken by any worker, interrupted runs found by
their expired lease (never by a process starting)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import make_engine
from assistant.jobs import (
    INTERRUPTED,
    Handler,
    Jobs,
    RunAlreadyActive,
    RunLost,
    RunNotClaimable,
    RunTracker,
    holder_id,
    queue_run,
    reap_expired,
    track_run,
)
from assistant.models import Run, utcnow
from tests.factories import make_engagement


def wait_done(engine: Engine, run_id: int, timeout: float = 10.0) -> Run:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as s:
            run = s.get(Run, run_id)
            if run.status not in ("queued", "running"):
                return run
        time.sleep(0.05)
    raise AssertionError("run did not end")


def finish(engine: Engine, kind: str, calls: list[int], release: threading.Event | None = None) -> Handler:
    """A handler that claims its run through the lifecycle, optionally waits, and ends done."""

    def work(run: Run) -> None:
        with track_run(engine, run.engagement_id, kind, run_id=run.id):
            calls.append(run.id)
            if release is not None:
                release.wait(5)

    return work


def at_once(url: str, n: int, work: Callable[[Engine, threading.Barrier], None]) -> None:
    """Run ``work`` in ``n`` threads, each on its own engine (as ``n`` app processes would have), handed one
    barrier to start at the same moment; returns when all have ended."""
    engines = [make_engine(url) for _ in range(n)]
    start = threading.Barrier(n)
    threads = [threading.Thread(target=work, args=(e, start)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()


def test_a_second_request_joins_the_unfinished_run(engine, session):
    engagement = make_engagement(session)
    release = threading.Event()
    calls: list[int] = []
    jobs = Jobs(
        engine, {"synthesis": finish(engine, "synthesis", calls, release), "rating": finish(engine, "rating", calls)}
    )
    first, created = jobs.submit(engagement.id, "synthesis")
    again, created_again = jobs.submit(engagement.id, "synthesis")
    assert created and not created_again and again.id == first.id
    release.set()
    assert wait_done(engine, first.id).status == "done"
    other_kind, created_other = jobs.submit(engagement.id, "rating")
    assert created_other and other_kind.id != first.id  # kinds are independent
    wait_done(engine, other_kind.id)
    after, created_after = jobs.submit(engagement.id, "synthesis")  # a finished run does not block
    assert created_after and after.id not in (first.id, other_kind.id)
    wait_done(engine, after.id)
    jobs.shutdown()
    assert sorted(calls) == sorted([first.id, other_kind.id, after.id])


def test_many_processes_queueing_at_once_make_one_run(settings, engine, session):
    """Eight connections (as eight app processes would) queue the same run at the same moment: the
    database's partial unique index lets exactly one through, the others get that run back."""
    engagement = make_engagement(session)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def queue(eng: Engine, start: threading.Barrier) -> None:
        try:
            with Session(eng, expire_on_commit=False) as s:
                start.wait()
                run, created = queue_run(s, engagement.id, "synthesis")
                results.append((run.id, created))
        except BaseException as exc:
            errors.append(exc)

    at_once(settings.database_url, 8, queue)
    assert not errors
    assert sum(created for _, created in results) == 1
    assert len({run_id for run_id, _ in results}) == 1
    assert len(session.exec(select(Run).where(Run.engagement_id == engagement.id)).all()) == 1


def test_two_cli_runs_at_once_one_works_the_other_says_one_is_in_progress(settings, engine, session):
    """Work started outside the queue (``dm3 synthesize``, ``dm3 rate``) twice at the same moment:
    one run is created, the other gets RunAlreadyActive with a readable message (no IntegrityError)."""
    engagement = make_engagement(session)
    made: list[RunTracker] = []
    refused: list[RunAlreadyActive] = []
    other: list[BaseException] = []

    def create(eng: Engine, start: threading.Barrier) -> None:
        start.wait()
        try:
            made.append(RunTracker(eng, "synthesis").create(engagement.id, "Starting"))
        except RunAlreadyActive as exc:
            refused.append(exc)
        except BaseException as exc:
            other.append(exc)

    at_once(settings.database_url, 4, create)
    assert not other and len(made) == 1 and len(refused) == 3
    assert "already in progress for engagement" in str(refused[0]) and refused[0].run.id == made[0].id


def test_the_cli_refuses_a_second_synthesis_while_one_is_in_progress(cli_env):
    from typer.testing import CliRunner

    from assistant.cli import app as cli

    with Session(cli_env, expire_on_commit=False) as s:
        engagement = make_engagement(s)
    live = RunTracker(cli_env, "synthesis").create(engagement.id, "Embedding new text")  # another process's run
    result = CliRunner().invoke(cli, ["synthesize", str(engagement.id)])
    assert result.exit_code == 1, result.output
    assert "synthesis run is already in progress" in result.output
    with Session(cli_env) as s:
        assert s.get(Run, live.id).status == "running"  # the live run is untouched
    live.done()


def test_a_queued_run_survives_the_process_that_queued_it(engine, session):
    """Queued by a process that then went away: a worker of another process takes it and runs it."""
    engagement = make_engagement(session)
    queued, _ = queue_run(session, engagement.id, "rating")  # the queueing process stops here
    calls: list[int] = []
    other_process = Jobs(engine, {"rating": finish(engine, "rating", calls)})
    assert other_process.run_once()
    assert calls == [queued.id] and wait_done(engine, queued.id).status == "done"
    assert not other_process.run_once()  # nothing left


def test_a_crashing_job_is_recorded_failed_and_the_worker_goes_on(engine, session):
    engagement = make_engagement(session)

    def crash(run: Run) -> None:
        raise RuntimeError("model folder missing")

    calls: list[int] = []
    jobs = Jobs(engine, {"synthesis": crash, "rating": finish(engine, "rating", calls)})
    run, _ = jobs.submit(engagement.id, "synthesis")
    failed = wait_done(engine, run.id)
    assert failed.status == "failed" and "model folder missing" in failed.message and failed.finished_at
    ok, created = jobs.submit(engagement.id, "rating")
    assert created and wait_done(engine, ok.id).status == "done"
    jobs.shutdown()


def test_interrupted_runs_are_found_by_their_expired_lease_and_live_ones_are_left_alone(engine, session):
    engagement = make_engagement(session)
    past, future = utcnow() - timedelta(seconds=5), utcnow() + timedelta(seconds=60)
    session.add_all(
        [
            Run(
                engagement_id=engagement.id,
                kind="synthesis",
                status="running",
                lease_holder="gone:1:a",
                lease_expires_at=past,
            ),
            Run(
                engagement_id=engagement.id,
                kind="rating",
                status="running",
                lease_holder="alive:2:b",
                lease_expires_at=future,
            ),
            Run(engagement_id=engagement.id, kind="import", status="queued"),
            Run(engagement_id=engagement.id, kind="export", status="done"),
        ]
    )
    session.commit()
    assert reap_expired(engine) == 1
    session.expire_all()
    statuses = sorted((r.kind, r.status, r.message) for r in session.exec(select(Run)).all())
    assert statuses == [
        ("export", "done", ""),
        ("import", "queued", ""),
        ("rating", "running", ""),
        ("synthesis", "failed", INTERRUPTED),
    ]
    # an interrupted run no longer blocks a new one
    again, created = queue_run(session, engagement.id, "synthesis")
    assert created


def test_a_second_server_starting_leaves_the_first_servers_live_run_alone(settings, engine, session):
    from assistant.web.app import create_app

    settings.interview_relatedness = False
    engagement = make_engagement(session)
    with track_run(engine, engagement.id, "rating", message="rating components") as live:
        second = create_app(settings)
        second.state.jobs.run_once()  # its worker looks at the runs too
        session.expire_all()
        row = session.get(Run, live.id)
        assert (row.status, row.message, row.lease_holder) == ("running", "rating components", holder_id())
        second.state.jobs.shutdown()
    session.expire_all()
    assert session.get(Run, live.id).status == "done"


def test_the_lease_is_kept_alive_while_the_stage_works_and_a_lost_lease_stops_it(engine, session):
    engagement = make_engagement(session)
    with track_run(engine, engagement.id, "synthesis", lease_s=3.0) as run:
        first = session.get(Run, run.id).lease_expires_at
        # no progress reported: wait, by what the row says rather than by a sleep of a fixed length, until
        # the heartbeat has renewed the lease twice (a busy machine only makes that take longer)
        renewed = [first]
        deadline = time.monotonic() + 60
        while len(renewed) < 3 and time.monotonic() < deadline:
            session.expire_all()
            now = session.get(Run, run.id).lease_expires_at
            if now > renewed[-1]:
                renewed.append(now)
            time.sleep(0.05)
        assert len(renewed) == 3, "the heartbeat did not renew the lease"
        assert reap_expired(engine) == 0  # renewed just now: three seconds ahead of this check
    session.expire_all()
    assert session.get(Run, run.id).status == "done"

    with pytest.raises(RunLost):
        with track_run(engine, engagement.id, "rating", lease_s=60) as run:
            with Session(engine) as other:  # what a worker does with a run found interrupted
                row = other.get(Run, run.id)
                row.status, row.lease_holder, row.message = "failed", None, INTERRUPTED
                other.add(row)
                other.commit()
            run.progress(0.5, "rated 3 of 6 components")
    session.expire_all()
    row = session.get(Run, run.id)
    assert (row.status, row.message) == ("failed", INTERRUPTED)  # the interrupted record is not overwritten


def test_a_heartbeat_after_the_run_said_done_is_not_a_lost_lease(engine, session, caplog):
    # a stage says done itself inside track_run; a heartbeat due after that (or one that waited on a busy
    # database until then) finds the row no longer running: that is the run's own end, not a takeover
    engagement = make_engagement(session)
    with caplog.at_level("ERROR", logger="dm3.jobs"):
        with track_run(engine, engagement.id, "synthesis", lease_s=0.3) as run:
            run.done({"themes": 1})
            time.sleep(0.5)  # several heartbeat periods (lease_s / 3) pass before track_run stops it
    assert not run.lost
    assert "lost its lease" not in caplog.text
    session.expire_all()
    assert session.get(Run, run.id).status == "done"


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
            row = other.get(Run, queued.id)
            assert (row.status, row.lease_holder) == ("running", holder_id()) and row.lease_expires_at > utcnow()
        run.progress(0.5, "half way")
        with Session(engine) as other:
            row = other.get(Run, queued.id)
            assert (row.status, row.progress, row.message) == ("running", 0.5, "half way")
        run.done({"rows": 3}, "3 rows exported")
    session.expire_all()
    row = session.get(Run, queued.id)
    assert (row.status, row.progress, row.message, row.stats) == ("done", 1.0, "3 rows exported", {"rows": 3})
    assert row.finished_at is not None and row.lease_expires_at is None
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


def test_a_misspelt_option_is_refused_before_any_run_starts(engine, session):
    engagement = make_engagement(session)
    with pytest.raises(TypeError, match="runid"):
        with track_run(engine, engagement.id, "rating", runid=7):
            pass
    assert session.exec(select(Run)).all() == []


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

    def work(run: Run) -> None:
        with track_run(engine, run.engagement_id, "roadmap", run_id=run.id) as tracker:
            tracker.progress(0.5, "sequencing")

    jobs = Jobs(engine, {"roadmap": work})
    run, created = jobs.submit(engagement.id, "roadmap")
    assert created and run.status == "queued"
    ended = wait_done(engine, run.id)
    jobs.shutdown()
    assert (ended.status, ended.progress, ended.message) == ("done", 1.0, "Done")
    with pytest.raises(ValueError, match="no background work"):
        jobs.submit(engagement.id, "export")


def test_a_queued_run_carries_its_parameters_to_a_worker_in_another_process(engine, settings, session):
    """The process that queues a run does not do it: the worker of another (its own engine on the same
    database) gets the run's ``params`` from the row, as JSON, and nothing from the queueing process."""
    engagement = make_engagement(session)
    seen: list[dict] = []

    def export(run: Run) -> None:
        with track_run(engine, run.engagement_id, "export", run_id=run.id):
            seen.append(run.params)

    queueing = Jobs(engine, {"export": export})
    queueing.shutdown()  # queues, takes no work (it stops before a worker starts)
    run, created = queueing.submit(engagement.id, "export", params={"format": "docx", "names": ["a", "b"]})
    assert created
    other_engine = make_engine(settings.database_url)
    try:
        other = Jobs(other_engine, {"export": export})
        assert other.run_once()
    finally:
        other_engine.dispose()
    assert seen == [{"format": "docx", "names": ["a", "b"]}]
    session.expire_all()
    assert session.get(Run, run.id).status == "done"
