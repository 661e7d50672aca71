"""Consultant review of rating proposals: the engagement's maturity profile and agreement figures,
one page per component (proposal, indicator judgments, cited quotes in context, themes, voice mix,
engine) with accept / change / reject forms, target levels, and a button to (re)run the rating.

Thin: parsing, calling ``assistant.review`` / ``assistant.rating.run``, rendering.
"""

from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from assistant.models import Decision, Engagement, Participant, Segment, Theme, ThemeMember, Turn, User
from assistant.rating.schema import segment_pk
from assistant.routes.consultant import get_component, get_engagement
from assistant.routes.runs import run_context, run_panel
from assistant.review import ReviewError, agreement, current_proposals, decide, latest_decisions, set_targets
from assistant.web import Consultant, CSRFDep, EngineDep, RubricDep, SessionDep, SettingsDep, is_htmx, render

router = APIRouter()

# The maturity profile chart: six rows, levels 1-5 across.
CHART = {"width": 660, "left": 230, "step": 95, "row": 46, "top": 40}


def _overview_context(session, engagement: Engagement, rubric, **extra) -> dict:  # noqa: ANN001, ANN003
    proposals = current_proposals(session, engagement.id)
    decisions = latest_decisions(session, engagement.id)
    targets = engagement.settings.get("target_levels", {})
    rows = []
    for n, comp in enumerate(rubric.components):
        proposal = proposals.get(comp.id)
        decision = decisions.get(comp.id)
        rows.append({
            "component": comp, "proposal": proposal, "decision": decision, "target": targets.get(comp.id),
            "stale": bool(decision and proposal and decision.proposal_id != proposal.id),
            "y": CHART["top"] + n * CHART["row"],
        })
    ctx = {"engagement": engagement, "rows": rows, "agreement": agreement(session, engagement.id),
           "rubric": rubric, "chart": CHART, "problems": [], "message": None, **run_context(session, engagement, "rating"),
           "x": lambda level: CHART["left"] + (level - 1) * CHART["step"]}
    ctx.update(extra)
    return ctx


@router.get("/engagements/{engagement_id}/review")
def overview(request: Request, engagement_id: int, session: SessionDep, rubric: RubricDep, user: Consultant,
             done: str = "") -> Response:
    engagement = get_engagement(session, engagement_id)
    messages = {"started": "Rating started. It runs in the background; this page updates when it finishes.",
                "already": "Rating is already running for this engagement; follow it below.",
                "targets": "Targets saved."}
    return render(request, "review/overview.html", _overview_context(session, engagement, rubric, message=messages.get(done)))


@router.post("/engagements/{engagement_id}/review/rate", dependencies=[CSRFDep])
def run_rating(request: Request, engagement_id: int, session: SessionDep, db_engine: EngineDep, settings: SettingsDep,
               rubric: RubricDep, user: Consultant) -> Response:
    """Queue the rating of every component in the background; the page follows its progress."""
    from assistant.rating.run import propose_for_engagement

    engagement = get_engagement(session, engagement_id)
    session.commit()  # hold no transaction while the engines work

    def work(run_id: int) -> None:
        propose_for_engagement(db_engine, engagement.id, settings, rubric=rubric, started_by=user.id, run_id=run_id)

    _run, created = request.app.state.jobs.submit(engagement.id, "rating", work, started_by=user.id)
    if is_htmx(request):
        return run_panel(request, run_context(session, engagement, "rating"))
    return RedirectResponse(f"/engagements/{engagement.id}/review?done={'started' if created else 'already'}#run",
                            status_code=303)


@router.post("/engagements/{engagement_id}/review/targets", dependencies=[CSRFDep])
async def save_targets(request: Request, engagement_id: int, session: SessionDep, rubric: RubricDep,
                       user: Consultant) -> Response:
    engagement = get_engagement(session, engagement_id)
    form = await request.form()
    targets: dict[str, Optional[int]] = {}
    problems = []
    for comp in rubric.components:
        raw = str(form.get(f"target-{comp.id}", "") or "").strip()
        if raw and not raw.isdigit():
            problems.append(f"Target for {comp.name} must be a level from 1 to 5.")
            continue
        targets[comp.id] = int(raw) if raw else None
    try:
        if problems:
            raise ReviewError("; ".join(problems))
        set_targets(session, engagement, targets, user, rubric)
    except ReviewError as exc:
        session.rollback()
        return render(request, "review/overview.html",
                      _overview_context(session, engagement, rubric, problems=[str(exc)]), status_code=422)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}/review?done=targets#targets", status_code=303)


