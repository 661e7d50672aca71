"""Consultant survey CSV import under the theme pages: upload a file, map its columns and groups, import.

Thin: parsing the upload and the mapping form, calling ``assistant.imports`` / ``assistant.csvfile``, and
rendering; the file waits between the two steps in ``assistant.uploads`` (the database, not the disk).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from assistant import uploads
from assistant.csvfile import MAX_BYTES, CSVImportError, Parsed, read_csv
from assistant.imports import UNKNOWN, Mapping, check_import, import_params, unknown_groups
from assistant.models import Engagement
from assistant.routes.deps import ConsultantEngagement
from assistant.rubric import Rubric
from assistant.web import Consultant, CSRFDep, RubricDep, SessionDep, render

router = APIRouter()


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, read in chunks; refused as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise CSVImportError(
                f"The file is larger than the {limit / 1e6:g} MB limit. Split it into smaller files and import each."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _import_context(engagement: Engagement, rubric: Rubric, **extra: object) -> dict[str, object]:
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
    return ctx


def _problems(exc: CSVImportError) -> list[str]:
    """What a refused file shows: the headline, then each row-level problem."""
    return [str(exc).split("\n")[0], *exc.problems]


def _mapping_page(
    request: Request,
    engagement: Engagement,
    rubric: Rubric,
    parsed: Parsed,
    upload_id: str,
    filename: str,
    form: dict,
    problems: list[str] | None = None,
    unknown: dict[str, list[str]] | None = None,
) -> Response:
    """Step 2's page: the file's columns, its first rows and the mapping form (422 with problems), and
    the departments and role levels to map (``unknown``) when the file has ones the engagement lacks."""
    return render(
        request,
        "themes/import.html",
        _import_context(
            engagement,
            rubric,
            problems=problems or [],
            header=parsed.header,
            preview=parsed.rows[:3],
            upload_id=upload_id,
            filename=filename,
            rows=len(parsed.rows),
            form=form,
            unknown=unknown or {"departments": [], "roles": []},
        ),
        status_code=422 if problems else 200,
    )


def _guess(header: list[str], *words: str) -> str:
    for h in header:
        if any(w in h.lower() for w in words):
            return h
    return ""


@router.get("/engagements/{engagement_id}/themes/import")
def import_form(request: Request, engagement: ConsultantEngagement, rubric: RubricDep) -> Response:
    return render(request, "themes/import.html", _import_context(engagement, rubric))


@router.post("/engagements/{engagement_id}/themes/import", dependencies=[CSRFDep])
async def import_upload(
    request: Request,
    engagement: ConsultantEngagement,
    rubric: RubricDep,
    session: SessionDep,
    user: Consultant,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Step 1: keep the file, read its header, and ask which column holds what."""
    if file is None or not file.filename:
        return render(
            request,
            "themes/import.html",
            _import_context(engagement, rubric, problems=["Choose a CSV file to upload."]),
            status_code=422,
        )
    try:
        data = await _read_upload(file, MAX_BYTES)
        parsed = read_csv(data)
        if not parsed.rows:
            raise CSVImportError("The file has a header but no answers.")
    except CSVImportError as exc:
        return render(
            request, "themes/import.html", _import_context(engagement, rubric, problems=_problems(exc)), status_code=422
        )
    # kept in the database: the mapping step, and the import run, may reach any app process
    upload_id = uploads.keep(session, engagement.id, data, file.filename, created_by=user.id)
    header = parsed.header
    form = {
        "text_column": _guess(header, "comment", "answer", "text", "response", "feedback"),
        "id_column": _guess(header, "respondent", "id"),
        "department_column": _guess(header, "department", "dept"),
        "role_column": _guess(header, "role", "level", "position"),
        "component_column": _guess(header, "component"),
    }
    return _mapping_page(request, engagement, rubric, parsed, upload_id, file.filename, form)


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
    upload_id: Annotated[str, Form()],
    filename: Annotated[str, Form()] = "upload.csv",
    text_column: Annotated[str, Form()] = "",
    component: Annotated[str, Form()] = "",
    component_column: Annotated[str, Form()] = "",
    id_column: Annotated[str, Form()] = "",
    department_column: Annotated[str, Form()] = "",
    role_column: Annotated[str, Form()] = "",
    dept_from: Annotated[list[str] | None, Form()] = None,
    dept_to: Annotated[list[str] | None, Form()] = None,
    role_from: Annotated[list[str] | None, Form()] = None,
    role_to: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Step 2: check the whole file with the chosen mapping; ask to map departments and role levels the
    engagement does not have; then import in the background (all rows or none) and follow its progress."""
    if not uploads.valid_ref(upload_id):
        raise HTTPException(400, "That upload reference is not valid. Upload the file again.")
    upload = uploads.find(session, engagement.id, upload_id)
    if upload is None:
        return render(
            request,
            "themes/import.html",
            _import_context(
                engagement,
                rubric,
                problems=["The uploaded file is no longer here (uploads are kept for a day). Upload it again."],
            ),
            status_code=410,
        )
    form = {
        "text_column": text_column,
        "component": component,
        "component_column": component_column,
        "id_column": id_column,
        "department_column": department_column,
        "role_column": role_column,
    }
    mapping = Mapping(
        text_column=text_column,
        component=component or None,
        component_column=component_column or None,
        id_column=id_column or None,
        department_column=department_column or None,
        role_column=role_column or None,
        department_map=_pairs(dept_from or [], dept_to or [], list(engagement.departments)),
        role_map=_pairs(role_from or [], role_to or [], list(engagement.role_levels)),
    )
    data = upload.data
    components = [c.id for c in rubric.components]
    try:
        if not text_column:
            raise CSVImportError("Choose the column that holds the answers.")
        if component and component_column:
            raise CSVImportError("Choose one component for the whole file, or a component column, not both.")
        check_import(data, mapping, components)
        departments, roles = unknown_groups(data, mapping, list(engagement.departments), list(engagement.role_levels))
    except CSVImportError as exc:
        return _mapping_page(request, engagement, rubric, read_csv(data), upload_id, filename, form, _problems(exc))
    if departments or roles:
        return _mapping_page(
            request,
            engagement,
            rubric,
            read_csv(data),
            upload_id,
            filename,
            form,
            unknown={"departments": departments, "roles": roles},
        )
    session.commit()  # hold no transaction while the import runs

    params = import_params(upload_id, filename, mapping)
    _run, created = request.app.state.jobs.submit(engagement.id, "import", started_by=user.id, params=params)
    return RedirectResponse(
        f"/engagements/{engagement.id}/themes?{'importing' if created else 'already_importing'}=1#imports",
        status_code=303,
    )
