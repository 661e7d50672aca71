"""The equity reviewer's pages: participation against the roster, voice share in themes and in the
evidence behind ratings, voices left out, findings, and the audit as JSON and CSV.

Only the engagement's equity reviewers open these (``ReviewerEngagement``). Thin: parsing, one
call to ``assistant.views.equity`` or ``assistant.equity``, rendering.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.equity.audit import audit_csv, build_audit
from assistant.equity.findings import FindingError, record_finding, withdraw_finding
from assistant.routes.deps import PathId, ReviewerEngagement, form_id
from assistant.views.equity import left_out_context, overview_context, ratings_context, themes_context
from assistant.web import CSRFDep, CurrentUser, RubricDep, SessionDep, render

router = APIRouter()

_DONE = {"finding": "Finding recorded. Consultants see it on the review page.", "withdrawn": "Finding withdrawn."}


@router.get("/engagements/{engagement_id}/equity")
def overview(
    request: Request, engagement: ReviewerEngagement, session: SessionDep, rubric: RubricDep, done: str = ""
) -> Response:
    return render(
        request, "equity/overview.html", overview_context(session, engagement, rubric, message=_DONE.get(done))
    )


@router.get("/engagements/{engagement_id}/equity/themes")
def themes(request: Request, engagement: ReviewerEngagement, session: SessionDep, rubric: RubricDep) -> Response:
    return render(request, "equity/themes.html", themes_context(session, engagement, rubric))


@router.get("/engagements/{engagement_id}/equity/ratings")
def ratings(request: Request, engagement: ReviewerEngagement, session: SessionDep, rubric: RubricDep) -> Response:
    return render(request, "equity/ratings.html", ratings_context(session, engagement, rubric))


@router.get("/engagements/{engagement_id}/equity/left-out")
def left_out(request: Request, engagement: ReviewerEngagement, session: SessionDep, rubric: RubricDep) -> Response:
    return render(request, "equity/left_out.html", left_out_context(session, engagement, rubric))


@router.post("/engagements/{engagement_id}/equity/findings", dependencies=[CSRFDep])
def add_finding(
    request: Request,
    engagement: ReviewerEngagement,
    session: SessionDep,
    rubric: RubricDep,
    user: CurrentUser,
    text: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "medium",
    component: Annotated[str, Form()] = "",
    theme_id: Annotated[str, Form()] = "",
    group: Annotated[str, Form()] = "",
) -> Response:
    """Record a finding (audited); a refused one comes back with its problems and the text kept."""
    theme = form_id(theme_id) if theme_id.strip() else None
    try:
        if theme_id.strip() and theme is None:
            raise FindingError(["Choose a current theme of this engagement, or none."])
        record_finding(session, engagement, user, rubric, text, severity, component, theme, group)
    except FindingError as exc:
        session.rollback()
        form = {"text": text, "severity": severity, "component": component, "theme_id": theme_id, "group": group}
        return render(
            request,
            "equity/overview.html",
            overview_context(session, engagement, rubric, problems=exc.problems, form=form),
            status_code=422,
        )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}/equity?done=finding#findings", status_code=303)


@router.post("/engagements/{engagement_id}/equity/findings/{finding_id}/withdraw", dependencies=[CSRFDep])
def withdraw(
    request: Request,
    engagement: ReviewerEngagement,
    finding_id: PathId,
    session: SessionDep,
    rubric: RubricDep,
    user: CurrentUser,
) -> Response:
    try:
        withdraw_finding(session, engagement, user, finding_id)
    except FindingError as exc:
        session.rollback()
        return render(
            request,
            "equity/overview.html",
            overview_context(session, engagement, rubric, problems=exc.problems),
            status_code=404,
        )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}/equity?done=withdrawn#findings", status_code=303)


@router.get("/engagements/{engagement_id}/equity/audit.json")
def audit_json(engagement: ReviewerEngagement, session: SessionDep, rubric: RubricDep) -> Response:
    body = json.dumps(build_audit(session, engagement, rubric), indent=2, ensure_ascii=False)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="equity-audit-{engagement.id}.json"'},
    )


@router.get("/engagements/{engagement_id}/equity/audit.csv")
def audit_csv_download(engagement: ReviewerEngagement, session: SessionDep, rubric: RubricDep) -> Response:
    return Response(
        audit_csv(build_audit(session, engagement, rubric)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="equity-audit-{engagement.id}.csv"'},
    )
