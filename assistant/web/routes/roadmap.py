"""Consultant roadmap and report pages: targets and horizon, readiness confirm/adjust, generate,
edit (move, owner, custom, remove, restore), the report preview and its exports as background jobs.

Thin: parse the form, call one function of ``assistant.roadmap`` / ``assistant.report``, render the
page data from ``assistant.views.roadmap``. A refused edit re-renders the page with the reason (422);
nothing is half-saved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel

from assistant.equity.findings import finding_counts
from assistant.models import RoadmapItem
from assistant.models.settings import PageSize
from assistant.records.review import ReviewError
from assistant.report.export import embedder_for, set_page_size
from assistant.report.formats import FORMATS, ExportError, check_format
from assistant.roadmap import edits, readiness
from assistant.roadmap.generate import generate
from assistant.roadmap.targets import horizon_of, phases_for, save_plan
from assistant.security import whole_number_type
from assistant.views.report import report_page
from assistant.views.roadmap import export_context, export_download, roadmap_page
from assistant.web.forms import PagePost, Refusable, TargetsForm
from assistant.web.routes.deps import ConsultantEngagement, PathId
from assistant.web.shell import (
    Consultant,
    CSRFDep,
    RubricDep,
    SessionDep,
    SettingsDep,
    attachment,
    is_htmx,
    render,
)

router = APIRouter()
Horizon = whole_number_type(1, 120, "choose one of the horizons offered", blank=True)  # save_plan: the offered ones
Phase = whole_number_type(0, edits.PHASES, "choose one of the roadmap's phases")

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


@dataclass
class RoadmapPage(PagePost):
    """What the roadmap and report pages need (the engagement, the rubric, the consultant), and how
    each post on them ends: back to the roadmap with a message, or refused with the reason."""

    engagement: ConsultantEngagement
    rubric: RubricDep
    user: Consultant

    def done(self, done: str, anchor: str = "") -> Response:
        """Saved: back to the roadmap page with ``MESSAGES[done]``."""
        return self.saved(f"/engagements/{self.engagement.id}/roadmap?done={done}{anchor}")

    def refuse(self, exc: Exception, form: dict | None = None) -> Response:
        """Refused: the roadmap page with the reason and what was typed."""
        return self.refused(
            "roadmap/page.html",
            lambda: roadmap_page(self.session, self.engagement, self.rubric, problems=[str(exc)], form=form or {}),
        )

    def edit(self, item_id: int, change: Callable[[RoadmapItem], object], done: str) -> Response:
        """Apply ``change`` to the engagement's item ``item_id``: saved, or refused (``ReviewError``)."""
        try:
            change(edits.get_item(self.session, self.engagement, item_id))
        except ReviewError as exc:
            return self.refuse(exc)
        return self.done(done, f"#item-{item_id}")


RoadmapPageDep = Annotated[RoadmapPage, Depends()]


@router.get("/engagements/{engagement_id}/roadmap")
def page(f: RoadmapPageDep, done: str = "") -> Response:
    return render(
        f.request, "roadmap/page.html", roadmap_page(f.session, f.engagement, f.rubric, message=MESSAGES.get(done))
    )


class PlanForm(TargetsForm):
    """The roadmap's targets (a blank one is left as it is) and its horizon in months (blank: unchanged)."""

    horizon: Horizon = None


@router.post("/engagements/{engagement_id}/roadmap/targets", dependencies=[CSRFDep])
def save_targets(f: RoadmapPageDep, posted: Annotated[PlanForm, Form()]) -> Response:
    targets = {c.id: level for c in f.rubric.components if (level := posted.targets.get(c.id)) is not None}
    horizon = horizon_of(f.engagement) if posted.horizon is None else posted.horizon
    try:
        save_plan(f.session, f.engagement, targets, horizon, f.user, f.rubric)
    except ReviewError as exc:
        return f.refuse(exc)
    return f.done("targets", "#targets")


@router.post("/engagements/{engagement_id}/roadmap/readiness/{kind}", dependencies=[CSRFDep])
def confirm_readiness(
    f: RoadmapPageDep, kind: str, value: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""
) -> Response:
    try:
        readiness.confirm(f.session, f.engagement, kind, value, note, f.user, f.rubric)
    except ReviewError as exc:
        return f.refuse(exc, {f"note-{kind}": note, f"value-{kind}": value})
    return f.done("readiness", f"#readiness-{kind}")


@router.post("/engagements/{engagement_id}/roadmap/generate", dependencies=[CSRFDep])
def generate_roadmap(f: RoadmapPageDep) -> Response:
    generate(f.session, f.engagement, f.rubric, f.user, equity=finding_counts(f.session, f.engagement.id))
    return f.done("generated", "#roadmap")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/move", dependencies=[CSRFDep])
