"""Background runs (synthesis, rating) as the pages see them: the status panel htmx polls."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from assistant.jobs import UNFINISHED, latest_run
from assistant.models import Engagement
from assistant.routes.consultant import get_engagement
from assistant.web import Consultant, SessionDep, is_htmx, render

router = APIRouter()

KINDS = ("synthesis", "rating", "export")


def run_context(session, engagement: Engagement, kind: str) -> dict:  # noqa: ANN001
    """Template context of the run panel: the latest run of ``kind`` and whether it is unfinished."""
    run = latest_run(session, engagement.id, kind)
    return {"engagement": engagement, "run": run, "kind": kind, "running": bool(run and run.status in UNFINISHED)}


def run_panel(request: Request, ctx: dict, watching: bool = True) -> Response:
    """The panel; to an htmx page watching a run that has ended, also the header that reloads it."""
    headers = {"HX-Refresh": "true"} if watching and not ctx["running"] and is_htmx(request) else None
    return render(request, "_run_panel.html", ctx, headers=headers)


@router.get("/engagements/{engagement_id}/runs/{kind}")
def run_status(request: Request, engagement_id: int, kind: str, session: SessionDep, user: Consultant,
               watching: int = 0) -> Response:
    """The run panel htmx polls while a run is unfinished."""
    if kind not in KINDS:
        raise HTTPException(404, "There is no such kind of run.")
    return run_panel(request, run_context(session, get_engagement(session, engagement_id), kind), bool(watching))
