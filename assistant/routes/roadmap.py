"""Consultant roadmap and report pages: targets and horizon, readiness confirm/adjust, generate,
edit (move, owner, custom, remove, restore), the report preview and its exports as background jobs.

Thin: parse the form, call one function of ``assistant.roadmap`` / ``assistant.report``, render the
page data from ``assistant.views.roadmap``. A refused edit re-renders the page with the reason (422);
nothing is half-saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from assistant.equity.findings import finding_counts
from assistant.models import Engagement, RoadmapItem
from assistant.report.export import FORMATS
from assistant.review import ReviewError
from assistant.roadmap import edits, readiness
from assistant.roadmap.generate import generate
from assistant.roadmap.targets import horizon_of, phases_for, save_plan
from assistant.routes.deps import ConsultantEngagement, PathId
from assistant.rubric import Rubric
from assistant.views.roadmap import export_context, export_download, report_page, roadmap_page
from assistant.web import Consultant, CSRFDep, RubricDep, SessionDep, is_htmx, render, run_panel

router = APIRouter()

MESSAGES = {
    "targets": "Targets and horizon saved. Generate the roadmap again to use them.",
    "readiness": "Readiness saved.",
    "generated": "Roadmap generated.",
    "moved": "Activity moved.",
    "owner": "Owner saved.",
    "removed": "Activity removed; it stays out when the roadmap is generated again.",
    "restored": "Activity restored.",
    "added": "Activity added.",
}


def _back(engagement_id: int, done: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/engagements/{engagement_id}/roadmap?done={done}{anchor}", status_code=303)


def _refused(
    request: Request,
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    exc: Exception,
    form: dict | None = None,
) -> Response:
    session.rollback()
    return render(
        request,
        "roadmap/page.html",
        roadmap_page(session, engagement, rubric, problems=[str(exc)], form=form or {}),
        status_code=422,
    )


def _edit(
    request: Request,
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    item_id: int,
    change: Callable[[RoadmapItem], object],
    done: str,
) -> Response:
    try:
        item = edits.get_item(session, engagement, item_id)
        change(item)
    except ReviewError as exc:
        return _refused(request, session, engagement, rubric, exc)
    session.commit()
    return _back(engagement.id, done, f"#item-{item_id}")


@router.get("/engagements/{engagement_id}/roadmap")
def page(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    done: str = "",
) -> Response:
    return render(request, "roadmap/page.html", roadmap_page(session, engagement, rubric, message=MESSAGES.get(done)))


@router.post("/engagements/{engagement_id}/roadmap/targets", dependencies=[CSRFDep])
async def save_targets(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, rubric: RubricDep, user: Consultant
) -> Response:
    form = await request.form()
    targets: dict[str, int | None] = {}
    try:
        for comp in rubric.components:
            raw = str(form.get(f"target-{comp.id}", "") or "").strip()
            if raw and not raw.isdigit():
                raise ReviewError(f"the target for {comp.name} must be a level from 1 to 5")
            if raw:
                targets[comp.id] = int(raw)
        raw_horizon = str(form.get("horizon", "") or "").strip()
        horizon = int(raw_horizon) if raw_horizon.isdigit() else horizon_of(engagement)
        save_plan(session, engagement, targets, horizon, user, rubric)
    except ReviewError as exc:
        return _refused(request, session, engagement, rubric, exc)
    session.commit()
    return _back(engagement.id, "targets", "#targets")


@router.post("/engagements/{engagement_id}/roadmap/readiness/{kind}", dependencies=[CSRFDep])
def confirm_readiness(
    request: Request,
    engagement: ConsultantEngagement,
    kind: str,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    value: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        readiness.confirm(session, engagement, kind, value, note, user, rubric)
    except ReviewError as exc:
        return _refused(request, session, engagement, rubric, exc, {f"note-{kind}": note, f"value-{kind}": value})
    session.commit()
    return _back(engagement.id, "readiness", f"#readiness-{kind}")


@router.post("/engagements/{engagement_id}/roadmap/generate", dependencies=[CSRFDep])
def generate_roadmap(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, rubric: RubricDep, user: Consultant
) -> Response:
    generate(session, engagement, rubric, user, equity=finding_counts(session, engagement.id))
    session.commit()
    return _back(engagement.id, "generated", "#roadmap")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/move", dependencies=[CSRFDep])
def move_item(
    request: Request,
    engagement: ConsultantEngagement,
    item_id: PathId,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    phase: Annotated[str, Form()] = "",
) -> Response:
    phases = phases_for(horizon_of(engagement))

    def change(item: RoadmapItem) -> None:
        if not phase.strip().isdigit():
            raise edits.RoadmapEditError("choose one of the roadmap's phases")
        edits.move(session, engagement, item, int(phase), user, phases)

    return _edit(request, session, engagement, rubric, item_id, change, "moved")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/owner", dependencies=[CSRFDep])
def set_owner(
    request: Request,
    engagement: ConsultantEngagement,
    item_id: PathId,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    owner: Annotated[str, Form()] = "",
) -> Response:
    return _edit(
        request, session, engagement, rubric, item_id, lambda item: edits.set_owner(session, item, owner, user), "owner"
    )


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/remove", dependencies=[CSRFDep])
def remove_item(
    request: Request,
    engagement: ConsultantEngagement,
    item_id: PathId,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _edit(
        request, session, engagement, rubric, item_id, lambda item: edits.remove(session, item, reason, user), "removed"
    )


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/restore", dependencies=[CSRFDep])
def restore_item(
    request: Request,
    engagement: ConsultantEngagement,
    item_id: PathId,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
) -> Response:
    return _edit(
        request, session, engagement, rubric, item_id, lambda item: edits.restore(session, item, user), "restored"
    )


@router.post("/engagements/{engagement_id}/roadmap/custom", dependencies=[CSRFDep])
async def add_custom(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, rubric: RubricDep, user: Consultant
) -> Response:
    form = await request.form()
    fields = {k: str(form.get(k, "") or "") for k in ("title", "description", "component", "phase", "owner")}
    try:
        if not fields["phase"].strip().isdigit():
            raise edits.RoadmapEditError("choose one of the roadmap's phases")
        edits.add_custom(
            session,
            engagement,
            user,
            rubric,
            phases_for(horizon_of(engagement)),
            title=fields["title"],
            description=fields["description"],
            component=fields["component"],
            phase=int(fields["phase"]),
            owner=fields["owner"],
            depends_on=[str(v) for v in form.getlist("depends_on")],
        )
    except ReviewError as exc:
        return _refused(request, session, engagement, rubric, exc, {f"custom-{k}": v for k, v in fields.items()})
    session.commit()
    return _back(engagement.id, "added", "#custom")


# --- the report ----------------------------------------------------------------------------


@router.get("/engagements/{engagement_id}/report")
def report(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    done: str = "",
) -> Response:
    messages = {
        "started": "Export started. It runs in the background; the download link appears when it is ready.",
        "already": "An export is already running for this engagement; follow it below.",
    }
    return render(request, "roadmap/report.html", report_page(session, engagement, rubric, message=messages.get(done)))


@router.post("/engagements/{engagement_id}/report/export", dependencies=[CSRFDep])
def start_export(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    format: Annotated[str, Form()] = "docx",
) -> Response:
    """Queue an export in ``format``; a background worker (in any app process) builds it and the page
    offers the download when it is ready."""
    if format not in FORMATS:
        return render(
            request,
            "roadmap/report.html",
            report_page(session, engagement, rubric, problems=[f"Choose one of: {', '.join(FORMATS)}."]),
            status_code=422,
        )
    session.commit()
    _run, created = request.app.state.jobs.submit(
        engagement.id, "export", started_by=user.id, params={"format": format}
    )
    if is_htmx(request):
        return run_panel(request, export_context(session, engagement))
    return RedirectResponse(
        f"/engagements/{engagement.id}/report?done={'started' if created else 'already'}#export", status_code=303
    )


@router.get("/engagements/{engagement_id}/report/exports/{run_id}")
def download(engagement: ConsultantEngagement, run_id: PathId, session: SessionDep, user: Consultant) -> Response:
    stored = export_download(session, engagement, run_id)
    if stored is None:
        raise HTTPException(404, "That export is not available any more; export the report again.")
    # as Starlette's FileResponse does: a name beyond ASCII goes in the RFC 5987 form
    quoted = quote(stored.filename)
    if quoted == stored.filename:
        disposition = f'attachment; filename="{stored.filename}"'
    else:
        disposition = f"attachment; filename*=utf-8''{quoted}"
    return Response(stored.data, media_type=stored.media_type, headers={"Content-Disposition": disposition})
