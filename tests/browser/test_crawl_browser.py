"""Every page of the demo, as each kind of person reaches it, shows no console error under the
product's own Content-Security-Policy (never bypassed): no blocked inline style or script, no
script error, no failed or refused request for a local resource; and every chart on it is a
picture with a text alternative and no link or button inside (axe's "nested-interactive").

The demo is seeded as ``make demo`` seeds it (the completed engagement built by the real synthesis
and rating from the packaged vectors), then the crawl follows the links each person sees: the demo
consultant, the demo equity reviewer, and a staff member through an invite. Pages of one shape
(a transcript, a component's review) are visited a few times each, not all of them.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from assistant.config import Settings
from assistant.demo.completed import seed_completed
from assistant.demo.seed import DEMO_EMAIL, DEMO_REVIEWER_EMAIL, seed_demo
from assistant.demo.vectors import DemoEmbedder, packaged_store
from tests.browser.helpers import detailed

# every chart is a picture with a text alternative and nothing to press inside it (axe's "svg-img-alt"
# and "nested-interactive": a link inside role="img" is hidden from a screen reader and the keyboard)
CHARTS_CHECK = """() => {
  const problems = [];
  const named = el => (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(
    id => id && document.getElementById(id) && document.getElementById(id).textContent.trim()
  ) || (el.getAttribute('aria-label') || '').trim();
  document.querySelectorAll('svg:not([aria-hidden=true]), [role=img]').forEach(el => {
    const what = (el.id || el.closest('[id]')?.id || el.tagName);
    if (el.getAttribute('role') !== 'img') problems.push(`an SVG without role="img" in #${what}`);
    else if (!named(el)) problems.push(`a chart without a text alternative in #${what}`);
    if (el.querySelector('a, button, input, select, textarea, [href], [tabindex]'))
      problems.push(`something to press inside a chart in #${what}`);
  });
  document.querySelectorAll('img:not([alt])').forEach(el => problems.push(`an image without alt: ${el.src}`));
  return problems;
}"""
PER_SHAPE = 2  # pages visited per URL shape (ids and component names folded)
QUIET_MS, STEP_MS = 100, 25  # how long a page must send nothing to count as settled, and how often to look
SKIP = re.compile(r"(\.csv|\.json|\.graphml|\.docx|\.pdf|\.html|/exports/\d+|/logout)$")  # downloads, and leaving


@pytest.fixture
def demo(live_server, tmp_path, monkeypatch):
    """The demo (both engagements) seeded on the live server's database; the password file goes under tmp_path."""
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        database_url=live_server.engine.url.render_as_string(hide_password=False),
        secret_key="browser-secret-0123456789",
        llm_base_url=None,
        llm_model=None,
        interview_relatedness=False,
        _env_file=None,
    )
    with live_server.session() as s:
        info = seed_demo(s, settings)
        s.commit()
    completed = seed_completed(
        live_server.engine, settings, embedder=DemoEmbedder(settings.embedding_model, store=packaged_store())
    )
    return info, completed


