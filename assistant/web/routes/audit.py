"""The audit log of an engagement, for consultants: a filterable, paginated page and its CSV.

Thin: parse the query, call ``assistant.views.audit``, render (or send the file).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from assistant.views.audit import audit_csv, audit_page
from assistant.web.routes.deps import ConsultantEngagement
from assistant.web.shell import SessionDep, render

router = APIRouter()

Filter = Annotated[str, Query(max_length=200)]


@router.get("/engagements/{engagement_id}/audit")
def audit_log(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    action: Filter = "",
    actor: Filter = "",
    page: int = 1,
) -> Response:
    """Who did what, when, newest first, filterable by action and actor (a page number out of range
    shows the nearest page)."""
    return render(
        request,
        "audit/log.html",
        {"page": audit_page(session, engagement, action, actor, page), "engagement": engagement},
    )


@router.get("/engagements/{engagement_id}/audit.csv")
def audit_log_csv(
    engagement: ConsultantEngagement, session: SessionDep, action: Filter = "", actor: Filter = ""
) -> Response:
    """Every event matching the filters as a CSV download (formula-like cells escaped)."""
    filename, text = audit_csv(session, engagement, action, actor)
    # a byte-order mark so spreadsheet programs read the file as UTF-8
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
