"""Consultant pages: engagements, roster counts, invite links, progress and de-identified transcripts."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Optional

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from assistant.engagements import (
    EngagementError,
    create_engagement,
    create_invite,
    enable_open_link,
    engagement_counts,
    import_invites_csv,
    parse_list,
    parse_names,
    progress,
    roster_names,
    roster_rows,
    set_llm_enabled,
    set_roster,
    set_roster_names,
)
from assistant.interview.actions import load_turns
from assistant.models import Engagement, Interview, Participant
from assistant.routes.deps import ConsultantEngagement
from assistant.web import Consultant, CSRFDep, RubricDep, SessionDep, SettingsDep, render

router = APIRouter()


def get_engagement(session, engagement_id: int) -> Engagement:  # noqa: ANN001
    engagement = session.get(Engagement, engagement_id)
    if engagement is None:
        raise HTTPException(404, "There is no such engagement.")
    return engagement


def get_component(rubric, component_id: str):  # noqa: ANN001, ANN201
    """The rubric component ``component_id``, or a 404 page."""
    try:
        return rubric.component(component_id)
    except KeyError:
        raise HTTPException(404, "There is no such component in the rubric.") from None


def _roster_from_form(form, engagement: Engagement) -> dict[tuple[str, str], int]:  # noqa: ANN001
    counts: dict[tuple[str, str], int] = {}
    problems = []
    for d_i, dept in enumerate(engagement.departments):
        for role in engagement.role_levels:
            raw = str(form.get(f"roster-{d_i}-{role}", "") or "").strip()
            if not raw:
                continue
            if not raw.isdigit():
                problems.append(f"Roster count for {dept} / {role} must be a whole number (got '{raw}').")
                continue
            counts[(dept, role)] = int(raw)
    if problems:
        raise EngagementError("Roster counts could not be saved.", problems)
    return counts


@router.get("/engagements")
def engagements(request: Request, session: SessionDep, user: Consultant) -> Response:
    rows = session.exec(select(Engagement).order_by(Engagement.created_at.desc())).all()
    return render(request, "consultant/engagements.html", {"engagements": rows, "counts": engagement_counts(session)})


@router.get("/engagements/new")
def new_engagement(request: Request, user: Consultant) -> Response:
    return render(request, "consultant/new.html", {"form": {}, "problems": []})


@router.post("/engagements", dependencies=[CSRFDep])
def create(
    request: Request, session: SessionDep, user: Consultant,
    organisation: Annotated[str, Form()] = "", departments: Annotated[str, Form()] = "",
    role_levels: Annotated[str, Form()] = "frontline, supervisor, manager, executive",
) -> Response:
    try:
        engagement = create_engagement(session, organisation, parse_list(departments), parse_list(role_levels), user=user)
    except EngagementError as exc:
        form = {"organisation": organisation, "departments": departments, "role_levels": role_levels}
        return render(request, "consultant/new.html", {"form": form, "problems": exc.problems}, status_code=422)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}?created=1#roster", status_code=303)


def _detail_context(session, engagement: Engagement, **extra) -> dict:  # noqa: ANN001, ANN003
    roster = {(r.department, r.role_level): r.count for r in roster_rows(session, engagement)}
    interviews = session.exec(
        select(Interview, Participant)
        .join(Participant, Participant.id == Interview.participant_id)
        .where(Participant.engagement_id == engagement.id, Participant.withdrawn_at.is_(None),
               Interview.state.in_(("in_progress", "review", "submitted")))
        .order_by(Interview.id)
    ).all()
    ctx = {"engagement": engagement, "progress": progress(session, engagement), "roster": roster,
           "interviews": interviews, "new_invites": [], "problems": [], "message": None,
           "invite_links_csv": invite_links_csv, "roster_names": "\n".join(roster_names(engagement))}
    ctx.update(extra)
    return ctx


@router.get("/engagements/{engagement_id}")
def detail(request: Request, engagement_id: int, session: SessionDep, user: Consultant, created: int = 0) -> Response:
    engagement = get_engagement(session, engagement_id)
    message = "Engagement created. Add roster counts and invite staff." if created else None
    return render(request, "consultant/detail.html", _detail_context(session, engagement, message=message))


@router.get("/engagements/{engagement_id}/progress")
def progress_partial(request: Request, engagement_id: int, session: SessionDep, user: Consultant) -> Response:
    engagement = get_engagement(session, engagement_id)
    return render(request, "consultant/_progress.html", _detail_context(session, engagement))


@router.post("/engagements/{engagement_id}/roster", dependencies=[CSRFDep])
async def save_roster(request: Request, engagement_id: int, session: SessionDep, user: Consultant) -> Response:
    engagement = get_engagement(session, engagement_id)
    form = await request.form()
    try:
        set_roster(session, engagement, _roster_from_form(form, engagement), user)
    except EngagementError as exc:
        session.rollback()
        return render(request, "consultant/detail.html", _detail_context(session, engagement, problems=exc.problems), status_code=422)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#roster", status_code=303)


@router.post("/engagements/{engagement_id}/invites", dependencies=[CSRFDep])
def invite_one(
    request: Request, engagement_id: int, session: SessionDep, settings: SettingsDep, user: Consultant,
    department: Annotated[str, Form()] = "", role_level: Annotated[str, Form()] = "", email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    engagement = get_engagement(session, engagement_id)
    try:
        invite = create_invite(session, engagement, department, role_level, email or None, user=user, name=name)
    except EngagementError as exc:
        return render(request, "consultant/detail.html", _detail_context(session, engagement, problems=exc.problems), status_code=422)
    session.commit()
    return render(request, "consultant/detail.html", _detail_context(
        session, engagement, new_invites=[invite], message="Invite created. Copy the link now: it is shown only once."))


@router.post("/engagements/{engagement_id}/invites/import", dependencies=[CSRFDep])
async def invite_bulk(
    request: Request, engagement_id: int, session: SessionDep, user: Consultant,
    file: Annotated[UploadFile, File()],
) -> Response:
    engagement = get_engagement(session, engagement_id)
    data = await file.read()
    try:
        invites = import_invites_csv(session, engagement, data, user=user)
    except EngagementError as exc:
        session.rollback()
        return render(request, "consultant/detail.html", _detail_context(
            session, engagement, problems=[str(exc)] + exc.problems), status_code=422)
    session.commit()
    return render(request, "consultant/detail.html", _detail_context(
        session, engagement, new_invites=invites,
        message=f"{len(invites)} invites created. Download or copy the links now: they are shown only once."))


@router.post("/engagements/{engagement_id}/open-link", dependencies=[CSRFDep])
def open_link(request: Request, engagement_id: int, session: SessionDep, user: Consultant,
              enabled: Annotated[str, Form()] = "on") -> Response:
    engagement = get_engagement(session, engagement_id)
    enable_open_link(session, engagement, enabled == "on", user)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#open-link", status_code=303)


@router.post("/engagements/{engagement_id}/llm", dependencies=[CSRFDep])
def llm_switch(engagement: ConsultantEngagement, session: SessionDep, user: Consultant,
               enabled: Annotated[str, Form()] = "on") -> Response:
    """Switch the LLM on or off for this engagement's probes, theme labels and ratings (audited)."""
    set_llm_enabled(session, engagement, enabled == "on", user)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#engine", status_code=303)


