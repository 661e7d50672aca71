"""Consultant survey CSV import under the theme pages: upload a file, map its columns and groups, import.

Thin: parsing the upload and the mapping form, calling ``assistant.records.imports`` / ``assistant.csvfile``, and
rendering; the file waits between the two steps in ``assistant.records.uploads`` (the database, in chunks, not the
disk). Neither step holds the whole file in memory: it is read as a stream from the request's spooled file
and from the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from assistant.csvfile import MAX_BYTES, CSVImportError, Preview, file_source, preview
from assistant.models import Engagement
from assistant.records import uploads
from assistant.records.imports import UNKNOWN, Mapping, check_file, import_params
from assistant.rubric import Rubric
from assistant.web.routes.deps import ConsultantEngagement
from assistant.web.shell import Consultant, CSRFDep, RubricDep, SessionDep, render

router = APIRouter()


def _page(
    request: Request, engagement: Engagement, rubric: Rubric, status_code: int = 200, **extra: object
) -> Response:
    """The import page: an empty upload form, or ``extra``'s file, preview, mapping and problems."""
    ctx: dict[str, object] = {
        "engagement": engagement,
        "rubric": rubric,
        "problems": [],
        "header": [],
        "preview": [],
        "upload_id": "",
        "filename": "",
        "rows": 0,
        "form": {},
        "unknown": {"departments": [], "roles": []},
    }
    ctx.update(extra)
    return render(request, "themes/import.html", ctx, status_code=status_code)


def _problems(exc: CSVImportError) -> list[str]:
    """What a refused file shows: the headline, then each row-level problem."""
    return [str(exc).split("\n")[0], *exc.problems]


def _mapping_page(
    request: Request,
    engagement: Engagement,
    rubric: Rubric,
    shown: Preview,
    upload_id: str,
    filename: str,
    form: dict,
    problems: list[str] | None = None,
    unknown: dict[str, list[str]] | None = None,
) -> Response:
    """Step 2's page: the file's columns, its first rows and the mapping form (422 with problems), and
    the departments and role levels to map (``unknown``) when the file has ones the engagement lacks."""
    return _page(
        request,
        engagement,
        rubric,
        status_code=422 if problems else 200,
        problems=problems or [],
        header=shown.header,
        preview=shown.first,
        upload_id=upload_id,
        filename=filename,
        rows=shown.rows,
        form=form,
        unknown=unknown or {"departments": [], "roles": []},
    )


def _guess(header: list[str], *words: str) -> str:
    for h in header:
        if any(w in h.lower() for w in words):
            return h
    return ""


@router.get("/engagements/{engagement_id}/themes/import")
def import_form(request: Request, engagement: ConsultantEngagement, rubric: RubricDep) -> Response:
    return _page(request, engagement, rubric)


