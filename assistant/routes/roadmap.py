"""Consultant roadmap and report pages: targets and horizon, readiness confirm/adjust, generate,
edit (move, owner, custom, remove, restore), the report preview and its exports as background jobs.

Thin: parse the form, call one function of ``assistant.roadmap`` / ``assistant.report``, render the
page data from ``assistant.views.roadmap``. A refused edit re-renders the page with the reason (422);
nothing is half-saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from assistant.equity.findings import finding_counts
from assistant.models import RoadmapItem
from assistant.report.export import FORMATS, MEDIA_TYPES, run_export
from assistant.review import ReviewError
from assistant.roadmap import edits, readiness
from assistant.roadmap.generate import generate
from assistant.roadmap.targets import horizon_of, phases_for, save_plan
from assistant.routes.deps import ConsultantEngagement, PathId
from assistant.views.roadmap import export_context, latest_export, report_page, roadmap_page
from assistant.web import Consultant, CSRFDep, EngineDep, RubricDep, SessionDep, SettingsDep, is_htmx, render, run_panel

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


@dataclass
class RoadmapForm:
    """What every roadmap form needs (the engagement, the database session, the rubric, the consultant),
    and the one way each ends: saved and back to the page, or refused with the reason, nothing saved."""

    request: Request
    engagement: ConsultantEngagement
    session: SessionDep
    rubric: RubricDep
    user: Consultant

    def saved(self, done: str, anchor: str = "") -> Response:
        """Commit and go back to the roadmap page with ``MESSAGES[done]`` (303, so a reload posts nothing)."""
        self.session.commit()
        return _back(self.engagement.id, done, anchor)

    def refused(self, exc: Exception, form: dict | None = None) -> Response:
        """Roll back and show the page again with the reason and what was typed (422)."""
        self.session.rollback()
        page = roadmap_page(self.session, self.engagement, self.rubric, problems=[str(exc)], form=form or {})
        return render(self.request, "roadmap/page.html", page, status_code=422)

    def edit(self, item_id: int, change: Callable[[RoadmapItem], object], done: str) -> Response:
        """Apply ``change`` to the engagement's item ``item_id``: saved, or refused (``ReviewError``)."""
        try:
            change(edits.get_item(self.session, self.engagement, item_id))
        except ReviewError as exc:
            return self.refused(exc)
        return self.saved(done, f"#item-{item_id}")


RoadmapFormDep = Annotated[RoadmapForm, Depends()]


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
async def save_targets(f: RoadmapFormDep) -> Response:
    form = await f.request.form()
    targets: dict[str, int | None] = {}
    try:
        for comp in f.rubric.components:
            raw = str(form.get(f"target-{comp.id}", "") or "").strip()
            if raw and not raw.isdigit():
                raise ReviewError(f"the target for {comp.name} must be a level from 1 to 5")
            if raw:
                targets[comp.id] = int(raw)
        raw_horizon = str(form.get("horizon", "") or "").strip()
        horizon = int(raw_horizon) if raw_horizon.isdigit() else horizon_of(f.engagement)
        save_plan(f.session, f.engagement, targets, horizon, f.user, f.rubric)
    except ReviewError as exc:
        return f.refused(exc)
    return f.saved("targets", "#targets")


@router.post("/engagements/{engagement_id}/roadmap/readiness/{kind}", dependencies=[CSRFDep])
def confirm_readiness(
    f: RoadmapFormDep, kind: str, value: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""
) -> Response:
    try:
        readiness.confirm(f.session, f.engagement, kind, value, note, f.user, f.rubric)
    except ReviewError as exc:
        return f.refused(exc, {f"note-{kind}": note, f"value-{kind}": value})
    return f.saved("readiness", f"#readiness-{kind}")


@router.post("/engagements/{engagement_id}/roadmap/generate", dependencies=[CSRFDep])
def generate_roadmap(f: RoadmapFormDep) -> Response:
    generate(f.session, f.engagement, f.rubric, f.user, equity=finding_counts(f.session, f.engagement.id))
    return f.saved("generated", "#roadmap")


