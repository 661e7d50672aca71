"""The lifecycle of a ``Run`` row: queue, claim, lease, progress, done or failed (see ``assistant/jobs``)."""

from __future__ import annotations

import logging
import math
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypedDict, Unpack

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from assistant.models import Run, utcnow

log = logging.getLogger("dm3.jobs")

UNFINISHED = ("queued", "running")
INTERRUPTED = "Interrupted: the server stopped while this ran. Nothing from it was kept; run it again."
MESSAGE_LIMIT = 500
LEASE_S = 60.0  # a holder silent this long is gone; it renews every LEASE_S / 3
POLL_S = 1.0  # how often an idle worker looks for queued runs
TICK_S = 1.0  # the least time between two counts within a step (``RunTracker.tick``) written to the row

Progress = Callable[[float, str], None]
Handler = Callable[[Run], object]  # does the work of a queued run (calls its stage with run_id=run.id)

_holder: tuple[int, str] | None = None


def holder_id() -> str:
    """This process's name on the leases it holds: "host:pid:random" (new after a fork)."""
    global _holder
    if _holder is None or _holder[0] != os.getpid():
        _holder = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}")
    return _holder[1]


def step_of(message: str) -> str:
    """The step a progress message reports: its words, numbers left out ("Themes for equity_lens (2 of 6):
    reading 576 of 5,122 texts" and "... reading 640 of 5,122 texts" are one step; "... clustering 8,356
    segments" another)."""
    return re.sub(r"\d[\d,.]*", "#", message)


class RunNotClaimable(RuntimeError):
    """The Run row asked for is missing or no longer waiting to start; nothing was done."""


class RunAlreadyActive(RuntimeError):
    """Another run of the same kind is queued or running for the engagement; nothing was started."""

    def __init__(self, run: Run) -> None:
        self.run = run
        super().__init__(
            f"a {run.kind} run is already in progress for engagement {run.engagement_id} "
            f"(run {run.id}, {run.status}, {round(run.progress * 100)}%: {run.message or 'starting'}). "
            "Wait for it to finish; follow it in the web app."
        )


class RunLost(RuntimeError):
    """This process no longer holds the run's lease (it was found interrupted); the work stops."""


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


def _expired_clause() -> Any:
    # a running run without a lease was left by the one-process version: interrupted as well
    return (col(Run.status) == "running") & or_(
        col(Run.lease_expires_at).is_(None), col(Run.lease_expires_at) < utcnow()
    )


def reap_expired(engine: Engine) -> int:
    """Mark running runs whose lease ran out as failed (interrupted). Returns how many.

    Looks first and writes only when there is something to write, so idle workers polling this
    take no write lock on SQLite.
    """
    with Session(engine) as session:
        if session.exec(select(Run.id).where(_expired_clause()).limit(1)).first() is None:
            return 0
        result = session.connection().execute(
            update(Run)
            .where(_expired_clause())
            .values(status="failed", message=INTERRUPTED, finished_at=utcnow(), lease_holder=None)
        )
        session.commit()
        if result.rowcount:
            log.warning("marked %d interrupted background run(s) as failed (their lease ran out)", result.rowcount)
        return result.rowcount


def queue_run(
    session: Session, engagement_id: int, kind: str, started_by: int | None = None, params: dict | None = None
) -> tuple[Run, bool]:
    """(run, created): the engagement's unfinished run of ``kind``, or a new queued one (committed)
    carrying ``params`` (what its work needs beyond the engagement, for whichever worker takes it).

    Rule enforced: one unfinished run per engagement and kind, across processes: the insert is
    refused by the partial unique index when another process got there first, and the run it
    made is returned. An interrupted run (expired lease) is failed first so it does not block.
    """
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    reap_expired(bind)
    for _attempt in range(5):
        running = active_run(session, engagement_id, kind)
        if running is not None:
            return running, False
        run = Run(
            engagement_id=engagement_id,
            kind=kind,
            status="queued",
            started_by=started_by,
            message="Waiting to start",
            params=params or {},
        )
        session.add(run)
        try:
            session.commit()
        except IntegrityError:  # another process queued one between the look and the insert
            session.rollback()
            continue
        session.refresh(run)
        return run, True
    raise RuntimeError(f"could not queue a {kind} run for engagement {engagement_id}: the table kept changing")