def move_item(f: RoadmapPageDep, item_id: PathId, phase: Annotated[Phase, Form()]) -> Response:
    phases = phases_for(horizon_of(f.engagement))
    return f.edit(item_id, lambda item: edits.move(f.session, f.engagement, item, phase, f.user, phases), "moved")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/owner", dependencies=[CSRFDep])
def set_owner(f: RoadmapPageDep, item_id: PathId, owner: Annotated[str, Form()] = "") -> Response:
    return f.edit(item_id, lambda item: edits.set_owner(f.session, item, owner, f.user), "owner")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/remove", dependencies=[CSRFDep])
def remove_item(f: RoadmapPageDep, item_id: PathId, reason: Annotated[str, Form()] = "") -> Response:
    return f.edit(item_id, lambda item: edits.remove(f.session, item, reason, f.user), "removed")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/restore", dependencies=[CSRFDep])
def restore_item(f: RoadmapPageDep, item_id: PathId) -> Response:
    return f.edit(item_id, lambda item: edits.restore(f.session, item, f.user), "restored")


class CustomForm(edits.CustomActivity, Refusable):
    """The custom-activity form: a refused phase shows the page again with what was typed."""


@router.post("/engagements/{engagement_id}/roadmap/custom", dependencies=[CSRFDep])
def add_custom(f: RoadmapPageDep, posted: Annotated[CustomForm, Form()]) -> Response:
    typed = posted.model_dump(exclude={"depends_on"})
    try:
        if posted.problems:
            typed.update({k: v for k, v in posted.typed.items() if k in typed})
            raise ReviewError("; ".join(posted.problems))
        edits.add_custom(f.session, f.engagement, f.user, f.rubric, phases_for(horizon_of(f.engagement)), posted)
    except ReviewError as exc:
        return f.refuse(exc, {f"custom-{k}": "" if v is None else str(v) for k, v in typed.items()})
    return f.done("added", "#custom")


# --- the report ----------------------------------------------------------------------------


@router.get("/engagements/{engagement_id}/report")
def report(f: RoadmapPageDep, settings: SettingsDep, done: str = "") -> Response:
    messages = {
        "started": "Export started. It runs in the background; the download link appears when it is ready.",
        "already": (
            "Another export of this engagement (the report or the progress report) is being built; "
            "export again when it is done."
        ),
        "page": "Page size saved; the next export uses it.",
    }
    page = report_page(
        f.session, f.engagement, f.rubric, embedder=embedder_for(settings, "html"), message=messages.get(done)
    )
    return render(f.request, "roadmap/report.html", page)


@router.post("/engagements/{engagement_id}/report/export", dependencies=[CSRFDep])
def start_export(f: RoadmapPageDep, settings: SettingsDep, format: Annotated[str, Form()] = "docx") -> Response:
    """Queue an export in ``format``; a background worker (in any app process) builds it and the page
    offers the download when it is ready."""
    try:
        check_format(format)
    except ExportError:
        problems = [f"Choose one of: {', '.join(FORMATS)}."]
        if is_htmx(f.request):  # the part the form swaps, with the message
            return f.refused(
                "roadmap/_export_panel.html",
                lambda: dataclasses.replace(export_context(f.session, f.engagement), problems=problems),
            )
        return f.refused(
            "roadmap/report.html",
            lambda: report_page(
                f.session, f.engagement, f.rubric, embedder=embedder_for(settings, "html"), problems=problems
            ),
        )
    engagement_id = f.engagement.id
    created = f.queue(engagement_id, "export", f.user.id, params={"format": format})
    if is_htmx(f.request):  # the run panel and the download together: the previous file is labelled as such
        return render(f.request, "roadmap/_export_panel.html", export_context(f.session, f.engagement))
    return f.saved(f"/engagements/{engagement_id}/report?done={'started' if created else 'already'}#export")


class PageSizeForm(BaseModel):
    """The report's paper size: US Letter or A4 (anything else is a 422 naming the field)."""

    page_size: PageSize


@router.post("/engagements/{engagement_id}/report/page-size", dependencies=[CSRFDep])
def save_page_size(f: RoadmapPageDep, posted: Annotated[PageSizeForm, Form()]) -> Response:
    set_page_size(f.session, f.engagement, posted.page_size, f.user)
    return f.saved(f"/engagements/{f.engagement.id}/report?done=page#page-size")


@router.get("/engagements/{engagement_id}/report/exports/{run_id}")
def download(engagement: ConsultantEngagement, run_id: PathId, session: SessionDep, user: Consultant) -> Response:
    stored = export_download(session, engagement, run_id)
    if stored is None:
        raise HTTPException(404, "That export is not available any more; export the report again.")
    return attachment(stored.data, stored.media_type, stored.filename)
