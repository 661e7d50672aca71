"""Consultant pages: engagements, roster counts, invite links, progress and de-identified transcripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from assistant import duplicates
from assistant.engagements import (
    EngagementError,
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
from assistant.models import Engagement
from assistant.routes.deps import ConsultantEngagement, PathId, TranscriptInPath, whole_number
from assistant.views.engagement import detail_context, engagement_list, transcript_context
from assistant.web import Consultant, CSRFDep, CurrentUser, RubricDep, SessionDep, render

router = APIRouter()
MAX_ROSTER_COUNT = 1_000_000  # more staff than any city has; a larger number is a typo


def _roster_from_form(form: FormData, engagement: Engagement) -> dict[tuple[str, str], int]:
    """{(department, role level): count} from the roster form; ``EngagementError`` listing every bad cell."""
    counts: dict[tuple[str, str], int] = {}
    problems = []
    for d_i, dept in enumerate(engagement.departments):
        for role in engagement.role_levels:
            raw = str(form.get(f"roster-{d_i}-{role}", "") or "").strip()
            if not raw:
                continue
            count = whole_number(raw, 0, MAX_ROSTER_COUNT)
            if count is None:
                problems.append(
                    f"Roster count for {dept} / {role} must be a whole number from 0 to "
                    f"{MAX_ROSTER_COUNT:,} (got '{raw[:40]}')."
                )
                continue
            counts[(dept, role)] = count
    if problems:
        raise EngagementError("Roster counts could not be saved.", problems)
    return counts


@router.get("/engagements")
def engagements(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The engagements the user is on the team of (consultants and equity reviewers alike)."""
    return render(request, "consultant/engagements.html", engagement_list(session, user))


@router.get("/engagements/new")
def new_engagement(request: Request, user: Consultant) -> Response:
    return render(request, "consultant/new.html", {"form": {}, "problems": []})


@router.post("/engagements", dependencies=[CSRFDep])
def create(
    request: Request,
    session: SessionDep,
    user: Consultant,
    organisation: Annotated[str, Form()] = "",
    departments: Annotated[str, Form()] = "",
    role_levels: Annotated[str, Form()] = "frontline, supervisor, manager, executive",
) -> Response:
    try:
        engagement = create_engagement(
            session, organisation, parse_list(departments), parse_list(role_levels), user=user
        )
    except EngagementError as exc:
        form = {"organisation": organisation, "departments": departments, "role_levels": role_levels}
        return render(request, "consultant/new.html", {"form": form, "problems": exc.problems}, status_code=422)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}?created=1#roster", status_code=303)


@router.get("/engagements/{engagement_id}")
def detail(request: Request, engagement: ConsultantEngagement, session: SessionDep, created: int = 0) -> Response:
    message = "Engagement created. Add roster counts and invite staff." if created else None
    return render(request, "consultant/detail.html", detail_context(session, engagement, message=message))


@router.get("/engagements/{engagement_id}/progress")
def progress_partial(request: Request, engagement: ConsultantEngagement, session: SessionDep) -> Response:
    return render(request, "consultant/_progress.html", detail_context(session, engagement))


@router.post("/engagements/{engagement_id}/roster", dependencies=[CSRFDep])
async def save_roster(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, user: Consultant
) -> Response:
    form = await request.form()
    try:
        set_roster(session, engagement, _roster_from_form(form, engagement), user)
    except EngagementError as exc:
        session.rollback()
        return render(
            request,
            "consultant/detail.html",
            detail_context(session, engagement, problems=exc.problems),
            status_code=422,
        )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#roster", status_code=303)


