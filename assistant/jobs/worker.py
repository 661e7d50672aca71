"""The worker that runs queued runs in this process, whichever process queued them (see ``assistant/jobs``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.jobs.lifecycle import (
    POLL_S,
    UNFINISHED,
    Handler,
    RunNotClaimable,
    failure_message,
    holder_id,
    queue_run,
    reap_expired,
)
from assistant.models import Run, utcnow

log = logging.getLogger("dm3.jobs")


class Jobs:
    """This process's background worker over ``engine``: runs queued runs of the kinds in ``handlers``,
    whichever process queued them, one at a time.

    ``submit`` queues a run and wakes the worker; the worker also looks for queued runs (and fails
    interrupted ones) every ``poll_s`` seconds. ``start`` keeps it looking for as long as the
    process runs (the app does this at startup); a worker started by ``submit`` alone stops after
    ``idle_s`` seconds without work (tests and one-off scripts leave no thread polling behind).
    """

    def __init__(
        self, engine: Engine, handlers: Mapping[str, Handler], poll_s: float = POLL_S, idle_s: float = 30.0
    ) -> None:
        self.engine = engine
        self.handlers = dict(handlers)
        self.poll_s = poll_s
        self.idle_s = idle_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._forever = False
        self._lock = threading.Lock()  # guards starting the thread, not the database
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run the worker until ``shutdown``."""
        self._forever = True
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="dm3-jobs", daemon=True)
                self._thread.start()

    def submit(
        self, engagement_id: int, kind: str, started_by: int | None = None, params: dict | None = None
    ) -> tuple[Run, bool]:
        """Queue a run of ``kind`` unless one is already unfinished (in any process); returns (run, created):
        the new queued run, or the unfinished one with ``created`` False. Some worker runs it soon.

        ``params`` (JSON: ids, names, choices; never a closure) is all the handler gets beyond the
        engagement: the worker that takes the run may live in another process."""
        if kind not in self.handlers:
            raise ValueError(f"no background work is known for {kind!r} runs")
        with Session(self.engine, expire_on_commit=False) as session:
            run, created = queue_run(session, engagement_id, kind, started_by, params)
        if created:
            self._ensure_thread()
            self._wake.set()
        return run, created

    def _next_queued(self) -> Run | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.exec(
                select(Run)
                .where(col(Run.status) == "queued", col(Run.kind).in_(list(self.handlers)))
                .order_by(col(Run.id))
                .limit(1)
            ).first()

    def run_once(self) -> bool:
        """Fail interrupted runs, then do one queued run if there is one. Returns True if it found work."""
        reap_expired(self.engine)
        run = self._next_queued()
        if run is None:
            return False
        try:
            self.handlers[run.kind](run)
        except RunNotClaimable:
            pass  # another worker took it first
        except Exception as exc:  # the worker outlives any job; the run records what went wrong
            self._failed_outside(run, exc)
        return True

    def _failed_outside(self, run: Run, exc: Exception) -> None:
        # The backstop for work that failed before or outside its track_run (a missing model folder,
        # say): the run must not stay queued, or every worker would take it up again. A run that
        # another process holds is left alone.
        log.error("background run %s failed", run.id, exc_info=exc)
        with Session(self.engine) as session:
            session.connection().execute(
                update(Run)
                .where(col(Run.id) == run.id)
                .where((col(Run.status) == "queued") | (col(Run.lease_holder) == holder_id()))
                .where(col(Run.status).in_(UNFINISHED))
                .values(
                    status="failed", message=failure_message(run.kind, exc), finished_at=utcnow(), lease_expires_at=None
                )
            )
            session.commit()

    def _loop(self) -> None:
        idle = 0.0
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the database is away (a restart, a dropped test database): try again later
                log.debug("background worker: could not look for queued runs", exc_info=True)
                worked = False
            if worked:
                idle = 0.0
                continue
            if not self._forever and idle >= self.idle_s:
                return
            self._wake.wait(self.poll_s)
            self._wake.clear()
            idle += self.poll_s

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with ``wait`` let the current run finish (a run cut off by the process
        ending is found interrupted when its lease runs out)."""
        self._stop.set()
        self._wake.set()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
