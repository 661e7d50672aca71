"""The run panel's data: the latest background run of a kind and whether it is still going."""

from __future__ import annotations

from sqlmodel import Session

from assistant.jobs import UNFINISHED, latest_run
from assistant.models import Engagement
from assistant.views.stale import staleness

KINDS = ("synthesis", "rating", "import", "export")  # the runs a page can follow


def run_context(session: Session, engagement: Engagement, kind: str) -> dict:
    """Template context of the run panel: the latest run of ``kind``, whether it is unfinished, and
    ``stale``: what arrived after the last finished run (``views.stale``), None while one runs."""
    run = latest_run(session, engagement.id, kind)
    running = bool(run and run.status in UNFINISHED)
    return {
        "engagement": engagement,
        "run": run,
        "kind": kind,
        "running": running,
        "stale": None if running or kind == "import" else staleness(session, engagement.id, kind),
    }
