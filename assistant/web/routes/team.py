"""The team page: who is on an engagement's team; the lead adds and removes members by email and
sets the engagement's equity settings. A new account's one-time set-password link is shown once.

Thin: parsing, one call to ``assistant.records.teams`` or ``assistant.equity.config``, rendering
``assistant.views.team``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from assistant.equity.config import MinCell, SettingsError, parse_settings, save_settings
from assistant.records.engagements import EngagementError, parse_open_link_hourly, set_open_link_hourly
from assistant.records.teams import TeamError, add_member, remove_member
from assistant.views.team import team_context
from assistant.web.forms import PagePost, Refusable
from assistant.web.routes.deps import ConsultantEngagement, LeadEngagement, PathId
from assistant.web.shell import CSRFDep, CurrentUser, SessionDep, render

router = APIRouter()

_DONE = {
    "removed": "Removed from the team.",
    "settings": "Equity settings saved.",
    "open-link": "Open-link sign-up limit saved.",
}


@router.get("/engagements/{engagement_id}/team")
def team(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, user: CurrentUser, done: str = ""
) -> Response:
    return render(request, "team/team.html", team_context(session, engagement, user, message=_DONE.get(done)))


@dataclass
class TeamPage(PagePost):
    """What every form of the team page needs (the lead's engagement), and the two ways each ends:
    saved and back to the page with its message, or refused with the reason and nothing saved."""

    engagement: LeadEngagement
    user: CurrentUser

    def done(self, done: str, anchor: str = "") -> Response:
        """Saved: back to the team page with ``_DONE[done]``."""
        return self.saved(f"/engagements/{self.engagement.id}/team?done={done}{anchor}")

    def refuse(self, problems: list[str], **typed: dict[str, str]) -> Response:
        """Refused: the team page with the problems and what was typed."""
        return self.refused(
            "team/team.html", lambda: team_context(self.session, self.engagement, self.user, problems=problems, **typed)
        )


TeamPageDep = Annotated[TeamPage, Depends()]


@router.post("/engagements/{engagement_id}/team/members", dependencies=[CSRFDep])
def add(f: TeamPageDep, email: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "consultant") -> Response:
    """Add (or change the role of) a member; a new account's set-password link is shown on this page only."""
    try:
        added = add_member(f.session, f.engagement, email, role, f.user)
    except TeamError as exc:
        return f.refuse([str(exc)], form={"email": email, "role": role})
    f.session.commit()
    return render(f.request, "team/team.html", team_context(f.session, f.engagement, f.user, added=added))


@router.post("/engagements/{engagement_id}/team/members/{user_id}/remove", dependencies=[CSRFDep])
def remove(f: TeamPageDep, user_id: PathId) -> Response:
    try:
        remove_member(f.session, f.engagement, user_id, f.user)
    except TeamError as exc:
        return f.refuse([str(exc)])
    return f.done("removed")


class EquitySettingsForm(Refusable):
    """The equity settings as typed: the two thresholds, the optional question and its options (one a line)."""

    min_cell: MinCell = None
    flag_ratio: str = ""
    question: str = ""
    options: str = ""


@router.post("/engagements/{engagement_id}/team/equity-settings", dependencies=[CSRFDep])
def equity_settings_form(f: TeamPageDep, posted: Annotated[EquitySettingsForm, Form()]) -> Response:
    """Save the suppression threshold, the flag threshold and the optional attribute (audited)."""
    try:
        settings = parse_settings(posted.min_cell, posted.flag_ratio, posted.question, posted.options, posted.problems)
        if posted.problems:
            raise SettingsError(posted.problems)
        save_settings(f.session, f.engagement, settings, f.user)
    except SettingsError as exc:
        typed = {k: "" if v is None else str(v) for k, v in posted.model_dump().items()} | posted.typed
        return f.refuse(exc.problems, settings_form=typed)
    return f.done("settings", "#equity-settings")


class OpenLinkLimitForm(BaseModel):
    """The open-link sign-up limit as typed: sign-ups one network address may make in an hour."""

    hourly: str = ""


@router.post("/engagements/{engagement_id}/team/open-link-limit", dependencies=[CSRFDep])
def open_link_limit_form(f: TeamPageDep, posted: Annotated[OpenLinkLimitForm, Form()]) -> Response:
    """Save how many open-link sign-ups one address may make in an hour (audited)."""
    try:
        set_open_link_hourly(f.session, f.engagement, parse_open_link_hourly(posted.hourly), f.user)
    except EngagementError as exc:
        return f.refuse(exc.problems, open_link_form=posted.model_dump())
    return f.done("open-link", "#open-link-limit")
