"""Setting a password through a one-time link (accounts made by a lead on the team page, or by the CLI)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from assistant.records.accounts import AccountError
from assistant.records.teams import set_password, setup_user
from assistant.web.shell import CSRFDep, SessionDep, render

router = APIRouter()


def _gone(request: Request, message: str) -> Response:
    """The friendly 410 page of a set-password link that was used or has expired, saying ``message``."""
    return render(
        request,
        "error.html",
        {"title": "This link is no longer active", "status": 410, "message": message},
        status_code=410,
    )


@router.get("/set-password/{token}")
def set_password_form(request: Request, token: str, session: SessionDep) -> Response:
    user = setup_user(session, token)
    if user is None:
        return _gone(
            request, "This set-password link has been used or has expired. Ask your engagement's lead for a new one."
        )
    return render(request, "set_password.html", {"token": token, "email": user.email, "problems": []})


class PasswordForm(BaseModel):
    """The new password, typed twice."""

    password: str = ""
    confirm: str = ""


@router.post("/set-password/{token}", dependencies=[CSRFDep])
def set_password_submit(
    request: Request, token: str, session: SessionDep, posted: Annotated[PasswordForm, Form()]
) -> Response:
    try:
        user = set_password(session, token, posted.password, posted.confirm)
    except AccountError as exc:
        session.rollback()
        found = setup_user(session, token)
        if found is None:
            return _gone(request, str(exc))
        return render(
            request,
            "set_password.html",
            {"token": token, "email": found.email, "problems": [str(exc)]},
            status_code=422,
        )
    session.commit()
    return render(request, "set_password.html", {"token": "", "email": user.email, "problems": [], "done": True})
