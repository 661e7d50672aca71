"""Consultant pages: engagements, roster counts, invite links, progress and de-identified transcripts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import SkipJsonSchema

from assistant.models import Engagement
from assistant.records import duplicates
from assistant.records.engagements import (
    EngagementError,
    Invitee,
    create_engagement,
    create_invite,
    enable_open_link,
    import_invites_csv,
    parse_list,
    parse_names,
    set_llm_enabled,
    set_roster,
    set_roster_names,
)
from assistant.security import whole_number_type
from assistant.views.engagement import detail_context, engagement_list, transcript_context
from assistant.web.forms import GroupForm, NamedByData, PagePost, PagePostDep, Refusable, gathered
from assistant.web.routes.deps import ConsultantEngagement, PathLabel, TranscriptInPath
from assistant.web.shell import Consultant, CSRFDep, CurrentUser, RubricDep, SessionDep, SettingsDep, render

router = APIRouter()
MAX_ROSTER_COUNT = 1_000_000  # more staff than any city has; a larger number is a typo
RosterCount = whole_number_type(0, MAX_ROSTER_COUNT, blank=True)


class RosterForm(NamedByData, Refusable):
    """The roster grid as posted: ``roster-<department index>-<role level>``, a count or blank (left out)."""

    model_config = ConfigDict(
        json_schema_extra=NamedByData.pattern_schema(
            roster={"type": "integer", "minimum": 0, "maximum": MAX_ROSTER_COUNT}
        )
    )
    PREFIXES = ("roster",)

    counts: SkipJsonSchema[dict[str, RosterCount]] = gathered("roster")

    def by_group(self, engagement: Engagement) -> dict[tuple[str, str], int]:
        """{(department, role level): count} for the engagement's cells that were filled in."""
        cells = {
            f"{d_i}-{role}": (dept, role)
            for d_i, dept in enumerate(engagement.departments)
            for role in engagement.role_levels
        }
        return {cells[key]: count for key, count in self.counts.items() if key in cells and count is not None}