class Watch:
    """Everything that went wrong on a page: console errors (CSP reports are errors in Chromium),
    uncaught exceptions, failed requests and error statuses for this server's resources."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base, self.problems, self.where = page, base, [], ""
        self.pending: set = set()  # this server's requests sent and not yet finished or failed
        page.on("console", lambda m: m.type == "error" and self._add(f"console: {m.text}"))
        page.on("pageerror", lambda e: self._add(f"script error: {e}"))
        page.on("request", lambda r: self._local(r.url) and self.pending.add(r))
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", lambda r: self._local(r.url) and not self._left(r) and self._add(f"failed {r.url}"))
        page.on("requestfailed", lambda r: self.pending.discard(r))
        page.on("response", lambda r: self._local(r.url) and r.status >= 400 and self._add(f"{r.status} {r.url}"))

    def settle(self, quiet_ms: int = QUIET_MS, limit_ms: int = 2_000) -> None:
        """Wait, after the load event, until none of this server's requests has been in flight for
        ``quiet_ms`` (a polling page's next poll may start any time: give up waiting after ``limit_ms``).
        Playwright's "networkidle" waits 500 ms of quiet on every page, which was half the crawl's time."""
        quiet = waited = 0
        while quiet < quiet_ms and waited < limit_ms:
            self.page.wait_for_timeout(STEP_MS)  # Playwright delivers the page's events meanwhile
            waited += STEP_MS
            quiet = 0 if self.pending else quiet + STEP_MS

    @staticmethod
    def _left(request) -> bool:
        """A request cut short because the crawl moved to the next page (not a failure of the page)."""
        return "ERR_ABORTED" in (request.failure or "")

    def _local(self, url: str) -> bool:
        return url.startswith(self.base)

    def _add(self, text: str) -> None:
        self.problems.append(f"{self.where}: {text}")


def _shape(path: str) -> str:
    path = re.sub(r"P-[A-Z0-9]{6}", "P-N", re.sub(r"\d+", "N", path))
    return re.sub(r"/(review|themes/c)/[a-z_]+$", r"/\1/X", path)


def crawl(page, base: str, start: list[str], inside: str) -> tuple[list[str], list[str]]:
    """Visit ``start`` and every same-site link under ``inside`` found on the visited pages (a few per
    shape); returns (the paths visited, the problems seen)."""
    watch = Watch(page, base)
    queue, seen, shapes, visited = list(start), set(start), Counter(), []
    while queue:
        path = queue.pop(0)
        if shapes[_shape(urlsplit(path).path)] >= PER_SHAPE:
            continue
        shapes[_shape(urlsplit(path).path)] += 1
        watch.where = path
        response = page.goto(path, timeout=30_000)  # the first themes page imports the synthesis stack
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        watch.settle()  # the page's own requests finish (a polling page is never idle for long)
        visited.append(path)
        watch.problems += [f"{path}: {problem}" for problem in page.evaluate(CHARTS_CHECK)]
        for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
            url = urlsplit(urljoin(base + path, href))
            target = url.path + (f"?{url.query}" if url.query else "")
            if (
                f"{url.scheme}://{url.netloc}" == base
                and url.path.startswith(inside)
                and not SKIP.search(url.path)
                and target not in seen
            ):
                seen.add(target)
                queue.append(target)
    return visited, watch.problems


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your engagements")).to_be_visible()


def test_every_demo_page_has_no_console_error_under_the_csp(demo, live_server, new_context):
    info, completed = demo
    base = live_server.url

    consultant = new_context().new_page()
    log_in(consultant, DEMO_EMAIL, info.password)
    # the demo's two engagements first (the pulse follow-up of the completed one is a third of the same shapes)
    start = ["/engagements", f"/engagements/{info.engagement_id}", f"/engagements/{completed}"]
    visited, problems = crawl(consultant, base, start, "/engagements")
    for eid in (info.engagement_id, completed):
        for tail in ("", "/themes", "/review", "/roadmap", "/report", "/audit", "/team"):
            assert f"/engagements/{eid}{tail}" in visited, f"the consultant never reached /engagements/{eid}{tail}"
    assert any(re.search(r"/transcripts/P-[A-Z0-9]{6}$", v) for v in visited)
    assert any("/themes/t/" in v for v in visited)
    assert any(re.search(r"/review/[a-z_]+$", v) for v in visited)

    reviewer = new_context().new_page()
    log_in(reviewer, DEMO_REVIEWER_EMAIL, info.password)
    seen_by_reviewer, more = crawl(reviewer, base, ["/engagements"], "/engagements")
    problems += more
    assert {f"/engagements/{info.engagement_id}/equity{t}" for t in ("", "/themes", "/ratings", "/left-out")} <= set(
        seen_by_reviewer
    )

    staff = new_context().new_page()
    token = info.invites[0][1]
    staff.goto(f"/i/{token}")
    with staff.expect_navigation():
        staff.get_by_role("button", name="I agree, start the interview").click()
    staff.fill("#answer", detailed(1))
    with staff.expect_response(lambda r: r.url.endswith("/respond") and r.request.method == "POST"):
        staff.get_by_role("button", name="Send", exact=True).click()
    expect(staff.locator("#transcript li.msg.staff")).to_have_count(1)
    seen_by_staff, more = crawl(staff, base, [f"/i/{token}", f"/join/{info.open_token}"], f"/i/{token}")
    problems += more
    for tail in ("", "/review", "/pause", "/withdraw"):
        assert f"/i/{token}{tail}" in seen_by_staff, f"the staff member never reached /i/…{tail}"
    assert any("/edit/" in v for v in seen_by_staff)

    assert not problems, "\n".join(problems)