def failure_message(kind: str, exc: BaseException) -> str:
    """What a reader sees on a failed run: "<Kind> failed: <the error>", at most 500 characters."""
    if isinstance(exc, KeyboardInterrupt):
        reason = "stopped before it finished"
    else:
        reason = str(exc).strip() or type(exc).__name__
    return f"{kind.capitalize()} failed: {reason}"[:MESSAGE_LIMIT]


class RunTracker:
    """One claimed run, held by this process: reports progress and its end on the Run row and keeps
    its lease alive. Made by ``track_run``."""

    def __init__(
        self,
        engine: Engine,
        kind: str,
        on_progress: Progress | None = None,
        lease_s: float = LEASE_S,
        tick_s: float = TICK_S,
    ) -> None:
        self.engine = engine
        self.id = 0  # the run's id, once ``claim`` or ``create`` holds one
        self.kind = kind
        self.on_progress = on_progress
        self.lease_s = lease_s
        self.holder = holder_id()
        self.finished = False
        self.lost = False
        self.tick_s = tick_s
        self._last_step = ""
        self._last_write = -math.inf  # monotonic time of the last progress written
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def _expiry(self) -> Any:
        return utcnow() + timedelta(seconds=self.lease_s)

    def claim(self, run_id: int, message: str) -> RunTracker:
        """Take the queued run ``run_id``: it becomes ``running``, held by this process. Raises
        RunNotClaimable otherwise.

        The change is one conditional UPDATE (queued -> running), so two workers, in one process
        or several, can never both take the same row.
        """
        kind = self.kind
        with Session(self.engine) as session:
            result = session.connection().execute(
                update(Run)
                .where(col(Run.id) == run_id, col(Run.kind) == kind, col(Run.status) == "queued")
                .values(
                    status="running",
                    progress=0.0,
                    message=message,
                    lease_holder=self.holder,
                    lease_expires_at=self._expiry(),
                )
            )
            session.commit()
            if result.rowcount != 1:
                row = session.get(Run, run_id)
                state = "does not exist" if row is None else f"is a {row.kind} run, {row.status}"
                raise RunNotClaimable(f"run {run_id} cannot start: it {state}, not a queued {kind} run")
        self.id = run_id
        return self

    def create(self, engagement_id: int, message: str, started_by: int | None = None) -> RunTracker:
        """A new run of ``kind`` that is ``running`` from the start, held by this process (work started
        outside the queue, such as the CLI). Raises RunAlreadyActive when the engagement has one."""
        engine, kind = self.engine, self.kind
        reap_expired(engine)
        with Session(engine, expire_on_commit=False) as session:
            run = Run(
                engagement_id=engagement_id,
                kind=kind,
                status="running",
                message=message,
                started_by=started_by,
                lease_holder=self.holder,
                lease_expires_at=self._expiry(),
            )
            session.add(run)
            try:
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                other = active_run(session, engagement_id, kind)
                if other is None:  # it ended meanwhile: the index no longer stands in the way
                    raise RunNotClaimable(f"a {kind} run for engagement {engagement_id} just ended; try again") from exc
                raise RunAlreadyActive(other) from exc
            assert run.id is not None
            self.id = run.id
            return self

    def _write(self, **fields: Any) -> bool:
        """Set ``fields`` on the row in its own transaction, only while this process holds the lease."""
        try:
            with Session(self.engine) as session:
                result = session.connection().execute(
                    update(Run)
                    .where(col(Run.id) == self.id, col(Run.status) == "running", col(Run.lease_holder) == self.holder)
                    .values(**fields)
                )
                session.commit()
        except OperationalError:
            log.exception("run %s: could not write its state", self.id)
            return True  # the database hiccuped; the lease has not been taken from us for that
        if result.rowcount != 1:
            # after the run itself said done or failed (the heartbeat stopped) a missed write is no loss
            if not self._stop.is_set():
                self.lost = True
            return False
        return not self.lost

    def start_heartbeat(self) -> None:
        """Extend the lease every third of it from a thread, while the stage works between reports."""

        def beat() -> None:
            while not self._stop.wait(self.lease_s / 3):
                if not self._write(lease_expires_at=self._expiry()):
                    if not self._stop.is_set():  # not the run's own end, waited for in a busy database
                        log.error(
                            "run %s: lost its lease (found interrupted); its work stops at the next report", self.id
                        )
                    return

        self._beat = threading.Thread(target=beat, name=f"dm3-lease-{self.id}", daemon=True)
        self._beat.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._beat is not None and self._beat is not threading.current_thread():
            self._beat.join(timeout=5)

    def progress(self, fraction: float, message: str) -> None:
        """Record how far the run is (0-1) and what it is doing, and extend the lease. Raises RunLost
        when this process no longer holds the run (it was found interrupted): the work must stop."""
        if not self._write(progress=fraction, message=message[:MESSAGE_LIMIT], lease_expires_at=self._expiry()):
            raise RunLost(f"run {self.id} was taken over: it was found interrupted while this process worked on it")
        self._last_write, self._last_step = time.monotonic(), step_of(message)
        if self.on_progress:
            self.on_progress(fraction, message)

    def tick(self, fraction: float, message: str) -> None:
        """A count within a step ("Embedding 3,200 of 10,000 sentences"): recorded like ``progress``, but
        only when ``tick_s`` has passed since the last report written, so a loop may call it on every
        batch without a write per batch, or when it starts another step within the stage (``step_of`` differs
        from the last report's: "clustering 8,300 segments" after "reading 5,000 of 5,000 texts"), so every
        step shows, however soon after another. The start of a stage goes through
        ``progress`` (always written)."""
        if time.monotonic() - self._last_write >= self.tick_s or step_of(message) != self._last_step:
            self.progress(fraction, message)

    def done(self, stats: dict | None = None, message: str = "Done") -> None:
        """Mark the run done (progress 1) with its ``stats``, and give up the lease."""
        fields: dict[str, Any] = {
            "status": "done",
            "progress": 1.0,
            "message": message[:MESSAGE_LIMIT],
            "finished_at": utcnow(),
            "lease_expires_at": None,
        }
        if stats is not None:
            fields["stats"] = stats
        self._stop.set()  # the heartbeat's next write (perhaps waiting on a busy database) is no longer needed
        if not self._write(**fields):
            log.warning("run %s finished after it was marked interrupted; it stays failed", self.id)
        self.finished = True
        if self.on_progress:
            self.on_progress(1.0, message)

    def fail(self, exc: BaseException) -> None:
        """Mark the run failed with a readable message built from ``exc``."""
        self._stop.set()
        self._write(
            status="failed", message=failure_message(self.kind, exc), finished_at=utcnow(), lease_expires_at=None
        )
        self.finished = True


