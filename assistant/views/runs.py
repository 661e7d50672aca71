"""The run panel's data: the latest background run of a kind and whether it is still going."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from assistant.jobs import UNFINISHED, latest_run
from assistant.models import Engagement, Run
from assistant.views import Page
from assistant.views.stale import Staleness, staleness

KINDS = ("synthesis", "rating", "import", "export", "compare", "dataflow")  # the runs a page can follow


@dataclass(frozen=True, kw_only=True)
class RunPanel(Page):
    """The run panel: the latest run of ``kind``, whether it is unfinished (the page then follows
    it), and ``stale``: what arrived after the last finished run (``views.stale``), None while one runs."""

    engagement: Engagement
    run: Run | None
    kind: str
    running: bool
    stale: Staleness | None = None


def run_context(session: Session, engagement: Engagement, kind: str) -> RunPanel:
    """The run panel of ``engagement``'s runs of ``kind`` (see ``RunPanel``)."""
    run = latest_run(session, engagement.id, kind)
    running = bool(run and run.status in UNFINISHED)
    return RunPanel(
        engagement=engagement,
        run=run,
        kind=kind,
        running=running,
        # an import and the catalogue rebuild read no answers: "answers arrived since" would not apply
        stale=None if running or kind in ("import", "dataflow") else staleness(session, engagement.id, kind),
    )
