"""The thin web shell shared by every router: templates, CSRF, login and database dependencies.

Full pages and htmx partials are the same templates: a route renders a page, or only its
partial when the request carries ``HX-Request``. Forms work without JavaScript (plain posts
answered with a redirect or the re-rendered page).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined, Undefined, make_logging_undefined
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.engines import engine_name
from assistant.models import User
from assistant.records.accounts import session_user
from assistant.records.engagements import min_cell_of, settings_of
from assistant.report.render import TEMPLATES as report_templates
from assistant.rubric import Rubric, get_rubric
from assistant.security import has_control_chars
from assistant.views import Page
from assistant.views.runs import RunPanel

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
LoggingUndefined = make_logging_undefined(logging.getLogger("dm3.templates"), Undefined)
templates.env.undefined = LoggingUndefined


def use_strict_templates(strict: bool) -> None:
    """Templates (the pages', the report's) fail on a name their context lacks (``StrictUndefined``),
    or render it blank and log a warning: ``Settings.strict_templates``, applied by ``create_app``."""
    undefined = StrictUndefined if strict else LoggingUndefined
    templates.env.undefined = undefined
    report_templates.undefined = undefined


# The pages linked from every engagement page: the pipeline stages, then the audit log.
STAGE_PAGES = (
    ("Themes", "/engagements/{id}/themes"),
    ("Ratings and review", "/engagements/{id}/review"),
    ("Data flows", "/engagements/{id}/dataflow"),
    ("Roadmap", "/engagements/{id}/roadmap"),
    ("Report", "/engagements/{id}/report"),
    ("Progress", "/engagements/{id}/progress-tracking"),
    ("Team", "/engagements/{id}/team"),
    ("Audit log", "/engagements/{id}/audit"),
)


def stage_links(engagement: Any) -> list[tuple[str, str]]:
    """(label, href) of the stage pages of an engagement."""
    return [(label, href.format(id=engagement.id)) for label, href in STAGE_PAGES]


templates.env.globals["stage_links"] = stage_links
# "Engine: ..." on engagement pages comes from the engine seam, so it honours the engagement's switch.
templates.env.globals["engine_in_use"] = engine_name


templates.env.globals["equity_attributes"] = lambda engagement: settings_of(engagement).equity.attributes
templates.env.globals["min_cell_of"] = min_cell_of

CSRF_COOKIE = "dm3_csrf"
SESSION_COOKIE = "dm3_session"
# With DM3_SECURE_COOKIES (HTTPS) the cookies carry the __Host- prefix: the browser then accepts them
# only over HTTPS, for this exact host and path "/", so a sibling subdomain cannot plant or read them.
HOST_PREFIX = "__Host-"


def cookie_name(settings: Settings, name: str) -> str:
    """The cookie's name under ``settings``: ``__Host-`` prefixed when cookies are secure."""
    return HOST_PREFIX + name if settings.secure_cookies else name


def set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int | None = None) -> None:
    """Set one of the app's cookies: HttpOnly, SameSite=Lax, path "/", Secure (and prefixed) behind HTTPS."""
    response.set_cookie(
        cookie_name(settings, name),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def delete_cookie(response: Response, settings: Settings, name: str) -> None:
    """Remove one of the app's cookies (same attributes as when it was set, or the browser keeps it)."""
    response.delete_cookie(
        cookie_name(settings, name), path="/", httponly=True, samesite="lax", secure=settings.secure_cookies
    )


def rotate_csrf(request: Request, response: Response) -> None:
    """Give the browser a new form-token cookie (at login and logout): a token seen before the change
    of identity, by a shared computer's next user or a script, no longer works afterwards."""
    set_cookie(response, request.app.state.settings, CSRF_COOKIE, secrets.token_urlsafe(24))


# --- app-wide objects ----------------------------------------------------------------------


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def get_rubric_dep(request: Request) -> Rubric:
    return get_rubric(str(request.app.state.settings.rubric_path))


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(get_engine)]
RubricDep = Annotated[Rubric, Depends(get_rubric_dep)]


# --- CSRF: a random cookie, and a form field / header holding its HMAC -----------------------


