"""Following an organisation: roadmap progress (consultants and the city contact), starting a
follow-up assessment (the lead), comparing two assessments (consultants), the progress report
(consultants and the city contact; its files built by the background ``export`` run kind) and
participation over time (equity reviewers).

Thin: parse the form, call one function of ``assistant.followup`` (writes) or ``assistant.views``
(page data), render. A refused change shows the page again with the reason (422), nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

from assistant.followup import compare, organisation, progress
from assistant.models import Engagement, Membership, RoadmapItem
from assistant.records.review import ReviewError
from assistant.roadmap import edits
from assistant.security import MAX_ID, whole_number_type
from assistant.views.followup import (
    ProgressPage,
    compare_page,
    earlier_and_later,
    over_time_page,
    progress_download,
    progress_page,
    progress_report_page,
)
from assistant.web.forms import PagePost
from assistant.web.routes.deps import (
    ComparedEngagement,
    ConsultantEngagement,
    LeadEngagement,
    PathId,
    ReviewerEngagement,
    TrackerEngagement,
)
from assistant.web.shell import Consultant, CSRFDep, CurrentUser, RubricDep, SessionDep, attachment, render

router = APIRouter()
OwnerChoice = whole_number_type(0, MAX_ID, "choose someone on the team", blank=True)
ThemeChoice = whole_number_type(0, MAX_ID, "choose a theme", blank=True)

MESSAGES = {
    "status": "Status saved.",
    "note": "Note added.",
    "owner": "Owner saved.",
}


@dataclass
class TrackerPage(PagePost):
    """The progress page's rows (the engagement, the viewer's membership, the rubric) and how its
    posts end: back to the page with a message, or refused with the reason."""

    found: TrackerEngagement
    rubric: RubricDep
    user: CurrentUser

    @property
    def engagement(self) -> Engagement:
        return self.found[0]

    @property
    def member(self) -> Membership:
        return self.found[1]

    def page(self, message: str | None = None, problems: list[str] | None = None) -> ProgressPage:
        return progress_page(
            self.session, self.engagement, self.rubric, self.user, self.member.role, message=message, problems=problems
        )

    def change(self, item_id: int, apply: Callable[[RoadmapItem], None], done: str) -> Response:
        """Apply ``apply(item)`` to the engagement's item ``item_id``: saved, or refused (``ReviewError``)."""
        try:
            apply(edits.get_item(self.session, self.engagement, item_id))
        except ReviewError as exc:
            problems = [str(exc)]
            return self.refused("followup/progress.html", lambda: self.page(problems=problems))
        return self.saved(f"/engagements/{self.engagement.id}/progress-tracking?done={done}#item-{item_id}")


TrackerPageDep = Annotated[TrackerPage, Depends()]


@router.get("/engagements/{engagement_id}/progress-tracking")
def tracking(f: TrackerPageDep, done: str = "") -> Response:
    return render(f.request, "followup/progress.html", f.page(message=MESSAGES.get(done)))


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/status", dependencies=[CSRFDep])
def set_status(f: TrackerPageDep, item_id: PathId, posted: Annotated[progress.StatusChange, Form()]) -> Response:
    def apply(item: RoadmapItem) -> None:
        progress.set_status(f.session, f.engagement, item, posted, f.user, f.member.role)

    return f.change(item_id, apply, "status")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/notes", dependencies=[CSRFDep])
def add_note(f: TrackerPageDep, item_id: PathId, posted: Annotated[progress.NoteText, Form()]) -> Response:
    def apply(item: RoadmapItem) -> None:
        progress.add_note(f.session, f.engagement, item, posted, f.user, f.member.role)

    return f.change(item_id, apply, "note")


@router.post("/engagements/{engagement_id}/roadmap/items/{item_id}/assign", dependencies=[CSRFDep])
def assign(
    f: TrackerPageDep, engagement: ConsultantEngagement, item_id: PathId, owner: Annotated[OwnerChoice, Form()] = None
) -> Response:
    def apply(item: RoadmapItem) -> None:
        progress.set_progress_owner(f.session, engagement, item, owner or None, f.user)

    return f.change(item_id, apply, "owner")


class FollowUpForm(BaseModel):
    """Start a follow-up: ``pulse`` or ``full``, and the new engagement's name (blank: "<name> (follow-up)")."""

    kind: str = "pulse"
    name: str = ""


