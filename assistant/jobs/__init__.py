"""Background runs: the one lifecycle of a ``Run`` row, leases that let several processes share the
work, and the worker that runs queued runs.

Every long piece of work (synthesis, rating, CSV import, export) records itself the same way,
through ``track_run``:

    with track_run(engine, engagement_id, "rating", run_id=run_id) as run:
        ...
        run.progress(0.5, "rated 3 of 6 components")
        run.tick(0.55, "embedding 3,200 of 10,000 sentences")  # inside a loop: written at most once a second
        ...
        run.done(stats, "6 of 6 components rated")

Design: leases in the run table itself (no queue library). The app's only background work is a
few runs per engagement, minutes long, started by a consultant; a queue library would add a
second schema, its own worker processes and a PostgreSQL-only path, while a lease is two columns
and three conditional UPDATEs that behave the same on SQLite and PostgreSQL.

Rules:

- At most one unfinished (queued or running) run per engagement and kind, across every process:
  a partial unique index on (engagement_id, kind) where the run is unfinished. Asking again
  (``queue_run``) returns the run already there (a double click starts nothing twice); work that
  starts without a queued row (the CLI) gets ``RunAlreadyActive`` when one is there.
- A queued run is work for any process: each app process runs a ``Jobs`` worker that takes queued
  runs from the database, so a run survives the process that queued it.
- A run is claimed before it works: one conditional UPDATE turns a queued row into a running one
  held by this process (``lease_holder``) until ``lease_expires_at``; a row that is not queued any
  more is refused with ``RunNotClaimable`` and the work does not start.
- While it works, the holder extends its lease: on every progress report and from a heartbeat
  thread every third of the lease. Progress, the end and a failure are each written in their own
  short transaction, and only by the holder, so pages polling the row see them.
- A running run whose lease ran out was interrupted (its process died or hung): any worker, and
  anyone queueing a new run, marks it failed with a message that says to run it again. A process
  starting up fails nothing: a second server never touches the first one's live runs.
- Any exception inside ``track_run`` marks the run failed with a readable message ("Rating
  failed: ...") and is re-raised; leaving the block without ``done`` marks it done.
"""

from assistant.jobs.lifecycle import (
    INTERRUPTED,
    LEASE_S,
    MESSAGE_LIMIT,
    POLL_S,
    TICK_S,
    UNFINISHED,
    Handler,
    Progress,
    RunAlreadyActive,
    RunLost,
    RunNotClaimable,
    RunOptions,
    RunTracker,
    active_run,
    failure_message,
    holder_id,
    latest_run,
    queue_run,
    reap_expired,
    track_run,
)
from assistant.jobs.worker import Jobs

__all__ = [
    "Handler",
    "INTERRUPTED",
    "Jobs",
    "LEASE_S",
    "MESSAGE_LIMIT",
    "POLL_S",
    "Progress",
    "RunAlreadyActive",
    "RunLost",
    "RunNotClaimable",
    "RunOptions",
    "RunTracker",
    "TICK_S",
    "UNFINISHED",
    "active_run",
    "failure_message",
    "holder_id",
    "latest_run",
    "queue_run",
    "reap_expired",
    "track_run",
]