@router.get("/engagements")
def engagements(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The engagements the user is on the team of (consultants and equity reviewers alike)."""
    return render(request, "consultant/engagements.html", engagement_list(session, user))


@router.get("/engagements/new")
def new_engagement(request: Request, user: Consultant) -> Response:
    return render(request, "consultant/new.html", {"form": EngagementForm().model_dump(), "problems": []})


class EngagementForm(BaseModel):
    """The new-engagement form: departments and role levels as typed (comma-separated lists)."""

    organisation: str = ""
    departments: str = ""
    role_levels: str = "frontline, supervisor, manager, executive"


@router.post("/engagements", dependencies=[CSRFDep])
def create(
    f: PagePostDep, user: Consultant, settings: SettingsDep, posted: Annotated[EngagementForm, Form()]
) -> Response:
    try:
        engagement = create_engagement(
            f.session,
            posted.organisation,
            parse_list(posted.departments),
            parse_list(posted.role_levels),
            user=user,
            invite_ttl_days=settings.invite_ttl_days,
        )
    except EngagementError as exc:
        problems = exc.problems
        return f.refused("consultant/new.html", lambda: {"form": posted.model_dump(), "problems": problems})
    return f.saved(f"/engagements/{engagement.id}?created=1#roster")


@router.get("/engagements/{engagement_id}")
def detail(request: Request, engagement: ConsultantEngagement, session: SessionDep, created: int = 0) -> Response:
    message = "Engagement created. Add roster counts and invite staff." if created else None
    return render(request, "consultant/detail.html", detail_context(session, engagement, message=message))


@router.get("/engagements/{engagement_id}/progress")
def progress_partial(request: Request, engagement: ConsultantEngagement, session: SessionDep) -> Response:
    return render(request, "consultant/_progress.html", detail_context(session, engagement))


@dataclass
class SetupPage(PagePost):
    """What every form on the engagement page needs, and the three ways each ends: saved and back to
    a section of the page, the page shown with news (a link shown once), or refused with every
    problem and nothing saved."""

    engagement: ConsultantEngagement
    user: Consultant

    def done(self, anchor: str) -> Response:
        """Saved: back to the page at ``anchor``."""
        return self.saved(f"/engagements/{self.engagement.id}#{anchor}")

    def shown(self, message: str, **news: object) -> Response:
        """Commit and show the page with ``message`` and what must be seen now (new invites, a new link)."""
        self.session.commit()
        context = detail_context(self.session, self.engagement, message=message, **news)
        return render(self.request, "consultant/detail.html", context)

    def refuse(self, problems: list[str], status_code: int = 422, **typed: str) -> Response:
        """Refused: the page with the problems and what was typed."""
        return self.refused(
            "consultant/detail.html",
            lambda: detail_context(self.session, self.engagement, problems=problems, **typed),
            status_code,
        )


SetupPageDep = Annotated[SetupPage, Depends()]


@router.post("/engagements/{engagement_id}/roster", dependencies=[CSRFDep])
def save_roster(f: SetupPageDep, posted: Annotated[RosterForm, Form()]) -> Response:
    try:
        if posted.problems:
            raise EngagementError("Roster counts could not be saved.", posted.problems)
        set_roster(f.session, f.engagement, posted.by_group(f.engagement), f.user)
    except EngagementError as exc:
        return f.refuse(exc.problems)
    return f.done("roster")


class InviteForm(GroupForm):
    """One invite: the person's group, and optionally their email and name (used only for redaction)."""

    email: str = ""
    name: str = ""


@router.post("/engagements/{engagement_id}/invites", dependencies=[CSRFDep])
def invite_one(f: SetupPageDep, posted: Annotated[InviteForm, Form()]) -> Response:
    try:
        invite = create_invite(f.session, f.engagement, Invitee(**posted.model_dump()), user=f.user)
    except EngagementError as exc:
        return f.refuse(exc.problems)
    return f.shown("Invite created. Copy the link now: it is shown only once.", new_invites=[invite])


@router.post("/engagements/{engagement_id}/invites/import", dependencies=[CSRFDep])
async def invite_bulk(f: SetupPageDep, file: Annotated[UploadFile, File()]) -> Response:
    try:
        # the file as Starlette spooled it (capped by the body-limit middleware), read in chunks
        invites = import_invites_csv(f.session, f.engagement, file.file, user=f.user)
    except EngagementError as exc:
        return f.refuse([str(exc)] + exc.problems)
    message = f"{len(invites)} invites created. Download or copy the links now: they are shown only once."
    return f.shown(message, new_invites=invites)


@router.post("/engagements/{engagement_id}/open-link", dependencies=[CSRFDep])
def open_link(f: SetupPageDep, enabled: Annotated[str, Form()] = "on") -> Response:
    """Turn the open link on or off, or replace it ("renew"); a new link is shown on this one page only."""
    token = enable_open_link(f.session, f.engagement, enabled in ("on", "renew"), f.user, renew=enabled == "renew")
    if token is None:
        return f.done("open-link")
    return f.shown("Open link ready. Copy it now: like invite links, it is shown only once.", new_open_link=token)


@router.post("/engagements/{engagement_id}/participants/check", dependencies=[CSRFDep])
def check_duplicates(f: SetupPageDep) -> Response:
    """Look for near-duplicate open-link answers now, by words and meaning (a rating run also does)."""
    from assistant.embeddings import get_embedder

    settings = f.request.app.state.settings
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    flagged = duplicates.flag_near_duplicates(f.session, f.engagement.id, embedder)
    return f.shown(
        f"{len(flagged)} open-link participant(s) newly flagged: check them below."
        if flagged
        else "No new near-duplicate open-link answers."
    )


@router.post("/engagements/{engagement_id}/participants/{label}/accept", dependencies=[CSRFDep])
def accept_flagged(f: SetupPageDep, label: PathLabel) -> Response:
    """Accept a flagged open-link participant's answers (named by public label): they count in the next rating run."""
    try:
        duplicates.accept(f.session, f.engagement, label, f.user)
    except duplicates.FlagError as exc:
        return f.refuse([str(exc)], status_code=404)
    return f.done("flagged")


@router.post("/engagements/{engagement_id}/llm", dependencies=[CSRFDep])
def llm_switch(f: SetupPageDep, enabled: Annotated[str, Form()] = "on") -> Response:
    """Switch the LLM on or off for this engagement's probes, theme labels and ratings (audited)."""
    set_llm_enabled(f.session, f.engagement, enabled == "on", f.user)
    return f.done("engine")


@router.post("/engagements/{engagement_id}/roster-names", dependencies=[CSRFDep])
def save_roster_names(f: SetupPageDep, names: Annotated[str, Form()] = "") -> Response:
    """Replace the staff names used for redaction (one per line); a refused list keeps what was typed."""
    try:
        set_roster_names(f.session, f.engagement, parse_names(names), f.user)
    except EngagementError as exc:
        return f.refuse(exc.problems, typed_names=names)
    return f.done("names")


@router.get("/engagements/{engagement_id}/transcripts/{label}")
def transcript(
    request: Request, engagement: ConsultantEngagement, found: TranscriptInPath, session: SessionDep, rubric: RubricDep
) -> Response:
    """A de-identified transcript: participant number, department and role, never name or email."""
    interview, participant = found
    return render(
        request, "consultant/transcript.html", transcript_context(session, engagement, interview, participant, rubric)
    )
