"""Login and logout for consultants and equity reviewers.

Failed logins are limited per account and per address (``assistant.records.accounts.login``): past the limit
the page says when to try again (429). The form-token cookie is replaced at login and at logout.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from assistant.models import User
from assistant.records.accounts import end_session, start_session
from assistant.records.accounts import login as check_login
from assistant.security import Busy, audit
from assistant.throttle import Throttled
from assistant.web.shell import (
    SESSION_COOKIE,
    CSRFDep,
    SessionDep,
    SettingsDep,
    cookie_name,
    current_user,
    delete_cookie,
    render,
    render_too_many,
    rotate_csrf,
    set_cookie,
)

log = logging.getLogger("dm3")

router = APIRouter()


def _safe_next(target: str | None, default: str) -> str:
    # only local paths: never redirect to another site after login
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


@router.get("/")
def home(request: Request, user: Annotated[User | None, Depends(current_user)]) -> Response:
    if user is not None:
        return RedirectResponse("/engagements", status_code=303)
    return render(request, "home.html")


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return render(request, "login.html", {"next": next})


class LoginForm(BaseModel):
    """The login form; ``next`` is the page to go on to (a local path only)."""

    email: str
    password: str
    next: str = ""


@router.post("/login", dependencies=[CSRFDep])
def login(
    request: Request, session: SessionDep, settings: SettingsDep, posted: Annotated[LoginForm, Form()]
) -> Response:
    address = request.client.host if request.client else "unknown"
    form = posted.model_dump(exclude={"password"})  # shown again on a refusal; the password never
    try:
        user = check_login(session, posted.email, posted.password, address)
    except Throttled as exc:
        log.warning("login refused by the flood limit (account %r, address %s)", posted.email[:80], address)
        return render_too_many(request, "login.html", {**form, "error": str(exc)}, exc.retry_after_s)
    except Busy as exc:
        return render_too_many(request, "login.html", {**form, "error": str(exc)}, 60)
    if user is None:
        session.commit()  # the counted, audited failure
        return render(request, "login.html", {**form, "error": "Email or password is not right."}, status_code=401)
    token = start_session(session, user, settings.session_ttl_hours)
    audit(session, "login", actor=user.email, actor_user_id=user.id, after={"address": address})
    session.commit()
    response = RedirectResponse(_safe_next(posted.next, "/engagements"), status_code=303)
    set_cookie(response, settings, SESSION_COOKIE, token, max_age=settings.session_ttl_hours * 3600)
    rotate_csrf(request, response)
    return response


@router.post("/logout", dependencies=[CSRFDep])
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    token = request.cookies.get(cookie_name(settings, SESSION_COOKIE))
    if token:
        end_session(session, token)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    delete_cookie(response, settings, SESSION_COOKIE)
    rotate_csrf(request, response)
    return response
