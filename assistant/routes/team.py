"""The team page: who is on an engagement's team; the lead adds and removes members by email and
sets the engagement's equity settings. A new account's one-time set-password link is shown once.

Thin: parsing, one call to ``assistant.teams`` or ``assistant.equity.config``, rendering
``assistant.views.team``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.equity.config import SettingsError, parse_settings
from assistant.routes.deps import ConsultantEngagement, LeadEngagement, PathId
from assistant.security import audit
from assistant.teams import TeamError, add_member, remove_member
from assistant.views.team import team_context
from assistant.web import CSRFDep, CurrentUser, SessionDep, render

router = APIRouter()

_DONE = {"removed": "Removed from the team.", "settings": "Equity settings saved."}


@router.get("/engagements/{engagement_id}/team")
def team(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, user: CurrentUser, done: str = ""
) -> Response:
    return render(request, "team/team.html", team_context(session, engagement, user, message=_DONE.get(done)))


@router.post("/engagements/{engagement_id}/team/members", dependencies=[CSRFDep])
def add(
    request: Request,
    engagement: LeadEngagement,
    session: SessionDep,
    user: CurrentUser,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "consultant",
) -> Response:
    """Add (or change the role of) a member; a new account's set-password link is shown on this page only."""
    try:
        added = add_member(session, engagement, email, role, user)
    except TeamError as exc:
        session.rollback()
        return render(
            request,
            "team/team.html",
            team_context(session, engagement, user, problems=[str(exc)], form={"email": email, "role": role}),
            status_code=422,
        )
    session.commit()
    return render(request, "team/team.html", team_context(session, engagement, user, added=added))


@router.post("/engagements/{engagement_id}/team/members/{user_id}/remove", dependencies=[CSRFDep])
def remove(
    request: Request, engagement: LeadEngagement, user_id: PathId, session: SessionDep, user: CurrentUser
) -> Response:
    try:
        remove_member(session, engagement, user_id, user)
    except TeamError as exc:
        session.rollback()
        return render(
            request, "team/team.html", team_context(session, engagement, user, problems=[str(exc)]), status_code=422
        )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}/team?done=removed", status_code=303)


@router.post("/engagements/{engagement_id}/team/equity-settings", dependencies=[CSRFDep])
def equity_settings_form(
    request: Request,
    engagement: LeadEngagement,
    session: SessionDep,
    user: CurrentUser,
    min_cell: Annotated[str, Form()] = "",
    flag_ratio: Annotated[str, Form()] = "",
    question: Annotated[str, Form()] = "",
    options: Annotated[str, Form()] = "",
) -> Response:
    """Save the suppression threshold, the flag threshold and the optional attribute (audited)."""
    try:
        value = parse_settings(min_cell, flag_ratio, question, options)
    except SettingsError as exc:
        form = {"min_cell": min_cell, "flag_ratio": flag_ratio, "question": question, "options": options}
        return render(
            request,
            "team/team.html",
            team_context(session, engagement, user, problems=exc.problems, settings_form=form),
            status_code=422,
        )
    before = dict(engagement.settings.get("equity") or {})
    engagement.settings = {**engagement.settings, "equity": value}
    session.add(engagement)
    audit(
        session,
        "engagement.equity_settings",
        actor=user.email,
        actor_user_id=user.id,
        engagement_id=engagement.id,
        entity=f"engagement:{engagement.id}",
        before=before,
        after=value,
    )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}/team?done=settings#equity-settings", status_code=303)
