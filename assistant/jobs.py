"""Background runs: the one lifecycle of a ``Run`` row, and the worker that runs queued ones.

Every long piece of work (synthesis, rating, and later export, roadmap, CSV import) records
itself the same way, through ``track_run``:

    with track_run(engine, engagement_id, "rating", run_id=run_id) as run:
        ...
        run.progress(0.5, "rated 3 of 6 components")
        ...
        run.done(stats, "6 of 6 components rated")

Rules:

- At most one unfinished run per engagement and kind when work is queued (``queue_run``, used by
  ``Jobs.submit``): asking again returns the one already queued or running (a double click
  starts nothing twice).
- A run is claimed before it works: a queued row becomes ``running``; a row that is not queued
  any more (finished, or taken by someone else) is refused with ``RunNotClaimable`` and the
  work does not start. Without a queued row (the CLI) a running row is created.
- Progress, the end and a failure are each written in their own short transaction, so pages
  polling the row see them while the stage's own transactions are open.
- Any exception inside ``track_run`` marks the run failed with a readable message ("Rating
  failed: ...") and is re-raised; leaving the block without ``done`` marks it done.
- A run left ``queued`` or ``running`` by a server that stopped is marked failed on the next
  start, with a message that says to run it again (nothing hangs at "running" forever).

Several processes sharing the work (leases) change only ``RunTracker.claim`` (take the row with
a lease holder and expiry), ``RunTracker.progress`` (the heartbeat that extends the lease) and
``fail_interrupted`` (an expired lease is an interrupted run): the stages do not change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.models import Run, utcnow

log = logging.getLogger("dm3.jobs")

UNFINISHED = ("queued", "running")
INTERRUPTED = "Interrupted: the server stopped while this ran. Nothing from it was kept; run it again."
MESSAGE_LIMIT = 500

Progress = Callable[[float, str], None]


class RunNotClaimable(RuntimeError):
    """The Run row asked for is missing or no longer waiting to start; nothing was done."""


def active_run(session: Session, engagement_id: int, kind: str) -> Run | None:
    """The engagement's queued or running run of ``kind``, if any."""
    return session.exec(
        select(Run)
        .where(Run.engagement_id == engagement_id, Run.kind == kind, col(Run.status).in_(UNFINISHED))
        .order_by(col(Run.id).desc())
    ).first()


def latest_run(session: Session, engagement_id: int, kind: str) -> Run | None:
    """The engagement's most recent run of ``kind`` (any status), if any."""
    return session.exec(
        select(Run).where(Run.engagement_id == engagement_id, Run.kind == kind).order_by(col(Run.id).desc())
    ).first()


def queue_run(session: Session, engagement_id: int, kind: str, started_by: int | None = None) -> tuple[Run, bool]:
    """(run, created): the engagement's unfinished run of ``kind``, or a new queued one (committed).

    Rule enforced: one unfinished run per engagement and kind. The caller makes check-then-create
    atomic (``Jobs`` holds a lock; with leases it becomes a conditional insert).
    """
    running = active_run(session, engagement_id, kind)
    if running is not None:
        return running, False
    run = Run(
        engagement_id=engagement_id, kind=kind, status="queued", started_by=started_by, message="Waiting to start"
    )
    session.add(run)
    session.commit()
    session.refresh(run)
    return run, True


def failure_message(kind: str, exc: BaseException) -> str:
    """What a reader sees on a failed run: "<Kind> failed: <the error>", at most 500 characters."""
    if isinstance(exc, KeyboardInterrupt):
        reason = "stopped before it finished"
    else:
        reason = str(exc).strip() or type(exc).__name__
    return f"{kind.capitalize()} failed: {reason}"[:MESSAGE_LIMIT]


def _write(engine: Engine, run_id: int, only_unfinished: bool = False, **fields: Any) -> bool:
    """Set ``fields`` on the Run row in its own transaction; False when there was nothing to set."""
    with Session(engine) as session:
        run = session.get(Run, run_id)
        if run is None or (only_unfinished and run.status not in UNFINISHED):
            return False
        for name, value in fields.items():
            setattr(run, name, value)
        session.add(run)
        session.commit()
        return True


