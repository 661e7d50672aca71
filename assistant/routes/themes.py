"""Consultant theme pages: run synthesis in the background, read and curate themes per component
(the survey CSV import lives in ``routes/survey_import.py``).

Thin: parsing, calling ``assistant.synthesis`` / ``assistant.imports`` / ``assistant.jobs``,
rendering the page data of ``assistant.views.themes``. Every form works without JavaScript; with
htmx the run panel polls for progress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from assistant.models import Engagement, Theme
from assistant.routes.deps import ComponentInPath, ConsultantEngagement, ThemeInPath, form_id
from assistant.rubric import Rubric
from assistant.synthesis import curation
from assistant.views import lookup
from assistant.views.runs import run_context
from assistant.views.themes import component_context, overview_context, theme_context
from assistant.web import Consultant, CSRFDep, RubricDep, SessionDep, SettingsDep, is_htmx, render, run_panel

router = APIRouter()


# --- synthesis runs ------------------------------------------------------------------------


@router.post("/engagements/{engagement_id}/themes/run", dependencies=[CSRFDep])
def start_synthesis(
    request: Request, engagement: ConsultantEngagement, session: SessionDep, user: Consultant
) -> Response:
    """Queue synthesis of the engagement; a background worker (in any app process) runs it and the
    page follows its progress."""
    session.commit()  # hold no transaction while synthesis runs
    _run, created = request.app.state.jobs.submit(engagement.id, "synthesis", started_by=user.id)
    if is_htmx(request):
        return run_panel(request, run_context(session, engagement, "synthesis"))
    return RedirectResponse(
        f"/engagements/{engagement.id}/themes?{'started' if created else 'already'}=1#run", status_code=303
    )


# --- overview and component pages ------------------------------------------------------------


@router.get("/engagements/{engagement_id}/themes")
def overview(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    rubric: RubricDep,
    started: int = 0,
    already: int = 0,
    imported: int = 0,
    importing: int = 0,
    already_importing: int = 0,
) -> Response:
    message = None
    if started:
        message = "Synthesis started. It runs in the background; this page updates when it finishes."
    elif already:
        message = "Synthesis is already running for this engagement; follow it below."
    elif imported:
        message = f"Imported {imported} answers. Run synthesis to turn them into themes."
    elif importing:
        message = "Import started. It runs in the background; staff can keep answering meanwhile."
    elif already_importing:
        message = "An import is already running for this engagement; follow it below."
    return render(request, "themes/overview.html", overview_context(session, engagement, rubric, message))


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


def _curate(
    request: Request,
    session: Session,
    rubric: Rubric,
    engagement: Engagement,
    theme: Theme,
    apply: Callable[[], Curated],
    done: str,
    form: dict[str, str],
) -> Response:
    """Apply one curation, commit and redirect to the theme it leaves (with the new half of a split);
    on a CurationError roll back and re-render the theme with the reason (422): nothing half-done."""
    try:
        result = apply()
    except curation.CurationError as exc:
        session.rollback()  # the theme row is expired by the rollback and re-read as stored
        return render(
            request,
            "themes/theme.html",
            theme_context(session, engagement, rubric, theme, problems=[str(exc)], form=form),
            status_code=422,
        )
    session.commit()
    target = result[0] if isinstance(result, tuple) else result
    extra = f"&new={result[1].id}" if isinstance(result, tuple) else ""
    return RedirectResponse(f"/engagements/{engagement.id}/themes/t/{target.id}?done={done}{extra}", status_code=303)


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/rename", dependencies=[CSRFDep])
def rename(
    request: Request,
    engagement: ConsultantEngagement,
    user: Consultant,
    theme: ThemeInPath,
    session: SessionDep,
    rubric: RubricDep,
    label: Annotated[str, Form()] = "",
) -> Response:
    return _curate(
        request,
        session,
        rubric,
        engagement,
        theme,
        lambda: curation.rename(session, theme.id, label, user),
        "renamed",
        {"label": label},
    )


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/summary", dependencies=[CSRFDep])
def summary(
    request: Request,
    engagement: ConsultantEngagement,
    user: Consultant,
    theme: ThemeInPath,
    session: SessionDep,
    rubric: RubricDep,
    summary: Annotated[str, Form()] = "",
) -> Response:
    return _curate(
        request,
        session,
        rubric,
        engagement,
        theme,
        lambda: curation.edit_summary(session, theme.id, summary, user),
        "summary",
        {"summary": summary},
    )


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/merge", dependencies=[CSRFDep])
def merge(
    request: Request,
    engagement: ConsultantEngagement,
    user: Consultant,
    theme: ThemeInPath,
    session: SessionDep,
    rubric: RubricDep,
    other_id: Annotated[str, Form()] = "",
) -> Response:
    def apply() -> Theme:
        other_pk = form_id(other_id)
        if other_pk is None:
            raise curation.CurationError("Choose the theme to merge into this one.")
        other = lookup.theme(session, engagement.id, other_pk)
        if other is None:
            raise curation.CurationError("That theme is not part of this engagement. Reload the page.")
        return curation.merge(session, theme.id, other.id, user)

    return _curate(request, session, rubric, engagement, theme, apply, "merged", {"other_id": other_id})


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/split", dependencies=[CSRFDep])
def split(
    request: Request,
    engagement: ConsultantEngagement,
    user: Consultant,
    theme: ThemeInPath,
    session: SessionDep,
    rubric: RubricDep,
    settings: SettingsDep,
) -> Response:
    from assistant.embeddings import get_embedder

    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    return _curate(
        request,
        session,
        rubric,
        engagement,
        theme,
        lambda: curation.split(session, theme.id, embedder, user),
        "split",
        {},
    )


@router.post("/engagements/{engagement_id}/themes/t/{theme_id}/move", dependencies=[CSRFDep])
def move(
    request: Request,
    engagement: ConsultantEngagement,
    user: Consultant,
    theme: ThemeInPath,
    session: SessionDep,
    rubric: RubricDep,
    segment_id: Annotated[str, Form()] = "",
    target_id: Annotated[str, Form()] = "",
) -> Response:
    def apply() -> Theme:
        segment_pk, target_pk = form_id(segment_id), form_id(target_id)
        if segment_pk is None or target_pk is None:
            raise curation.CurationError("Choose the theme to move the segment to.")
        target = lookup.theme(session, engagement.id, target_pk)
        if target is None:
            raise curation.CurationError("That theme is not part of this engagement. Reload the page.")
        curation.move_segment(session, segment_pk, target.id, user)
        return theme  # stay on the theme the consultant was reading

    return _curate(request, session, rubric, engagement, theme, apply, "moved", {})