@router.post("/engagements/{engagement_id}/themes/import", dependencies=[CSRFDep])
def import_upload(
    request: Request,
    engagement: ConsultantEngagement,
    rubric: RubricDep,
    session: SessionDep,
    user: Consultant,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Step 1: read the whole file as a stream (refused, and nothing kept, if it is broken or too large),
    keep it in the database chunk by chunk, and ask which column holds what."""
    if file is None or not file.filename:
        return _page(request, engagement, rubric, status_code=422, problems=["Choose a CSV file to upload."])
    source = file_source(file.file)  # the request's spooled copy (the body cap was enforced while it arrived)
    try:
        shown = preview(source, MAX_BYTES)
        if not shown.rows:
            raise CSVImportError("The file has a header but no answers.")
    except CSVImportError as exc:
        return _page(request, engagement, rubric, status_code=422, problems=_problems(exc))
    # kept in the database: the mapping step, and the import run, may reach any app process
    upload_id = uploads.keep(session, engagement.id, source(), file.filename, created_by=user.id)
    header = shown.header
    form = {
        "text_column": _guess(header, "comment", "answer", "text", "response", "feedback"),
        "id_column": _guess(header, "respondent", "id"),
        "department_column": _guess(header, "department", "dept"),
        "role_column": _guess(header, "role", "level", "position"),
        "component_column": _guess(header, "component"),
    }
    return _mapping_page(request, engagement, rubric, shown, upload_id, file.filename, form)


_COLUMNS = ("text_column", "component", "component_column", "id_column", "department_column", "role_column")


class MappingForm(BaseModel):
    """Step 2's form: the kept upload, which column holds what, and the groups mapped so far (parallel
    lists: a file's value and the engagement's department or role level, or "unknown")."""

    upload_id: str
    filename: str = "upload.csv"
    text_column: str = ""
    component: str = ""
    component_column: str = ""
    id_column: str = ""
    department_column: str = ""
    role_column: str = ""
    dept_from: list[str] = []
    dept_to: list[str] = []
    role_from: list[str] = []
    role_to: list[str] = []

    def columns(self) -> dict[str, str]:
        """The column choices, shown again on the page."""
        return self.model_dump(include=set(_COLUMNS))

    def mapping(self, engagement: Engagement) -> Mapping:
        """The import's mapping; a group mapped to a value the engagement does not have is ignored."""
        return Mapping(
            text_column=self.text_column,
            component=self.component or None,
            component_column=self.component_column or None,
            id_column=self.id_column or None,
            department_column=self.department_column or None,
            role_column=self.role_column or None,
            department_map=_pairs(self.dept_from, self.dept_to, list(engagement.departments)),
            role_map=_pairs(self.role_from, self.role_to, list(engagement.role_levels)),
        )


def _pairs(sources: list[str], targets: list[str], allowed: list[str]) -> dict[str, str]:
    """A value map from the mapping form's parallel lists; a target outside ``allowed`` is ignored."""
    return {src: dst for src, dst in zip(sources, targets, strict=False) if src and (dst in allowed or dst == UNKNOWN)}


@router.post("/engagements/{engagement_id}/themes/import/confirm", dependencies=[CSRFDep])
def import_confirm(
    request: Request,
    engagement: ConsultantEngagement,
    session: SessionDep,
    rubric: RubricDep,
    user: Consultant,
    form: Annotated[MappingForm, Form()],
) -> Response:
    """Step 2: check the whole file with the chosen mapping; ask to map departments and role levels the
    engagement does not have; then import in the background (all rows or none) and follow its progress."""
    if not uploads.valid_ref(form.upload_id):
        raise HTTPException(400, "That upload reference is not valid. Upload the file again.")
    upload = uploads.find(session, engagement.id, form.upload_id)
    if upload is None:
        problem = "The uploaded file is no longer here (uploads are kept for a day). Upload it again."
        return _page(request, engagement, rubric, status_code=410, problems=[problem])
    mapping = form.mapping(engagement)
    source = uploads.source(session, upload.id)
    components = [c.id for c in rubric.components]
    try:
        if not form.text_column:
            raise CSVImportError("Choose the column that holds the answers.")
        if form.component and form.component_column:
            raise CSVImportError("Choose one component for the whole file, or a component column, not both.")
        checked = check_file(source, mapping, components, list(engagement.departments), list(engagement.role_levels))
    except CSVImportError as exc:
        problems, unknown, shown = _problems(exc), None, preview(source)
    else:
        if not checked.departments and not checked.roles:
            session.commit()  # hold no transaction while the import runs
            params = import_params(form.upload_id, form.filename, mapping)
            _run, created = request.app.state.jobs.submit(engagement.id, "import", started_by=user.id, params=params)
            return RedirectResponse(
                f"/engagements/{engagement.id}/themes?{'importing' if created else 'already_importing'}=1#imports",
                status_code=303,
            )
        # the check read the whole file already: the page shows what it kept, not a second read
        problems, unknown, shown = None, {"departments": checked.departments, "roles": checked.roles}, checked.shown
    return _mapping_page(
        request, engagement, rubric, shown, form.upload_id, form.filename, form.columns(), problems, unknown
    )
