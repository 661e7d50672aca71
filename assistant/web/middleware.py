"""ASGI middleware that guards every request before any route, form parser or login check runs:
request body caps, security headers, and a log filter that keeps link tokens out of access logs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import cookie_parser
from starlette.responses import Response

from assistant.csvfile import MAX_BYTES as MAX_SURVEY_CSV_BYTES
from assistant.records.engagements import MAX_INVITE_CSV_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# --- request body caps -----------------------------------------------------------------------

FORM_BODY_BYTES = 1 << 20  # every form (a 4,000-character answer percent-encodes to under 50 KB)
MULTIPART_SLACK = 64 << 10  # the multipart envelope around a file: boundaries, headers, the csrf field
_SURVEY_UPLOAD = re.compile(r"^/engagements/\d+/themes/import$")
_INVITE_UPLOAD = re.compile(r"^/engagements/\d+/invites/import$")
SESSION_COOKIES = ("dm3_session", "__Host-dm3_session")
# whether a session cookie's value is a live login session (checked in the database, off the event loop)
SessionCheck = Callable[[str], bool]


class BodyTooLarge(StarletteHTTPException):
    """The request body passed the cap of its route class (413); nothing of it was stored."""

    def __init__(self, limit: int) -> None:
        size = f"{limit / 1e6:.0f} MB" if limit >= 1_000_000 else f"{limit // 1000} KB"
        super().__init__(413, f"What was sent is larger than the {size} this page accepts. Nothing was saved.")


def upload_cap(path: str) -> int | None:
    """The file cap of the upload address ``path`` (None for every other address)."""
    if _SURVEY_UPLOAD.match(path):
        return MAX_SURVEY_CSV_BYTES
    if _INVITE_UPLOAD.match(path):
        return MAX_INVITE_CSV_BYTES
    return None


def session_tokens(scope: Scope) -> list[str]:
    """The values of the login-session cookies the request carries (unverified)."""
    header = "; ".join(v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"cookie")
    cookies = cookie_parser(header)
    return [cookies[name] for name in SESSION_COOKIES if cookies.get(name)]


async def body_limit(scope: Scope, live_session: SessionCheck | None) -> int:
    """The most bytes a request to ``scope``'s path may send.

    File uploads get their file cap plus the multipart envelope, but only with a login session that
    ``live_session`` confirms (the cookie's token is a known, unexpired, unrevoked session of an
    active user): a request without one, or with a made-up cookie, gets the form cap, so no one can
    make the server read or spool a large file before the login check runs. Everything else gets
    ``FORM_BODY_BYTES``.
    """
    upload = upload_cap(scope.get("path", ""))
    if upload is None or live_session is None:
        return FORM_BODY_BYTES
    for token in session_tokens(scope):
        if await run_in_threadpool(live_session, token):
            return upload + MULTIPART_SLACK
    return FORM_BODY_BYTES


class BodyLimitMiddleware:
    """Refuse a body over ``body_limit`` (413): at once when Content-Length says so, else while the
    bytes stream in, so a lying or chunked client is cut off at the cap, never read to the end."""

    def __init__(self, app: ASGIApp, live_session: SessionCheck | None = None) -> None:
        self.app = app
        self.live_session = live_session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = await body_limit(scope, self.live_session)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True  # a Content-Length that is not a number is not a request we read
            if too_big:
                await self.app(scope, _refused(limit), send)
                return
        received = 0

        async def capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, capped, send)


def _refused(limit: int) -> Receive:
    """A receive channel that never hands over a byte: the first read raises ``BodyTooLarge``, which
    FastAPI passes on to the app's error page (an HTTP exception is never wrapped into a 400)."""

    async def receive() -> Message:
        raise BodyTooLarge(limit)

    return receive


# --- security headers ------------------------------------------------------------------------

# No inline script or style anywhere (htmx is configured through a meta tag, with eval off), so the
# policy needs no 'unsafe-inline'; pages may not be framed (clickjacking), forms post only here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    # invite and open-link tokens are in URLs: never send the address on to another site
    b"referrer-policy": b"no-referrer",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}


def add_security_headers(response: Response) -> Response:
    """``response`` with ``SECURITY_HEADERS`` set: for the one answer this middleware never sees, the
    500 page, which Starlette's outermost error middleware sends itself."""
    for key, value in SECURITY_HEADERS.items():
        response.headers[key.decode()] = value.decode()
    response.headers.setdefault("cache-control", "no-store")
    return response


def never_stored(headers: list[tuple[bytes, bytes]]) -> bool:
    """True for a response no cache may keep: a page (HTML holds personal answers and links) or a
    download (``Content-Disposition``: the audit log, the equity audit, report exports hold who did
    what and what people said; a shared or proxy cache, or the browser's disk cache, must not keep
    a copy). Static files stay cacheable."""
    names = {k.lower(): v for k, v in headers}
    return names.get(b"content-type", b"").startswith(b"text/html") or b"content-disposition" in names


class SecurityHeadersMiddleware:
    """Add ``SECURITY_HEADERS`` to every response, and ``Cache-Control: no-store`` to every page and
    every download (``never_stored``): the one place that sets it, whatever a route sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in SECURITY_HEADERS]
                headers.extend(SECURITY_HEADERS.items())
                if never_stored(headers):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


# --- tokens out of logs ----------------------------------------------------------------------

_TOKEN_IN_PATH = re.compile(r"/(i|join|set-password)/[^/?#\s\"]+")


def mask_tokens(text: str) -> str:
    """``text`` with personal-link, open-link and one-time set-password tokens replaced: ``/i/<token>``
    becomes ``/i/***``."""
    return _TOKEN_IN_PATH.sub(r"/\1/***", text)


class TokenLogFilter(logging.Filter):
    """Masks link tokens in log records (uvicorn's access log passes the path as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_tokens(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


LOGGERS_WITH_PATHS = ("uvicorn.access", "uvicorn.error", "dm3")


def install_log_filter() -> None:
    """Put ``TokenLogFilter`` on the loggers that write request paths (once, however many apps are built)."""
    for name in LOGGERS_WITH_PATHS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenLogFilter) for f in logger.filters):
            logger.addFilter(TokenLogFilter())
