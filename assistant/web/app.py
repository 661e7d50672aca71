"""The FastAPI application: settings, database, routers, static files and friendly error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

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
    equity,
    review,
    roadmap,
    runs,
    staff,
    survey_import,
    team,
    themes,
)
from assistant.web.shell import WEB_DIR, LoginRequired, is_htmx, render

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

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.start()  # this process takes queued runs, whichever process queued them
        yield
        jobs.shutdown(wait=False)

    install_log_filter()
    app = FastAPI(title="DM3 Assistant", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    # outermost first: headers go on every answer, the 413 included; bodies are capped before any
    # form parser, upload spooling, login or form-token check sees them
    app.add_middleware(BodyLimitMiddleware, live_session=partial(is_live_session, engine))
    app.add_middleware(SecurityHeadersMiddleware)
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = jobs
    app.state.relatedness = None
    if settings.interview_relatedness:
        from assistant.interview.decide import comparison_texts
        from assistant.interview.relatedness import LazyRelatedness
        from assistant.rubric import get_rubric

        app.state.relatedness = LazyRelatedness(
            settings.embedding_model,
            settings.embedding_batch_size,
            settings.interview_encoder,
            settings.model_cache_dir,
            # every rubric text an answer is compared with, encoded once at start-up, not in a staff turn
            texts=lambda: comparison_texts(get_rubric(str(settings.rubric_path)), settings.max_probes_per_question),
        )
        app.state.relatedness.preload()
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")

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
        audit.router,
    ):
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = f"/login?next={request.url.path}"
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(LinkError)
    async def _link_error(request: Request, exc: LinkError) -> Response:
        # a staff link that is unknown (404) or no longer usable (410): a page that says what to do
        title = "Link not found" if exc.status == 404 else "This link is no longer active"
        return render(
            request,
            "error.html",
            {"title": title, "message": exc.message, "status": exc.status},
            status_code=exc.status,
        )

    @app.exception_handler(StarletteHTTPException)
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

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors()}))
        return render(
            request,
            "error.html",
            {"title": _TITLES[422], "message": f"Some fields are missing or invalid: {fields}.", "status": 422},
            status_code=422,
        )

    @app.exception_handler(Exception)
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

    @app.get("/healthz", include_in_schema=False)
    def _health() -> dict:
        return {"ok": True}

    return app
