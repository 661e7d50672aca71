"""Login and logout for consultants and equity reviewers."""

from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.accounts import authenticate, end_session, start_session
from assistant.security import audit
from assistant.web import SESSION_COOKIE, CSRFDep, SessionDep, SettingsDep, current_user, render

router = APIRouter()


def _safe_next(target: Optional[str], default: str) -> str:
    # only local paths: never redirect to another site after login
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


@router.get("/")
def home(request: Request, user=Depends(current_user)) -> Response:
    if user is not None:
        return RedirectResponse("/engagements", status_code=303)
    return render(request, "home.html")


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return render(request, "login.html", {"next": next})


@router.post("/login", dependencies=[CSRFDep])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "",
) -> Response:
    user = authenticate(session, email, password)
    if user is None:
        return render(
            request, "login.html", {"error": "Email or password is not right.", "email": email, "next": next}, status_code=401
        )
    token = start_session(session, user, settings.session_ttl_hours)
    audit(session, "login", actor=user.email, actor_user_id=user.id)
    session.commit()
    default = "/engagements"
    response = RedirectResponse(_safe_next(next, default), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
        max_age=settings.session_ttl_hours * 3600,
    )
    return response


@router.post("/logout", dependencies=[CSRFDep])
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(session, token)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