def _phase(raw: str) -> int:
    """The phase number chosen in a form; ``RoadmapEditError`` when it is not one."""
    if not raw.strip().isdigit():
        raise edits.RoadmapEditError("choose one of the roadmap's phases")
    return int(raw)


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/move", dependencies=[CSRFDep])
def move_item(f: RoadmapFormDep, item_id: PathId, phase: Annotated[str, Form()] = "") -> Response:
    phases = phases_for(horizon_of(f.engagement))
    return f.edit(
        item_id, lambda item: edits.move(f.session, f.engagement, item, _phase(phase), f.user, phases), "moved"
    )


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/owner", dependencies=[CSRFDep])
def set_owner(f: RoadmapFormDep, item_id: PathId, owner: Annotated[str, Form()] = "") -> Response:
    return f.edit(item_id, lambda item: edits.set_owner(f.session, item, owner, f.user), "owner")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/remove", dependencies=[CSRFDep])
def remove_item(f: RoadmapFormDep, item_id: PathId, reason: Annotated[str, Form()] = "") -> Response:
    return f.edit(item_id, lambda item: edits.remove(f.session, item, reason, f.user), "removed")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/restore", dependencies=[CSRFDep])
def restore_item(f: RoadmapFormDep, item_id: PathId) -> Response:
    return f.edit(item_id, lambda item: edits.restore(f.session, item, f.user), "restored")


@router.post("/engagements/{engagement_id}/roadmap/custom", dependencies=[CSRFDep])
async def add_custom(f: RoadmapFormDep) -> Response:
    form = await f.request.form()
    fields = {k: str(form.get(k, "") or "") for k in ("title", "description", "component", "phase", "owner")}
    try:
        edits.add_custom(
            f.session,
            f.engagement,
            f.user,
            f.rubric,
            phases_for(horizon_of(f.engagement)),
            title=fields["title"],
            description=fields["description"],
            component=fields["component"],
            phase=_phase(fields["phase"]),
            owner=fields["owner"],
            depends_on=[str(v) for v in form.getlist("depends_on")],
        )
    except ReviewError as exc:
        return f.refused(exc, {f"custom-{k}": v for k, v in fields.items()})
    return f.saved("added", "#custom")


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
    db_engine: EngineDep,
    settings: SettingsDep,
    rubric: RubricDep,
    user: Consultant,
    format: Annotated[str, Form()] = "docx",
) -> Response:
    if format not in FORMATS:
        return render(
            request,
            "roadmap/report.html",
            report_page(session, engagement, rubric, problems=[f"Choose one of: {', '.join(FORMATS)}."]),
            status_code=422,
        )
    session.commit()
    out_dir = settings.upload_dir / "exports"

    def work(run_id: int) -> None:
        run_export(db_engine, engagement.id, rubric, format, out_dir, run_id)

    _run, created = request.app.state.jobs.submit(engagement.id, "export", work, started_by=user.id)
    if is_htmx(request):
        return run_panel(request, export_context(session, engagement))
    return RedirectResponse(
        f"/engagements/{engagement.id}/report?done={'started' if created else 'already'}#export", status_code=303
    )


@router.get("/engagements/{engagement_id}/report/exports/{run_id}")
def download(
    engagement: ConsultantEngagement, run_id: PathId, session: SessionDep, settings: SettingsDep, user: Consultant
) -> Response:
    run = latest_export(session, engagement, run_id)
    path = settings.upload_dir / "exports" / str(run.stats.get("file", "")) if run is not None else None
    if run is None or path is None or not path.is_file():
        raise HTTPException(404, "That export is not available any more; export the report again.")
    fmt = run.stats.get("format", "")
    return FileResponse(
        path, media_type=MEDIA_TYPES.get(fmt, "application/octet-stream"), filename=run.stats.get("filename", path.name)
    )
