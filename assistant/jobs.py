"""Background jobs for the long stages (synthesis, rating) started from the web.

One worker thread per process runs queued ``Run`` rows in order; pages poll the Run row for
progress. Rules:

- At most one unfinished run per engagement and kind: asking again returns the one already
  queued or running (a double click starts nothing twice).
- A run left ``queued`` or ``running`` by a server that stopped is marked failed on the next
  start, with a message that says to run it again (nothing hangs at "running" forever).
- A job that raises marks its run failed with the error (the stage functions do this themselves;
  the worker is the backstop) and the worker goes on with the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.models import Run, utcnow

log = logging.getLogger("dm3.jobs")

UNFINISHED = ("queued", "running")
INTERRUPTED = "Interrupted: the server stopped while this ran. Nothing from it was kept; run it again."


def active_run(session: Session, engagement_id: int, kind: str) -> Optional[Run]:
    """The engagement's queued or running run of ``kind``, if any."""
    return session.exec(
        select(Run).where(Run.engagement_id == engagement_id, Run.kind == kind, col(Run.status).in_(UNFINISHED))
        .order_by(col(Run.id).desc())
    ).first()


def latest_run(session: Session, engagement_id: int, kind: str) -> Optional[Run]:
    """The engagement's most recent run of ``kind`` (any status), if any."""
    return session.exec(
        select(Run).where(Run.engagement_id == engagement_id, Run.kind == kind).order_by(col(Run.id).desc())
    ).first()


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
        self, engagement_id: int, kind: str, work: Callable[[int], object], started_by: Optional[int] = None
    ) -> tuple[Run, bool]:
        """Queue ``work(run_id)`` unless a run of ``kind`` is already unfinished.

        Returns (run, created): the new queued run, or the unfinished one with ``created`` False.
        """
        with self._lock, Session(self.engine, expire_on_commit=False) as session:
            running = active_run(session, engagement_id, kind)
            if running is not None:
                return running, False
            run = Run(engagement_id=engagement_id, kind=kind, status="queued", started_by=started_by,
                      message="Waiting to start")
            session.add(run)
            session.commit()
            session.refresh(run)
        future = self._pool.submit(work, run.id)
        future.add_done_callback(lambda f, run_id=run.id: self._finished(f, run_id))
        return run, True

    def _finished(self, future: Future, run_id: int) -> None:
        exc = future.exception()
        if exc is None:
            return
        log.error("background run %s failed", run_id, exc_info=exc)
        with Session(self.engine) as session:
            run = session.get(Run, run_id)
            if run is not None and run.status in UNFINISHED:
                run.status, run.message, run.finished_at = "failed", f"Failed: {exc}"[:500], utcnow()
                session.add(run)
                session.commit()

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with ``wait`` let the current job finish."""
        self._pool.shutdown(wait=wait, cancel_futures=True)
