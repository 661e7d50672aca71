"""What the browser tests share: fixed answers, small readers of the staff pages, and the steps several
tests take (log in, consent, send an answer)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

PASSWORD = "correct horse battery"
DEPARTMENTS = ["Public Works", "Finance", "Parks"]
# Concrete enough (a number, a named system) that the interviewer never probes it.
DETAILED = "For example, every week we export {n} reports from Accela into Excel and email them to finance."
SHORT = "Yes."  # fewer than six words: the interviewer must follow up


def detailed(n: int) -> str:
    """A distinct, concrete answer (so each one can be found once in the transcript)."""
    return DETAILED.format(n=n)


def progress_done(page) -> tuple[int, int]:
    """(done, total) from the progress line "3 of 12 questions done"."""
    text = page.locator("#progress p").first.inner_text()
    match = re.search(r"(\d+) of (\d+) questions done", text)
    assert match, f"no progress line: {text!r}"
    return int(match.group(1)), int(match.group(2))


def last_prompt(page) -> str:
    """The interviewer's latest question or follow-up, as shown."""
    item = page.locator("#transcript li.msg.assistant.question, #transcript li.msg.assistant.probe").last
    return item.inner_text().removeprefix("Interviewer:").strip()


def staff_texts(page) -> list[str]:
    """The staff member's messages as shown, without the screen-reader prefix and the Edit link."""
    return page.locator("#transcript li.msg.staff").evaluate_all(
        """items => items.map(li => {
            const copy = li.cloneNode(true);
            copy.querySelectorAll('.sr-only, .meta').forEach(e => e.remove());
            return copy.textContent.trim();
        })"""
    )


def prompt_in_sight(page) -> bool:
    """Whether the interviewer's latest message is on screen, above the sticky answer box."""
    return page.evaluate("""() => {
        const items = document.querySelectorAll('#transcript li.msg.assistant');
        const latest = items[items.length - 1].getBoundingClientRect();
        const composer = document.getElementById('composer').getBoundingClientRect();
        return latest.top >= 0 && latest.bottom <= composer.top + 1;
    }""")


# the reply is on screen and htmx has finished swapping, settling and scrolling
SETTLED = (
    "n => document.querySelectorAll('#transcript li').length > n"
    " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def consent(page, token: str) -> None:
    page.goto(f"/i/{token}")
    with page.expect_navigation():
        page.get_by_role("button", name="I agree, start the interview").click()
    expect(page.locator("#answer")).to_be_visible()


def send(page, button: str = "Send", text: str | None = None, js: bool = True) -> None:
    """Press a composer button (after typing ``text``) and wait until the reply is on screen.

    With JavaScript, htmx posts and appends; without, the form posts and the page reloads.
    """
    if text is not None:
        page.fill("#answer", text)
    shown = page.locator("#transcript li").count()
    target = page.get_by_role("button", name=button, exact=True)
    if not js:
        with page.expect_navigation():
            target.click()
        assert page.locator("#transcript li").count() > shown
        return
    with page.expect_response(lambda r: r.url.endswith("/respond") and r.request.method == "POST"):
        target.click()
    page.wait_for_function(
        SETTLED,
        arg=shown,
    )