class RunOptions(TypedDict, total=False):
    """How a piece of work runs as a ``Run`` (``track_run``'s options, which a job passes on): the queued run
    it takes (``run_id``; without one a running run is created, ``started_by`` whom), its first message,
    who hears its progress besides the row, how long its lease lasts between heartbeats, and the least time
    between two counts within a step (``RunTracker.tick``)."""

    run_id: int | None
    started_by: int | None
    message: str
    on_progress: Progress | None
    lease_s: float
    tick_s: float


@contextmanager
def track_run(engine: Engine, engagement_id: int, kind: str, **options: Unpack[RunOptions]) -> Iterator[RunTracker]:
    """The lifecycle of one run of ``kind``: claims the queued run ``run_id`` (or creates a running
    one: RunAlreadyActive when the engagement has one), keeps its lease alive, yields its tracker,
    marks it failed on any exception (re-raised) and done at the end if the work did not say so
    itself. Rules: see the module docstring. An option ``RunOptions`` does not name is a TypeError (a
    misspelt ``run_id`` must not quietly start a second run)."""
    if unknown := options.keys() - RunOptions.__optional_keys__:
        raise TypeError(f"track_run() got unexpected keyword(s) {sorted(unknown)}")
    tracker = RunTracker(
        engine, kind, options.get("on_progress"), options.get("lease_s", LEASE_S), options.get("tick_s", TICK_S)
    )
    run_id, message = options.get("run_id"), options.get("message", "Starting")
    if run_id is not None:
        tracker.claim(run_id, message)
    else:
        tracker.create(engagement_id, message, options.get("started_by"))
    tracker.start_heartbeat()
    try:
        yield tracker
    except BaseException as exc:
        tracker.stop_heartbeat()
        tracker.fail(exc)
        raise
    tracker.stop_heartbeat()
    if not tracker.finished:
        tracker.done()