def _component_context(session, engagement: Engagement, rubric, component_id: str, **extra) -> dict:  # noqa: ANN001, ANN003
    comp = get_component(rubric, component_id)
    proposal = current_proposals(session, engagement.id).get(comp.id)
    history = session.exec(
        select(Decision, User).join(User, User.id == Decision.reviewer_id)
        .where(Decision.engagement_id == engagement.id, Decision.component == comp.id)
        .order_by(Decision.id.desc())  # type: ignore[union-attr]
    ).all()
    evidence: dict[str, dict] = {}
    themes: dict[str, dict] = {}
    if proposal is not None:
        pks = {pk for c in proposal.citations if (pk := segment_pk(c["segment_id"])) is not None}
        rows = session.exec(
            select(Segment, Participant, Turn)
            .join(Participant, Participant.id == Segment.participant_id)
            .join(Turn, Turn.id == Segment.turn_id, isouter=True)
            .where(Segment.id.in_(pks), Segment.engagement_id == engagement.id)  # type: ignore[union-attr]
        ).all() if pks else []
        theme_rows = session.exec(
            select(ThemeMember.segment_id, Theme)
            .join(Theme, Theme.id == ThemeMember.theme_id)
            .where(ThemeMember.segment_id.in_(pks), Theme.archived == False)  # type: ignore[union-attr]  # noqa: E712
        ).all() if pks else []
        theme_of = {sid: theme for sid, theme in theme_rows}
        for seg, person, turn in rows:
            ref = f"E-{seg.id}"
            link = None
            if turn is not None and person.withdrawn_at is None:
                link = f"/engagements/{engagement.id}/transcripts/{turn.interview_id}#turn-{turn.id}"
            theme = theme_of.get(seg.id)
            evidence[ref] = {"segment": seg, "participant": person, "link": link, "theme": theme,
                             "withdrawn": person.withdrawn_at is not None, "active": seg.active}
            if theme is not None:
                entry = themes.setdefault(theme.id, {"theme": theme, "segments": []})
                entry["segments"].append(ref)
    decision = history[0][0] if history else None
    ctx = {
        "engagement": engagement, "rubric": rubric, "comp": comp, "proposal": proposal, "history": history,
        "evidence": evidence, "themes": sorted(themes.values(), key=lambda t: (-len(t["segments"]), t["theme"].label)),
        "decision": decision, "stale": bool(decision and proposal and decision.proposal_id != proposal.id),
        "target": engagement.settings.get("target_levels", {}).get(comp.id),
        "problems": [], "message": None, "form": {},
    }
    ctx.update(extra)
    return ctx


@router.get("/engagements/{engagement_id}/review/{component_id}")
def component_page(request: Request, engagement_id: int, component_id: str, session: SessionDep, rubric: RubricDep,
                   user: Consultant, done: str = "") -> Response:
    engagement = get_engagement(session, engagement_id)
    message = "Decision recorded." if done else None
    return render(request, "review/component.html", _component_context(session, engagement, rubric, component_id, message=message))


@router.post("/engagements/{engagement_id}/review/{component_id}/decide", dependencies=[CSRFDep])
def decide_route(
    request: Request, engagement_id: int, component_id: str, session: SessionDep, rubric: RubricDep, user: Consultant,
    proposal_id: Annotated[int, Form()], action: Annotated[str, Form()],
    level: Annotated[str, Form()] = "", rationale: Annotated[str, Form()] = "",
) -> Response:
    engagement = get_engagement(session, engagement_id)
    get_component(rubric, component_id)
    current = current_proposals(session, engagement.id).get(component_id)
    try:
        if current is None or current.id != proposal_id:
            raise ReviewError("this proposal was replaced by a newer rating run; review the current proposal instead")
        chosen = int(level) if level.strip().isdigit() else None
        if action == "change" and level.strip() and chosen is None:
            raise ReviewError("choose a level from the rubric (1-5)")
        decide(session, proposal_id, user, action, level=chosen, rationale=rationale, rubric=rubric)
    except ReviewError as exc:
        session.rollback()
        ctx = _component_context(session, engagement, rubric, component_id, problems=[str(exc)],
                                 form={"action": action, "level": level, "rationale": rationale})
        template = "review/_decision.html" if is_htmx(request) else "review/component.html"
        return render(request, template, ctx, status_code=422)
    session.commit()
    if is_htmx(request):
        ctx = _component_context(session, engagement, rubric, component_id, message="Decision recorded.")
        return render(request, "review/_decision.html", ctx)
    return RedirectResponse(f"/engagements/{engagement.id}/review/{component_id}?done=1#decision", status_code=303)
