"""Consultant theme pages: run synthesis in the background, read and curate themes per component
(the survey CSV import lives in ``routes/survey_import.py``).

Thin: parsing, calling ``assistant.synthesis`` / ``assistant.records.imports`` / ``assistant.jobs``,
rendering the page data of ``assistant.views.themes``. Every form works without JavaScript; with
htmx the run panel polls for progress.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from assistant.models import Theme
from assistant.synthesis import curation
from assistant.views import lookup
from assistant.views.runs import run_context
from assistant.views.themes import component_context, overview_context, theme_context
from assistant.web.forms import PagePost, PagePostDep
from assistant.web.routes.deps import ComponentInPath, ConsultantEngagement, ThemeInPath, form_id
from assistant.web.shell import Consultant, CSRFDep, RubricDep, SessionDep, SettingsDep, is_htmx, render, run_panel

router = APIRouter()


# --- synthesis runs ------------------------------------------------------------------------


@router.post("/engagements/{engagement_id}/themes/run", dependencies=[CSRFDep])
def start_synthesis(f: PagePostDep, engagement: ConsultantEngagement, user: Consultant) -> Response:
    """Queue synthesis of the engagement; a background worker (in any app process) runs it and the
    page follows its progress."""
    created = f.queue(engagement.id, "synthesis", user.id)
    if is_htmx(f.request):
        return run_panel(f.request, run_context(f.session, engagement, "synthesis"))
    return f.saved(f"/engagements/{engagement.id}/themes?{'started' if created else 'already'}=1#run")


# --- overview and component pages ------------------------------------------------------------


class OverviewNews(BaseModel):
    """What the overview page was sent back to say, as its query string carries it: a synthesis run
    started or already running, answers imported (how many), an import started or already running."""

    started: int = 0
    already: int = 0
    imported: int = 0
    importing: int = 0
    already_importing: int = 0

    def message(self) -> str | None:
        """The one line the page shows (the first that applies), or None."""
        if self.started:
            return "Synthesis started. It runs in the background; this page updates when it finishes."
        if self.already:
            return "Synthesis is already running for this engagement; follow it below."
        if self.imported:
            return f"Imported {self.imported} answers. Run synthesis to turn them into themes."
        if self.importing:
            return "Import started. It runs in the background; staff can keep answering meanwhile."
        if self.already_importing:
            return "An import is already running for this engagement; follow it below."
        return None


@router.get("/engagements/{engagement_id}/themes")
def overview(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    rubric: RubricDep,
    news: Annotated[OverviewNews, Query()],
) -> Response:
    return render(request, "themes/overview.html", overview_context(session, engagement, rubric, news.message()))


@router.get("/engagements/{engagement_id}/themes/c/{component_id}")
def component_page(
    request: Request, engagement: ConsultantEngagement, comp: ComponentInPath, session: SessionDep
) -> Response:
    return render(request, "themes/component.html", component_context(session, engagement, comp))


# --- one theme and its curation --------------------------------------------------------------


_DONE = {
    "renamed": "Label saved.",
    "summary": "Summary saved.",
    "merged": "Themes merged.",
    "moved": "Segment moved.",
    "split": "Theme split in two; the new theme is linked below.",
}


@router.get("/engagements/{engagement_id}/themes/t/{theme_id}")
def theme_page(
    request: Request,
    engagement: ConsultantEngagement,
    theme: ThemeInPath,
    session: SessionDep,
    rubric: RubricDep,
    done: str = "",
    new: Annotated[int, Query(ge=0, le=lookup.MAX_ID)] = 0,
) -> Response:
    return render(
        request,
        "themes/theme.html",
        theme_context(session, engagement, rubric, theme, new_theme_id=new, message=_DONE.get(done)),
    )


Curated = Theme | tuple[Theme, Theme]


@dataclass
class CurationPage(PagePost):
    """What every curation form of a theme page needs (the engagement, the consultant, the theme, the
    rubric), and how each ends: saved and on to the theme it leaves, or refused with the reason (422)."""

    engagement: ConsultantEngagement
    user: Consultant
    theme: ThemeInPath
    rubric: RubricDep

    def curate(self, apply: Callable[[], Curated], done: str, form: dict[str, str]) -> Response:
        """Apply one curation, commit and redirect to the theme it leaves (with the new half of a split);
        on a CurationError roll back and re-render the theme with the reason (422): nothing half-done."""
        try:
            result = apply()
        except curation.CurationError as exc:
            problems = [str(exc)]
            # built after the rollback: the theme row is expired by it and re-read as stored
            return self.refused(
                "themes/theme.html",
                lambda: theme_context(
                    self.session, self.engagement, self.rubric, self.theme, problems=problems, form=form
                ),
            )
        target = result[0] if isinstance(result, tuple) else result
        extra = f"&new={result[1].id}" if isinstance(result, tuple) else ""
        return self.saved(f"/engagements/{self.engagement.id}/themes/t/{target.id}?done={done}{extra}")


CurationPageDep = Annotated[CurationPage, Depends()]


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/rename", dependencies=[CSRFDep])
def rename(f: CurationPageDep, label: Annotated[str, Form()] = "") -> Response:
    return f.curate(lambda: curation.rename(f.session, f.theme.id, label, f.user), "renamed", {"label": label})


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/summary", dependencies=[CSRFDep])
def summary(f: CurationPageDep, summary: Annotated[str, Form()] = "") -> Response:
    return f.curate(
        lambda: curation.edit_summary(f.session, f.theme.id, summary, f.user), "summary", {"summary": summary}
    )


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/merge", dependencies=[CSRFDep])
def merge(f: CurationPageDep, other_id: Annotated[str, Form()] = "") -> Response:
    def apply() -> Theme:
        other_pk = form_id(other_id)
        if other_pk is None:
            raise curation.CurationError("Choose the theme to merge into this one.")
        other = lookup.theme(f.session, f.engagement.id, other_pk)
        if other is None:
            raise curation.CurationError("That theme is not part of this engagement. Reload the page.")
        return curation.merge(f.session, f.theme.id, other.id, f.user)

    return f.curate(apply, "merged", {"other_id": other_id})


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/split", dependencies=[CSRFDep])
def split(f: CurationPageDep, settings: SettingsDep) -> Response:
    from assistant.embeddings import get_embedder

    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    return f.curate(lambda: curation.split(f.session, f.theme.id, embedder, f.user), "split", {})


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/move", dependencies=[CSRFDep])
def move(
    f: CurationPageDep, segment_id: Annotated[str, Form()] = "", target_id: Annotated[str, Form()] = ""
) -> Response:
    def apply() -> Theme:
        segment_pk, target_pk = form_id(segment_id), form_id(target_id)
        if segment_pk is None or target_pk is None:
            raise curation.CurationError("Choose the theme to move the segment to.")
        target = lookup.theme(f.session, f.engagement.id, target_pk)
        if target is None:
            raise curation.CurationError("That theme is not part of this engagement. Reload the page.")
        curation.move_segment(f.session, segment_pk, target.id, f.user)
        return f.theme  # stay on the theme the consultant was reading

    return f.curate(apply, "moved", {})
