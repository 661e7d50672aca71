"""The equity reviewer's pages: participation against the roster, voice share in themes and in the
evidence behind ratings, voices left out, findings, and the audit as JSON and CSV.

Only the engagement's equity reviewers open these (``ReviewerEngagement``). Thin: parsing, one
call to ``assistant.views.equity`` or ``assistant.equity``, rendering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
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


@dataclass
class FindingForm:
    """What the reviewer's finding forms need, and the two ways each ends: saved and back to the
    findings, or refused with the problems and what was typed, nothing saved."""

    request: Request
    engagement: ReviewerEngagement
    session: SessionDep
    rubric: RubricDep
    user: CurrentUser

    def saved(self, done: str) -> Response:
        """Commit and go back to the overview's findings with ``_DONE[done]`` (303)."""
        self.session.commit()
        return RedirectResponse(f"/engagements/{self.engagement.id}/equity?done={done}#findings", status_code=303)

    def refused(self, problems: list[str], status_code: int = 422, **typed: dict[str, str]) -> Response:
        """Roll back and show the overview with the problems."""
        self.session.rollback()
        context = overview_context(self.session, self.engagement, self.rubric, problems=problems, **typed)
        return render(self.request, "equity/overview.html", context, status_code=status_code)


FindingFormDep = Annotated[FindingForm, Depends()]


@router.post("/engagements/{engagement_id}/equity/findings", dependencies=[CSRFDep])
def add_finding(
    f: FindingFormDep,
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
        record_finding(f.session, f.engagement, f.user, f.rubric, text, severity, component, theme, group)
    except FindingError as exc:
        form = {"text": text, "severity": severity, "component": component, "theme_id": theme_id, "group": group}
        return f.refused(exc.problems, form=form)
    return f.saved("finding")


@router.post("/engagements/{engagement_id}/equity/findings/{finding_id}/withdraw", dependencies=[CSRFDep])
def withdraw(f: FindingFormDep, finding_id: PathId) -> Response:
    try:
        withdraw_finding(f.session, f.engagement, f.user, finding_id)
    except FindingError as exc:
        return f.refused(exc.problems, status_code=404)
    return f.saved("withdrawn")


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