@router.post("/engagements/{engagement_id}/follow-up", dependencies=[CSRFDep])
def follow_up(
    f: TrackerPageDep, engagement: LeadEngagement, posted: Annotated[FollowUpForm, Form()], user: Consultant
) -> Response:
    try:
        new = organisation.start_follow_up(f.session, engagement, posted.kind, user, f.rubric, posted.name)
    except ReviewError as exc:
        problems = [str(exc)]
        return f.refused("followup/progress.html", lambda: f.page(problems=problems))
    return f.saved(f"/engagements/{new.id}#roster")


# --- comparing two assessments -----------------------------------------------------------------


@dataclass
class ComparePost(PagePost):
    engagement: ConsultantEngagement
    other: ComparedEngagement
    rubric: RubricDep
    user: Consultant

    def url(self, anchor: str = "") -> str:
        return f"/engagements/{self.engagement.id}/compare/{self.other.id}{anchor}"


ComparePostDep = Annotated[ComparePost, Depends()]
COMPARE_MESSAGES = {
    "match": "Match saved: it is kept over the machine's.",
    "noise": "Measuring the re-run noise in the background; reload in a minute.",
    "already": "The re-run noise is being measured already.",
}


@router.get("/engagements/{engagement_id}/compare/{other_id}")
def comparison(f: ComparePostDep, done: str = "") -> Response:
    page = compare_page(f.session, f.engagement, f.other, f.rubric, message=COMPARE_MESSAGES.get(done))
    return render(f.request, "followup/compare.html", page)


class MatchForm(BaseModel):
    """A consultant's match: the earlier theme and the later theme (0: none, i.e. gone or appeared)."""

    a_theme: ThemeChoice = None
    b_theme: ThemeChoice = None


@router.post("/engagements/{engagement_id}/compare/{other_id}/matches", dependencies=[CSRFDep])
def correct(f: ComparePostDep, posted: Annotated[MatchForm, Form()]) -> Response:
    earlier, later = earlier_and_later(f.engagement, f.other)
    try:
        compare.correct_match(f.session, earlier, later, posted.a_theme or None, posted.b_theme or None, f.user)
    except ReviewError as exc:
        problems = [str(exc)]
        return f.refused(
            "followup/compare.html",
            lambda: compare_page(f.session, f.engagement, f.other, f.rubric, problems=problems),
        )
    return f.saved(f.url("?done=match#themes"))


@router.post("/engagements/{engagement_id}/compare/{other_id}/noise", dependencies=[CSRFDep])
def measure_noise(f: ComparePostDep) -> Response:
    _earlier, later = earlier_and_later(f.engagement, f.other)
    created = f.queue(later.id, "compare", f.user.id)
    return f.saved(f.url(f"?done={'noise' if created else 'already'}#noise"))


# --- the progress report and participation over time ------------------------------------------


PROGRESS_EXPORT_MESSAGES = {
    "started": "Export started. It runs in the background; the download appears below when it is ready.",
    "already": (
        "Another export of this engagement (the report or the progress report) is being built; "
        "export again when it is done."
    ),
}


@router.get("/engagements/{engagement_id}/progress-report")
def progress_report(f: TrackerPageDep, done: str = "") -> Response:
    page = progress_report_page(f.session, f.engagement, f.rubric, message=PROGRESS_EXPORT_MESSAGES.get(done))
    return render(f.request, "followup/progress_report.html", page)


class ProgressExportForm(BaseModel):
    """The progress report's export: Word, PDF or HTML (anything else is a 422 naming the field)."""

    format: Literal["docx", "pdf", "html"] = "docx"


@router.post("/engagements/{engagement_id}/progress-report/export", dependencies=[CSRFDep])
def export_progress_report(f: TrackerPageDep, posted: Annotated[ProgressExportForm, Form()]) -> Response:
    """Queue the progress report's export (the ``export`` run kind, as the engagement report's); a
    background worker in any app process builds it and the page offers the download when it is ready."""
    params = {"format": posted.format, "report": "progress"}
    created = f.queue(f.engagement.id, "export", f.user.id, params=params)
    return f.saved(f"/engagements/{f.engagement.id}/progress-report?done={'started' if created else 'already'}#exports")


@router.get("/engagements/{engagement_id}/progress-report/exports/{run_id}")
def progress_report_file(f: TrackerPageDep, run_id: PathId) -> Response:
    stored = progress_download(f.session, f.engagement, run_id)
    if stored is None:
        raise HTTPException(404, "That export is not available any more; export the progress report again.")
    return attachment(stored.data, stored.media_type, stored.filename)


@router.get("/engagements/{engagement_id}/equity/over-time")
def over_time(request: Request, engagement: ReviewerEngagement, session: SessionDep) -> Response:
    return render(request, "equity/over_time.html", over_time_page(session, engagement))
