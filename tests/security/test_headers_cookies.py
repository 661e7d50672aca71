"""Headers and cookies: a Content-Security-Policy with no inline script, no framing, nosniff and
no referrer on every answer; the form-token cookie replaced at login and logout; ``__Host-``
cookies behind HTTPS; link tokens masked in logs; the demo's secrets file readable by its owner only."""

from __future__ import annotations

import logging
import re
import stat
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from assistant.web.app import create_app
from assistant.web.middleware import CSP, TokenLogFilter, mask_tokens
from assistant.web.shell import WEB_DIR
from tests.factories import PASSWORD, csrf_of, invite, make_consultant, make_engagement

TEMPLATES = WEB_DIR / "templates"


def test_every_answer_carries_the_security_headers(client, consultant_client, session):
    token = invite(session, make_engagement(session))
    answers = [
        client.get("/login"),
        client.get(f"/i/{token}"),
        client.get("/nowhere"),
        client.get("/static/app.css"),
        client.get("/engagements/99999999999999999999"),
        consultant_client.get("/engagements"),
        client.post("/login", data={"email": "x@y.z", "password": "p"}),
    ]
    for r in answers:
        assert r.headers["content-security-policy"] == CSP, r.url
        assert "frame-ancestors 'none'" in CSP and "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
    assert answers[1].headers["cache-control"] == "no-store"  # a page with a personal link and answers
    assert "no-store" not in answers[3].headers.get("cache-control", "")  # static files stay cacheable


def test_the_500_page_carries_them_too_and_logs_no_token(app, caplog):
    """Starlette's outermost error middleware sends the 500 page itself, past the headers middleware."""

    def boom(token: str) -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/i/{token}/boom", boom)
    with caplog.at_level(logging.ERROR, logger="dm3"):
        r = TestClient(app, raise_server_exceptions=False).get("/i/secret-link-token/boom")
    assert r.status_code == 500 and "Something went wrong" in r.text
    assert r.headers["content-security-policy"] == CSP and r.headers["referrer-policy"] == "no-referrer"
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "unhandled error on /i/***/boom" in logged and "secret-link-token" not in logged


def test_templates_hold_no_inline_script_style_or_event_handler():
    """What the policy would block: <script> without src, <style>, style="", on*="", javascript: links."""
    found = []
    # report/document.html and report/progress_document.html are exported reports (HTML downloads sent as
    # attachments, and the PDFs' source), never served as app pages: their styles must travel inside the
    # file, so they keep their <style> block
    standalone = {TEMPLATES / "report" / "document.html", TEMPLATES / "report" / "progress_document.html"}
    for path in sorted(set(TEMPLATES.rglob("*.html")) - standalone):
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"<style\b",
            r"\sstyle=",
            r"\son[a-z]+=",
            r"javascript:",
            r"\bhx-on",
        ):
            found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert not found, found


def test_htmx_is_configured_without_eval_or_inline_styles(client):
    page = client.get("/login").text
    config = re.search(r'name="htmx-config" content=\'([^\']+)\'', page).group(1)
    assert '"allowEval": false' in config and '"includeIndicatorStyles": false' in config
    assert '"allowScriptTags": false' in config


def _cookies(r: httpx.Response) -> dict[str, str]:
    """The Set-Cookie headers of one response, by cookie name."""
    return {c.split("=", 1)[0]: c for c in r.headers.get_list("set-cookie")}


def test_the_form_token_cookie_is_replaced_at_login_and_logout(client, session):
    make_consultant(session)
    login_page = client.get("/login")
    before = client.cookies.get("dm3_csrf")
    old_form_token = csrf_of(login_page.text)
    r = client.post(
        "/login",
        data={"email": "consultant@example.org", "password": PASSWORD, "csrf_token": old_form_token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "dm3_csrf" in _cookies(r) and "dm3_session" in _cookies(r)
    after = client.cookies.get("dm3_csrf")
    assert after and after != before
    # a form token from before the login no longer works
    r = client.post("/engagements", data={"organisation": "X", "departments": "A", "csrf_token": old_form_token})
    assert r.status_code == 403
    new_form_token = csrf_of(client.get("/engagements").text)
    r = client.post("/logout", data={"csrf_token": new_form_token}, follow_redirects=False)
    assert r.status_code == 303 and client.cookies.get("dm3_csrf") not in (None, after)
    assert "dm3_session" in _cookies(r) and "Max-Age=0" in _cookies(r)["dm3_session"]
    assert client.post("/logout", data={"csrf_token": new_form_token}).status_code == 403


def test_secure_cookies_carry_the_host_prefix(settings, engine, session):
    settings.secure_cookies = True
    settings.interview_relatedness = False
    make_consultant(session)
    c = TestClient(create_app(settings), base_url="https://testserver")
    page = c.get("/login")
    csrf_cookie = _cookies(page)["__Host-dm3_csrf"]
    assert "Secure" in csrf_cookie and "Path=/" in csrf_cookie and "Domain" not in csrf_cookie
    assert "HttpOnly" in csrf_cookie and "SameSite=lax" in csrf_cookie
    r = c.post(
        "/login",
        data={"email": "consultant@example.org", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session_cookie = _cookies(r)["__Host-dm3_session"]
    assert "Secure" in session_cookie and "Path=/" in session_cookie and "HttpOnly" in session_cookie
    assert c.get("/engagements").status_code == 200  # the prefixed cookies are the ones read
    # an unprefixed cookie planted by a sibling subdomain is not a login
    planted = TestClient(c.app, base_url="https://testserver", cookies={"dm3_session": c.cookies["__Host-dm3_session"]})
    assert planted.get("/engagements", follow_redirects=False).status_code == 303


def test_link_tokens_are_masked_in_access_logs(client, session, caplog):
    token = invite(session, make_engagement(session))
    assert mask_tokens(f"GET /i/{token}/edit/3?back=review HTTP/1.1") == "GET /i/***/edit/3?back=review HTTP/1.1"
    assert mask_tokens("/join/abcDEF-123_x") == "/join/***"
    assert mask_tokens("POST /set-password/Zq9-x_1 HTTP/1.1") == "POST /set-password/*** HTTP/1.1"
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, TokenLogFilter) for f in access.filters)  # installed by create_app
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # what uvicorn's access logger writes for each request
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/i/{token}", "1.1", 200)
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", "/join/secret-open-token", "1.1", 303)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in text and "secret-open-token" not in text and "/i/***" in text and "/join/***" in text


def test_the_demo_file_with_the_password_and_links_is_owner_only(session, settings, tmp_path, monkeypatch):
    from assistant.demo.seed import seed_demo
    from assistant.views.lookup import open_link_engagement

    monkeypatch.chdir(tmp_path)
    Path("var").mkdir()
    Path("var/demo.json").write_text("{}")
    Path("var/demo.json").chmod(0o644)  # a file from before the rule is narrowed too
    first = seed_demo(session, settings)
    session.commit()
    mode = stat.S_IMODE(Path("var/demo.json").stat().st_mode)
    assert mode == 0o600, oct(mode)
    second = seed_demo(session, settings)
    session.commit()
    assert second.open_token == first.open_token  # the saved open link is printed again, and it works
    assert open_link_engagement(session, first.open_token).id == first.engagement_id
