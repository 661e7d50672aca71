"""The run panel's data: the latest background run of a kind and whether it is still going."""

from __future__ import annotations

from sqlmodel import Session

from assistant.jobs import UNFINISHED, latest_run
from assistant.models import Engagement

KINDS = ("synthesis", "rating", "export")  # the runs a page can follow


def run_context(session: Session, engagement: Engagement, kind: str) -> dict:
    """Template context of the run panel: the latest run of ``kind`` and whether it is unfinished."""
    run = latest_run(session, engagement.id, kind)
    return {"engagement": engagement, "run": run, "kind": kind, "running": bool(run and run.status in UNFINISHED)}
