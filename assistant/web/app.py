"""The FastAPI application: settings, database, routers, static files and friendly error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.background import handlers
from assistant.config import Settings, get_settings, require_secret_key
from assistant.db import make_engine, migrate
from assistant.interview.actions import LinkError
from assistant.jobs import Jobs
from assistant.records.accounts import is_live_session
from assistant.web.forms import field_problem
from assistant.web.middleware import (
    BodyLimitMiddleware,
    SecurityHeadersMiddleware,
    add_security_headers,
    install_log_filter,
)
from assistant.web.routes import (
    accounts,
    audit,
    auth,
    consultant,
    dataflow,
    equity,
    followup,
    review,
    roadmap,
    runs,
    staff,
    survey_import,
    team,
    themes,
)
from assistant.web.shell import WEB_DIR, LoginRequired, is_htmx, render, use_strict_templates

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.interview.relatedness import LazyRelatedness

log = logging.getLogger("dm3")

_TITLES = {
    400: "That request could not be read",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    410: "This link is no longer active",
    413: "Too large",
    422: "Please check what you entered",
    500: "Something went wrong",
}


def invalid_fields_message(errors: Sequence[Any]) -> str:
    """What was wrong with a request's fields, one sentence per field as the form names it."""
    listed = "; ".join(dict.fromkeys(field_problem(e) for e in errors))
    return f"Some fields are missing or invalid: {listed}. Nothing was saved: go back, correct it and send it again."


def create_app(settings: Settings | None = None, run_migrations: bool = True) -> FastAPI:
    """Build the app for ``settings`` (default: from the environment), migrating the database first."""
    settings = settings or get_settings()
    require_secret_key(settings)  # before anything else: a clear message, not a 403 on every form later
    if run_migrations:
        migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    # Several processes may share the database: starting fails no run. Runs whose process died are
    # found by their expired lease, by whichever worker looks next (assistant/jobs/).
    jobs = Jobs(engine, handlers(settings, engine))

    install_log_filter()
    use_strict_templates(settings.strict_templates)
    app = FastAPI(title="DM3 Assistant", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan(jobs))
    _add_middleware(app, engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = jobs
    app.state.relatedness = _relatedness(settings)
    _mount_static(app)
    _add_routers(app)
    _add_error_handlers(app)
    return app


def _lifespan(jobs: Jobs) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: this process takes queued runs, whichever process queued them."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        yield
        jobs.shutdown(wait=False)

    return lifespan


def _add_middleware(app: FastAPI, engine: Engine) -> None:
    # outermost first: headers go on every answer, the 413 included; bodies are capped before any
    # form parser, upload spooling, login or form-token check sees them
    app.add_middleware(BodyLimitMiddleware, live_session=partial(is_live_session, engine))
    app.add_middleware(SecurityHeadersMiddleware)


def _relatedness(settings: Settings) -> LazyRelatedness | None:
    """The interview's off-topic encoder, preloaded, when ``settings`` turn the relatedness check on."""
    if not settings.interview_relatedness:
        return None
    from assistant.interview.decide import comparison_texts
    from assistant.interview.relatedness import LazyRelatedness
    from assistant.rubric import get_rubric

    relatedness = LazyRelatedness(
        settings.embedding_model,
        settings.embedding_batch_size,
        settings.interview_encoder,
        settings.model_cache_dir,
        # every rubric text an answer is compared with, encoded once at start-up, not in a staff turn
        texts=lambda: comparison_texts(get_rubric(str(settings.rubric_path)), settings.max_probes_per_question),
    )
    relatedness.preload()
    return relatedness


def _mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")


def _add_routers(app: FastAPI) -> None:
    for router in (
        auth.router,
        accounts.router,
        consultant.router,
        team.router,
        equity.router,
        staff.router,
        runs.router,
        themes.router,
        survey_import.router,
        review.router,
        roadmap.router,
        followup.router,
        audit.router,
        dataflow.router,
    ):
        app.include_router(router)
    app.add_api_route("/healthz", _health, methods=["GET"], include_in_schema=False)


def _health() -> dict:
    return {"ok": True}


def _add_error_handlers(app: FastAPI) -> None:
    """Friendly pages for every error: the login redirect, staff links, HTTP errors, invalid forms, crashes."""
    app.add_exception_handler(LoginRequired, _login)
    app.add_exception_handler(LinkError, _link_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _crash)


async def _login(request: Request, _exc: LoginRequired) -> Response:
    target = f"/login?next={request.url.path}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _link_error(request: Request, exc: LinkError) -> Response:
    # a staff link that is unknown (404) or no longer usable (410): a page that says what to do
    title = "Link not found" if exc.status == 404 else "This link is no longer active"
    return render(
        request,
        "error.html",
        {"title": title, "message": exc.message, "status": exc.status},
        status_code=exc.status,
    )


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) else ""
    if exc.status_code == 404 and message in ("", "Not Found"):
        message = "There is nothing at this address. Check the link you were given."
    return render(
        request,
        "error.html",
        {"title": _TITLES.get(exc.status_code, "Error"), "message": message, "status": exc.status_code},
        status_code=exc.status_code,
    )


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    return render(
        request,
        "error.html",
        {"title": _TITLES[422], "message": invalid_fields_message(exc.errors()), "status": 422},
        status_code=422,
    )


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return add_security_headers(
        render(
            request,
            "error.html",
            {
                "title": _TITLES[500],
                "status": 500,
                "message": "The error was logged. Anything you had already sent was saved.",
            },
            status_code=500,
        )
    )