def _csrf_for(request: Request, cookie: str) -> str:
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, cookie.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token forms must echo; creates the cookie value on first use (set by ``render``)."""
    name = cookie_name(request.app.state.settings, CSRF_COOKIE)
    cookie = request.cookies.get(name) or getattr(request.state, "new_csrf_cookie", None)
    if not cookie:
        cookie = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = cookie
    return _csrf_for(request, cookie)


class CSRFError(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            status_code=403, detail="This form has expired. Reload the page and try again; nothing was saved."
        )


class ControlCharacterError(HTTPException):
    def __init__(self, field: str) -> None:
        super().__init__(
            status_code=422,
            detail=(
                f"The field '{field}' holds a control character (such as a NUL byte) that cannot be stored. "
                "Remove it and send the form again; nothing was saved."
            ),
        )


# Staff answers (/i/...) have their own rule in the interview; every other form field is a name, a
# label, a summary, a rationale or a choice, where an invisible control character is never meant.
_ANSWER_PATHS = ("/i/",)


async def csrf_protect(request: Request) -> None:
    """Reject unsafe requests whose form field or ``X-CSRF-Token`` header does not match the cookie (403),
    and forms outside the staff interview holding NUL or other control characters (422)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    cookie = request.cookies.get(cookie_name(request.app.state.settings, CSRF_COOKIE))
    sent = request.headers.get("x-csrf-token")
    content_type = request.headers.get("content-type", "")
    form = None
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # parsed once: Starlette keeps it for the route
        sent = sent or form.get("csrf_token")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, _csrf_for(request, cookie)):
        raise CSRFError()
    if form is not None and not request.url.path.startswith(_ANSWER_PATHS):
        for key, value in form.multi_items():
            if isinstance(value, str) and (has_control_chars(value) or has_control_chars(key)):
                raise ControlCharacterError(key if not has_control_chars(key) else "?")


CSRFDep = Depends(csrf_protect)


# --- rendering -----------------------------------------------------------------------------


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: Page | dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a template with the common context (csrf token, user, settings) and set cookies; a
    ``Page`` from ``assistant.views`` gives the template its fields by name."""
    ctx: dict[str, Any] = {
        "request": request,
        "csrf_token": csrf_token(request),
        "user": getattr(request.state, "user", None),
        "settings": request.app.state.settings,
        "base": str(request.base_url).rstrip("/"),
    }
    ctx.update(context.context() if isinstance(context, Page) else context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers)
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        set_cookie(response, request.app.state.settings, CSRF_COOKIE, new_cookie)
    return response


def render_too_many(
    request: Request, template: str, context: Page | dict[str, Any], retry_after_s: int
) -> HTMLResponse:
    """``template`` with ``context`` as a 429 answer: a limit was reached, and the Retry-After header
    says how many seconds until the next try is counted again."""
    return render(request, template, context, status_code=429, headers={"Retry-After": str(retry_after_s)})


# --- login ---------------------------------------------------------------------------------


class LoginRequired(Exception):
    """Raised by ``require_user``; the app turns it into a redirect to the login page."""


def current_user(request: Request, session: SessionDep) -> User | None:
    user = session_user(session, request.cookies.get(cookie_name(request.app.state.settings, SESSION_COOKIE), ""))
    if user is not None:
        request.state.user = user
    return user


def require_user(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


def require_consultant(user: Annotated[User, Depends(require_user)]) -> User:
    if user.role != "consultant":
        raise HTTPException(status_code=403, detail="This page is for consultants.")
    return user


CurrentUser = Annotated[User, Depends(require_user)]
Consultant = Annotated[User, Depends(require_consultant)]


# --- the run panel -------------------------------------------------------------------------


def run_panel(request: Request, panel: RunPanel, watching: bool = True) -> HTMLResponse:
    """The background-run panel (context from ``assistant.views.runs.run_context``); to an htmx page
    watching a run that has ended, also the header that reloads that page."""
    headers = {"HX-Refresh": "true"} if watching and not panel.running and is_htmx(request) else None
    return render(request, "_run_panel.html", panel, headers=headers)