@router.post("/engagements/{engagement_id}/roster-names", dependencies=[CSRFDep])
def save_roster_names(request: Request, engagement: ConsultantEngagement, session: SessionDep, user: Consultant,
                      names: Annotated[str, Form()] = "") -> Response:
    """Replace the staff names used for redaction (one per line); a refused list keeps what was typed."""
    try:
        set_roster_names(session, engagement, parse_names(names), user)
    except EngagementError as exc:
        session.rollback()
        return render(request, "consultant/detail.html", _detail_context(
            session, engagement, problems=exc.problems, roster_names=names), status_code=422)
    session.commit()
    return RedirectResponse(f"/engagements/{engagement.id}#names", status_code=303)


def invite_links_csv(new_invites, base_url: str) -> str:  # noqa: ANN001
    """The links just created, as CSV text for download (they are not stored in readable form)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["department", "role_level", "email", "name", "link"])
    for inv in new_invites:
        p = inv.participant
        writer.writerow([p.department, p.role_level, p.email or "", p.name or "", f"{base_url}/i/{inv.token}"])
    return buf.getvalue()


@router.get("/engagements/{engagement_id}/transcripts/{interview_id}")
def transcript(request: Request, engagement_id: int, interview_id: int, session: SessionDep, rubric: RubricDep,
               user: Consultant) -> Response:
    """A de-identified transcript: participant number, department and role, never name or email."""
    engagement = get_engagement(session, engagement_id)
    interview = session.get(Interview, interview_id)
    participant: Optional[Participant] = session.get(Participant, interview.participant_id) if interview else None
    if interview is None or participant is None or participant.engagement_id != engagement.id:
        raise HTTPException(404, "There is no such transcript in this engagement.")
    if participant.withdrawn_at is not None:
        raise HTTPException(410, "This participant withdrew; their answers are no longer available.")
    turns = load_turns(session, interview)
    superseded = {t.supersedes_id for t in turns if t.supersedes_id}
    return render(request, "consultant/transcript.html", {
        "engagement": engagement, "interview": interview, "participant": participant,
        "turns": turns, "superseded": superseded, "rubric": rubric,
    })