@router.post("/engagements/{engagement_id}/invites", dependencies=[CSRFDep])
def invite_one(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    user: Consultant,
    department: Annotated[str, Form()] = "",
    role_level: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        invite = create_invite(session, engagement, department, role_level, email or None, user=user, name=name)
    except EngagementError as exc:
        return render(
            request,
            "consultant/detail.html",
            detail_context(session, engagement, problems=exc.problems),
            status_code=422,
        )
    session.commit()
    return render(
        request,
        "consultant/detail.html",
        detail_context(
            session,
            engagement,
            new_invites=[invite],
            message="Invite created. Copy the link now: it is shown only once.",
        ),
    )


@router.post("/engagements/{engagement_id}/invites/import", dependencies=[CSRFDep])
async def invite_bulk(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    user: Consultant,
    file: Annotated[UploadFile, File()],
) -> Response:
    try:
        # the file as Starlette spooled it (capped by the body-limit middleware), read in chunks
        invites = import_invites_csv(session, engagement, file.file, user=user)
    except EngagementError as exc:
        session.rollback()
        return render(
            request,
            "consultant/detail.html",
            detail_context(session, engagement, problems=[str(exc)] + exc.problems),
            status_code=422,
        )
    session.commit()
    return render(
        request,
        "consultant/detail.html",
        detail_context(
            session,
            engagement,
            new_invites=invites,
            message=f"{len(invites)} invites created. Download or copy the links now: they are shown only once.",
        ),
    )


@router.post("/engagements/{engagement_id}/open-link", dependencies=[CSRFDep])
def open_link(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    user: Consultant,
    enabled: Annotated[str, Form()] = "on",
) -> Response:
    """Turn the open link on or off, or replace it ("renew"); a new link is shown on this one page only."""
    token = enable_open_link(session, engagement, enabled in ("on", "renew"), user, renew=enabled == "renew")
    session.commit()
    if token is None:
        return RedirectResponse(f"/engagements/{engagement.id}#open-link", status_code=303)
    return render(
        request,
        "consultant/detail.html",
        detail_context(
            session,
            engagement,
            new_open_link=token,
            message="Open link ready. Copy it now: like invite links, it is shown only once.",
        ),
    )


@router.post("/engagements/{engagement_id}/participants/check", dependencies=[CSRFDep])
def check_duplicates(request: Request, engagement: ConsultantEngagement, session: SessionDep) -> Response:
    """Look for near-duplicate open-link answers now (a rating run also does, before it rates)."""
    flagged = duplicates.flag_near_duplicates(session, engagement.id)
    session.commit()
    message = (
        f"{len(flagged)} open-link participant(s) newly flagged: check them below."
        if flagged
        else "No new near-duplicate open-link answers."
    )
    return render(request, "consultant/detail.html", detail_context(session, engagement, message=message))


@router.post("/engagements/{engagement_id}/participants/{participant_id}/accept", dependencies=[CSRFDep])
def accept_flagged(
    request: Request, engagement: ConsultantEngagement, participant_id: PathId, session: SessionDep, user: Consultant
) -> Response:
    """Accept a flagged open-link participant's answers: they count in the next rating run."""
    try:
        duplicates.accept(session, engagement, participant_id, user)
    except duplicates.FlagError as exc:
        return render(
            request, "consultant/detail.html", detail_context(session, engagement, problems=[str(exc)]), status_code=404
        )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#flagged", status_code=303)


@router.post("/engagements/{engagement_id}/llm", dependencies=[CSRFDep])
def llm_switch(
    engagement: ConsultantEngagement, session: SessionDep, user: Consultant, enabled: Annotated[str, Form()] = "on"
) -> Response:
    """Switch the LLM on or off for this engagement's probes, theme labels and ratings (audited)."""
    set_llm_enabled(session, engagement, enabled == "on", user)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#engine", status_code=303)


@router.post("/engagements/{engagement_id}/roster-names", dependencies=[CSRFDep])
def save_roster_names(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    user: Consultant,
    names: Annotated[str, Form()] = "",
) -> Response:
    """Replace the staff names used for redaction (one per line); a refused list keeps what was typed."""
    try:
        set_roster_names(session, engagement, parse_names(names), user)
    except EngagementError as exc:
        session.rollback()
        return render(
            request,
            "consultant/detail.html",
            detail_context(session, engagement, problems=exc.problems, roster_names=names),
            status_code=422,
        )
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#names", status_code=303)


@router.get("/engagements/{engagement_id}/transcripts/{interview_id}")
def transcript(
    request: Request, engagement: ConsultantEngagement, found: TranscriptInPath, session: SessionDep, rubric: RubricDep
) -> Response:
    """A de-identified transcript: participant number, department and role, never name or email."""
    interview, participant = found
    return render(
        request, "consultant/transcript.html", transcript_context(session, engagement, interview, participant, rubric)
    )
