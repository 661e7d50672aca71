"""Consultant review of rating proposals: the engagement's maturity profile and agreement figures,
one page per component (proposal, indicator judgments, cited quotes in context, themes, voice mix,
engine) with accept / change / reject forms, target levels, and a button to (re)run the rating.

Thin: parsing, calling ``assistant.review`` / ``assistant.rating.run``, rendering the page data of
``assistant.views.review``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.review import ReviewError, decide, set_targets
from assistant.routes.deps import ComponentInPath, ConsultantEngagement, whole_number
from assistant.views.review import component_context, current_proposal, overview_context
from assistant.views.runs import run_context
from assistant.web import Consultant, CSRFDep, RubricDep, SessionDep, is_htmx, render, run_panel

router = APIRouter()

_DONE = {
    "started": "Rating started. It runs in the background; this page updates when it finishes.",
    "already": "Rating is already running for this engagement; follow it below.",
    "targets": "Targets saved.",
}


@router.get("/engagements/{engagement_id}/review")
def overview(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, rubric: RubricDep, done: str = ""
) -> Response:
    return render(
        request, "review/overview.html", overview_context(session, engagement, rubric, message=_DONE.get(done))
    )


@router.post("/engagements/{engagement_id}/review/rate", dependencies=[CSRFDep])
def run_rating(request: Request, engagement: ConsultantEngagement, session: SessionDep, user: Consultant) -> Response:
    """Queue the rating of every component; a background worker (in any app process) runs it and the
    page follows its progress."""
    session.commit()  # hold no transaction while the engines work
    _run, created = request.app.state.jobs.submit(engagement.id, "rating", started_by=user.id)
    if is_htmx(request):
        return run_panel(request, run_context(session, engagement, "rating"))
    return RedirectResponse(
        f"/engagements/{engagement.id}/review?done={'started' if created else 'already'}#run", status_code=303
    )


@router.post("/engagements/{engagement_id}/review/targets", dependencies=[CSRFDep])
async def save_targets(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, rubric: RubricDep, user: Consultant
) -> Response:
    form = await request.form()
    targets: dict[str, int | None] = {}
    problems = []
    for comp in rubric.components:
        raw = str(form.get(f"target-{comp.id}", "") or "").strip()
        level = whole_number(raw, 0, 1000)
        if raw and level is None:
            problems.append(f"Target for {comp.name} must be a level from 1 to 5.")
            continue
        targets[comp.id] = level
    try:
        if problems:
            raise ReviewError("; ".join(problems))
        set_targets(session, engagement, targets, user, rubric)
    except ReviewError as exc:
        session.rollback()
        return render(
            request,
            "review/overview.html",
            overview_context(session, engagement, rubric, problems=[str(exc)]),
            status_code=422,
        )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}/review?done=targets#targets", status_code=303)


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


@router.post("/engagements/{engagement_id}/review/{component_id}/decide", dependencies=[CSRFDep])
def decide_route(
    request: Request,
    engagement: ConsultantEngagement,
    comp: ComponentInPath,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    proposal_id: Annotated[int, Form()],
    action: Annotated[str, Form()],
    level: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
) -> Response:
    current = current_proposal(session, engagement, comp.id)
    try:
        if current is None or current.id != proposal_id:
            raise ReviewError("this proposal was replaced by a newer rating run; review the current proposal instead")
        chosen = whole_number(level, 0, 1000)
        if action == "change" and level.strip() and chosen is None:
            raise ReviewError("choose a level from the rubric (1-5)")
        decide(session, proposal_id, user, action, level=chosen, rationale=rationale, rubric=rubric)
    except ReviewError as exc:
        session.rollback()
        ctx = component_context(
            session,
            engagement,
            rubric,
            comp,
            problems=[str(exc)],
            form={"action": action, "level": level, "rationale": rationale},
        )
        template = "review/_decision.html" if is_htmx(request) else "review/component.html"
        return render(request, template, ctx, status_code=422)
    session.commit()
    if is_htmx(request):
        return render(
            request,
            "review/_decision.html",
            component_context(session, engagement, rubric, comp, message="Decision recorded."),
        )
    return RedirectResponse(f"/engagements/{engagement.id}/review/{comp.id}?done=1#decision", status_code=303)
