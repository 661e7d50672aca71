"""Background runs (synthesis, rating) as the pages see them: the status panel htmx polls."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from assistant.views.runs import KINDS, run_context
from assistant.web.routes.deps import ConsultantEngagement
from assistant.web.shell import SessionDep, run_panel

router = APIRouter()


@router.get("/engagements/{engagement_id}/runs/{kind}")
def run_status(
    request: Request, engagement: ConsultantEngagement, kind: str, session: SessionDep, watching: int = 0
) -> Response:
    """The run panel htmx polls while a run is unfinished."""
    if kind not in KINDS:
        raise HTTPException(404, "There is no such kind of run.")
    return run_panel(request, run_context(session, engagement, kind), bool(watching))
