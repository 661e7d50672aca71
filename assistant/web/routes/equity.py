"""The equity reviewer's pages: participation against the roster, voice share in themes and in the
evidence behind ratings, voices left out, findings, and the audit as JSON and CSV.

Only the engagement's equity reviewers open these (``ReviewerEngagement``). Thin: parsing, one
call to ``assistant.views.equity`` or ``assistant.equity``, rendering.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response
from pydantic import BaseModel

from assistant.equity.audit import audit_csv, build_audit
from assistant.equity.findings import FindingError, record_finding, withdraw_finding
from assistant.views.equity import left_out_context, overview_context, ratings_context, themes_context
from assistant.web.forms import PagePost
from assistant.web.routes.deps import PathId, ReviewerEngagement, form_id
from assistant.web.shell import CSRFDep, CurrentUser, RubricDep, SessionDep, render

router = APIRouter()

_DONE = {"finding": "Finding recorded. Consultants see it on the review page.", "withdrawn": "Finding withdrawn."}


@dataclass
class EquityPage(PagePost):
    """What the reviewer's pages need (the engagement, the rubric, the reviewer), and the two ways a
    finding form ends: saved and back to the findings, or refused with the problems and what was
    typed, nothing saved."""

    engagement: ReviewerEngagement
    rubric: RubricDep
    user: CurrentUser

    def show(self, template: str, page_data: Callable[..., dict[str, Any]], **extra: str | None) -> Response:
        """``template`` with ``page_data(session, engagement, rubric, **extra)`` (a ``views.equity`` function)."""
        return render(self.request, template, page_data(self.session, self.engagement, self.rubric, **extra))

    def done(self, done: str) -> Response:
        """Saved: back to the overview's findings with ``_DONE[done]``."""
        return self.saved(f"/engagements/{self.engagement.id}/equity?done={done}#findings")

    def refuse(self, problems: list[str], status_code: int = 422, **typed: dict[str, str]) -> Response:
        """Refused: the overview with the problems."""
        return self.refused(
            "equity/overview.html",
            lambda: overview_context(self.session, self.engagement, self.rubric, problems=problems, **typed),
            status_code,
        )


EquityPageDep = Annotated[EquityPage, Depends()]


@router.get("/engagements/{engagement_id}/equity")
def overview(p: EquityPageDep, done: str = "") -> Response:
    return p.show("equity/overview.html", overview_context, message=_DONE.get(done))


@router.get("/engagements/{engagement_id}/equity/themes")
def themes(p: EquityPageDep) -> Response:
    return p.show("equity/themes.html", themes_context)


@router.get("/engagements/{engagement_id}/equity/ratings")
def ratings(p: EquityPageDep) -> Response:
    return p.show("equity/ratings.html", ratings_context)


@router.get("/engagements/{engagement_id}/equity/left-out")
def left_out(p: EquityPageDep) -> Response:
    return p.show("equity/left_out.html", left_out_context)


class FindingForm(BaseModel):
    """A finding as typed: its text and severity, and optionally the component, theme and group it is about."""

    text: str = ""
    severity: str = "medium"
    component: str = ""
    theme_id: str = ""
    group: str = ""


@router.post("/engagements/{engagement_id}/equity/findings", dependencies=[CSRFDep])
def add_finding(p: EquityPageDep, posted: Annotated[FindingForm, Form()]) -> Response:
    """Record a finding (audited); a refused one comes back with its problems and the text kept."""
    chosen = posted.theme_id.strip()
    theme = form_id(chosen) if chosen else None
    try:
        if chosen and theme is None:
            raise FindingError(["Choose a current theme of this engagement, or none."])
        record_finding(
            p.session,
            p.engagement,
            p.user,
            p.rubric,
            posted.text,
            posted.severity,
            posted.component,
            theme,
            posted.group,
        )
    except FindingError as exc:
        return p.refuse(exc.problems, form=posted.model_dump())
    return p.done("finding")


@router.post("/engagements/{engagement_id}/equity/findings/{finding_id}/withdraw", dependencies=[CSRFDep])
def withdraw(p: EquityPageDep, finding_id: PathId) -> Response:
    try:
        withdraw_finding(p.session, p.engagement, p.user, finding_id)
    except FindingError as exc:
        return p.refuse(exc.problems, status_code=404)
    return p.done("withdrawn")


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