class RunTracker:
    """One claimed run: reports progress and its end on the Run row. Made by ``track_run``."""

    def __init__(self, engine: Engine, run_id: int, kind: str, on_progress: Progress | None = None) -> None:
        self.engine = engine
        self.id = run_id
        self.kind = kind
        self.on_progress = on_progress
        self.finished = False

    @classmethod
    def claim(
        cls, engine: Engine, run_id: int, kind: str, message: str, on_progress: Progress | None = None
    ) -> RunTracker:
        """Take the queued run ``run_id``: it becomes ``running``. Raises RunNotClaimable otherwise.

        The change is one conditional UPDATE (queued -> running), so two workers can never both
        take the same row.
        """
        with Session(engine) as session:
            result = session.connection().execute(
                update(Run)
                .where(col(Run.id) == run_id, col(Run.kind) == kind, col(Run.status) == "queued")
                .values(status="running", progress=0.0, message=message)
            )
            session.commit()
            if result.rowcount != 1:
                row = session.get(Run, run_id)
                state = "does not exist" if row is None else f"is a {row.kind} run, {row.status}"
                raise RunNotClaimable(f"run {run_id} cannot start: it {state}, not a queued {kind} run")
        return cls(engine, run_id, kind, on_progress)

    @classmethod
    def create(
        cls,
        engine: Engine,
        engagement_id: int,
        kind: str,
        message: str,
        started_by: int | None = None,
        on_progress: Progress | None = None,
    ) -> RunTracker:
        """A new run of ``kind`` that is ``running`` from the start (work started outside the queue)."""
        with Session(engine) as session:
            run = Run(engagement_id=engagement_id, kind=kind, status="running", message=message, started_by=started_by)
            session.add(run)
            session.commit()
            session.refresh(run)
            assert run.id is not None
            return cls(engine, run.id, kind, on_progress)

    def progress(self, fraction: float, message: str) -> None:
        """Record how far the run is (0-1) and what it is doing, for pages and the CLI."""
        _write(self.engine, self.id, progress=fraction, message=message[:MESSAGE_LIMIT])
        if self.on_progress:
            self.on_progress(fraction, message)

    def done(self, stats: dict | None = None, message: str = "Done") -> None:
        """Mark the run done (progress 1) with its ``stats``."""
        fields: dict[str, Any] = {
            "status": "done",
            "progress": 1.0,
            "message": message[:MESSAGE_LIMIT],
            "finished_at": utcnow(),
        }
        if stats is not None:
            fields["stats"] = stats
        _write(self.engine, self.id, **fields)
        self.finished = True
        if self.on_progress:
            self.on_progress(1.0, message)

    def fail(self, exc: BaseException) -> None:
        """Mark the run failed with a readable message built from ``exc``."""
        _write(self.engine, self.id, status="failed", message=failure_message(self.kind, exc), finished_at=utcnow())
        self.finished = True


@contextmanager
def track_run(
    engine: Engine,
    engagement_id: int,
    kind: str,
    *,
    run_id: int | None = None,
    started_by: int | None = None,
    message: str = "Starting",
    on_progress: Progress | None = None,
) -> Iterator[RunTracker]:
    """The lifecycle of one run of ``kind``: claims the queued run ``run_id`` (or creates a running
    one), yields its tracker, marks it failed on any exception (re-raised) and done at the end if
    the work did not say so itself. Rules: see the module docstring."""
    if run_id is not None:
        tracker = RunTracker.claim(engine, run_id, kind, message, on_progress)
    else:
        tracker = RunTracker.create(engine, engagement_id, kind, message, started_by, on_progress)
    try:
        yield tracker
    except BaseException as exc:
        tracker.fail(exc)
        raise
    if not tracker.finished:
        tracker.done()


def fail_interrupted(engine: Engine) -> int:
    """Mark runs a stopped server left unfinished as failed. Returns how many."""
    with Session(engine) as session:
        runs = session.exec(select(Run).where(col(Run.status).in_(UNFINISHED))).all()
        for run in runs:
            run.status, run.message, run.finished_at = "failed", INTERRUPTED, utcnow()
            session.add(run)
        session.commit()
        return len(runs)


class Jobs:
    """A single background worker over ``engine``; ``submit`` queues a Run and its work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dm3-job")
        self._lock = threading.Lock()  # check-then-create of a run is atomic within the process

    def submit(
        self, engagement_id: int, kind: str, work: Callable[[int], object], started_by: int | None = None
    ) -> tuple[Run, bool]:
        """Queue ``work(run_id)`` unless a run of ``kind`` is already unfinished.

        ``work`` runs its stage inside ``track_run(..., run_id=run_id)``. Returns (run, created):
        the new queued run, or the unfinished one with ``created`` False.
        """
        with self._lock, Session(self.engine, expire_on_commit=False) as session:
            run, created = queue_run(session, engagement_id, kind, started_by)
        if created:
            future = self._pool.submit(work, run.id)
            future.add_done_callback(lambda f, run_id=run.id: self._finished(f, run_id, kind))
        return run, created

    def _finished(self, future: Future, run_id: int, kind: str) -> None:
        # The backstop for work that failed before or outside its track_run (a missing model
        # folder, say): the run must not stay queued. A run someone else holds is left alone.
        exc = future.exception()
        if exc is None or isinstance(exc, RunNotClaimable):
            return
        log.error("background run %s failed", run_id, exc_info=exc)
        _write(
            self.engine,
            run_id,
            only_unfinished=True,
            status="failed",
            message=failure_message(kind, exc),
            finished_at=utcnow(),
        )

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with ``wait`` let the current job finish."""
        self._pool.shutdown(wait=wait, cancel_futures=True)
