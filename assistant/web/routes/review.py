"""Consultant review of rating proposals: the engagement's maturity profile and agreement figures,
one page per component (proposal, indicator judgments, cited quotes in context, themes, voice mix,
engine) with accept / change / reject forms, target levels, and a button to (re)run the rating.

Thin: parsing, calling ``assistant.records.review`` / ``assistant.rating.run``, rendering the page data of
``assistant.views.review``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from assistant.records.review import ReviewError, decide, set_targets
from assistant.security import whole_number
from assistant.views.review import component_context, current_proposal, overview_context
from assistant.views.runs import run_context
from assistant.web.forms import PagePost
from assistant.web.routes.deps import ComponentInPath, ConsultantEngagement
from assistant.web.shell import Consultant, CSRFDep, RubricDep, SessionDep, is_htmx, render, run_panel

router = APIRouter()

_DONE = {
    "started": "Rating started. It runs in the background; this page updates when it finishes.",
    "already": "Rating is already running for this engagement; follow it below.",
    "targets": "Targets saved.",
}


@dataclass
class ReviewPage(PagePost):
    """What every form of the review pages needs (the engagement, the rubric, the consultant), and how
    each ends: saved and back to a page of the review, or refused with the problem and nothing saved."""

    engagement: ConsultantEngagement
    rubric: RubricDep
    user: Consultant

    def done(self, path: str) -> Response:
        """Saved: on to ``path`` under the engagement's review pages (query and anchor included)."""
        return self.saved(f"/engagements/{self.engagement.id}/review{path}")


ReviewPageDep = Annotated[ReviewPage, Depends()]


@router.get("/engagements/{engagement_id}/review")
def overview(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, rubric: RubricDep, done: str = ""
) -> Response:
    return render(
        request, "review/overview.html", overview_context(session, engagement, rubric, message=_DONE.get(done))
    )


@router.post("/engagements/{engagement_id}/review/rate", dependencies=[CSRFDep])
def run_rating(f: ReviewPageDep) -> Response:
    """Queue the rating of every component; a background worker (in any app process) runs it and the
    page follows its progress."""
    created = f.queue(f.engagement.id, "rating", f.user.id)
    if is_htmx(f.request):
        return run_panel(f.request, run_context(f.session, f.engagement, "rating"))
    return f.done(f"?done={'started' if created else 'already'}#run")


@router.post("/engagements/{engagement_id}/review/targets", dependencies=[CSRFDep])
async def save_targets(f: ReviewPageDep) -> Response:
    form = await f.request.form()
    targets: dict[str, int | None] = {}
    problems = []
    for comp in f.rubric.components:
        raw = str(form.get(f"target-{comp.id}", "") or "").strip()
        level = whole_number(raw, 0, 1000)
        if raw and level is None:
            problems.append(f"Target for {comp.name} must be a level from 1 to 5.")
            continue
        targets[comp.id] = level
    try:
        if problems:
            raise ReviewError("; ".join(problems))
        set_targets(f.session, f.engagement, targets, f.user, f.rubric)
    except ReviewError as exc:
        problems = [str(exc)]
        return f.refused(
            "review/overview.html", lambda: overview_context(f.session, f.engagement, f.rubric, problems=problems)
        )
    return f.done("?done=targets#targets")


@router.get("/engagements/{engagement_id}/review/{component_id}")
def component_page(
    request: Request,
    engagement: ConsultantEngagement,
    comp: ComponentInPath,
    session: SessionDep,
    rubric: RubricDep,
    done: str = "",
) -> Response:
    message = "Decision recorded." if done else None
    return render(
        request, "review/component.html", component_context(session, engagement, rubric, comp, message=message)
    )


class DecisionForm(BaseModel):
    """A consultant's decision on the proposal the page showed: accept, change (to ``level``) or reject."""

    proposal_id: int
    action: str
    level: str = ""
    rationale: str = ""


@router.post("/engagements/{engagement_id}/review/{component_id}/decide", dependencies=[CSRFDep])
def decide_route(f: ReviewPageDep, comp: ComponentInPath, posted: Annotated[DecisionForm, Form()]) -> Response:
    current = current_proposal(f.session, f.engagement, comp.id)
    try:
        if current is None or current.id != posted.proposal_id:
            raise ReviewError("this proposal was replaced by a newer rating run; review the current proposal instead")
        chosen = whole_number(posted.level, 0, 1000)
        if posted.action == "change" and posted.level.strip() and chosen is None:
            raise ReviewError("choose a level from the rubric (1-5)")
        decide(f.session, f.rubric, posted.proposal_id, f.user, posted.action, chosen, posted.rationale)
    except ReviewError as exc:
        problems = [str(exc)]
        return f.refused(
            "review/_decision.html" if is_htmx(f.request) else "review/component.html",
            lambda: component_context(
                f.session, f.engagement, f.rubric, comp, problems=problems, form=posted.model_dump()
            ),
        )
    if is_htmx(f.request):
        f.session.commit()
        context = component_context(f.session, f.engagement, f.rubric, comp, message="Decision recorded.")
        return render(f.request, "review/_decision.html", context)
    return f.done(f"/{comp.id}?done=1#decision")
