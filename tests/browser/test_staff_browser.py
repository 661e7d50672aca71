"""The staff interview in a real browser: with htmx, without JavaScript, by keyboard, on a phone.

Each test starts from its own engagement and invite link (see ``world`` in conftest).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    SETTLED,
    SHORT,
    consent,
    detailed,
    last_prompt,
    progress_done,
    prompt_in_sight,
    send,
    staff_texts,
)

XSS = "<script>window.__xss=1</script><b>bold</b>"
EDITED = "Edited: we now load the 4 weekly reports straight into Power BI instead of emailing them."
EDITED_NO_JS = "Edited without JavaScript: the permit data goes to the GIS team every Monday, about 40 rows."


# --- small steps -------------------------------------------------------------------------------


def blank_lines(messages) -> list[str]:
    """Messages whose rendered text has an empty line (they use ``white-space: pre-wrap``)."""
    return [t for t in messages.all_inner_texts() if re.search(r"\n[ \t]*\n", t)]


def focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def wait_focus_on_answer(page) -> None:
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'answer'", timeout=3000)


def tab_to(page, label: str, limit: int = 40) -> None:
    """Press Tab until the focused element's visible text (or value) is ``label``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("(document.activeElement.innerText || document.activeElement.value || '').trim()")
        if text == label:
            return
    raise AssertionError(f"Tab never reached {label!r}")


def finish_questions(page, first_n: int, js: bool) -> None:
    """Answer every remaining question with a concrete answer, checking progress on each."""
    n = first_n
    while page.locator("#answer").count():
        before, total = progress_done(page)
        send(page, text=detailed(n), js=js)
        assert progress_done(page) == (before + 1, total)
        assert prompt_in_sight(page), "the interviewer's new message is hidden (off screen or behind the answer box)"
        n += 1


# --- the whole interview -----------------------------------------------------------------------


def test_whole_interview_with_htmx_pause_on_another_device_edit_and_submit(world, new_context):
    token = world.invite()
    page = new_context().new_page()
    consent(page, token)

    # the live region wraps the list, so each message stays a list item (axe "listitem")
    log = page.locator("[role=log]:has(> ol#transcript)")
    expect(log).to_have_attribute("aria-live", "polite")
    assert page.evaluate("document.querySelector('#transcript').getAttribute('role')") is None  # still a list
    done, total = progress_done(page)
    assert (done, total) == (0, 12)
    page.evaluate("window.__marker = 'same page'")

    # a very short answer counts as an answer, and gets a follow-up on the same question
    first_question = last_prompt(page)
    send(page, text=SHORT)
    probe = page.locator("#transcript li.msg.assistant.probe")
    expect(probe).to_have_count(1)
    assert last_prompt(page) != first_question
    assert progress_done(page) == (0, 12)  # not done while its follow-up waits for a reply
    assert page.evaluate("window.__marker") == "same page", "the page reloaded instead of appending"
    wait_focus_on_answer(page)
    assert page.input_value("#answer") == ""

    send(page, text=detailed(1))  # answers the follow-up: the first question is done
    assert progress_done(page) == (1, 12)
    assert page.locator("#transcript li.msg.assistant.question").count() == 2
    send(page, text=detailed(2))
    assert progress_done(page) == (2, 12)
    send(page, button="Skip")
    assert progress_done(page) == (3, 12)
    send(page, button="I don't know")
    assert progress_done(page) == (4, 12)
    send(page, text=detailed(5))
    assert progress_done(page) == (5, 12)
    assert page.evaluate("window.__marker") == "same page"
    wait_focus_on_answer(page)
    assert staff_texts(page) == [SHORT, detailed(1), detailed(2), "Skipped", "I don't know", detailed(5)]
    # each message appended once: the interviewer's question count matches what was asked
    assert page.locator("#transcript li.msg.assistant.question").count() == 6

    # pause, close the page, and continue on another device with the same link
    waiting_for = last_prompt(page)
    page.get_by_role("link", name="Pause").click()
    expect(page.get_by_role("heading", name="Your answers are saved")).to_be_visible()
    resume = page.locator("main a", has_text=f"/i/{token}").get_attribute("href")
    assert resume == f"/i/{token}"
    page.context.close()

    other = new_context().new_page()
    other.goto(resume)
    expect(other.locator("#answer")).to_be_visible()
    assert last_prompt(other) == waiting_for
    assert prompt_in_sight(other), "a resumed chat must open at the current question"
    assert progress_done(other) == (5, 12)
    assert staff_texts(other)[-1] == detailed(5)

    # edit an earlier answer from the chat
    other.locator("#transcript li.msg.staff", has_text=detailed(2)).get_by_role("link", name="Edit").click()
    expect(other.get_by_role("heading", name="Edit your answer")).to_be_visible()
    assert other.input_value("#answer") == detailed(2)
    other.fill("#answer", EDITED)
    with other.expect_navigation():
        other.get_by_role("button", name="Save").click()
    edited = other.locator("#transcript li.msg.staff", has_text=EDITED)
    expect(edited).to_contain_text("edited")
    assert detailed(2) not in staff_texts(other)
    assert last_prompt(other) == waiting_for, "an edit must not move the conversation"

    other.evaluate("window.__marker = 'second device'")
    finish_questions(other, 6, js=True)
    assert other.evaluate("window.__marker") == "second device"
    assert progress_done(other) == (12, 12)

    other.get_by_role("link", name="Review and submit my answers").click()
    expect(other.get_by_role("heading", name="Review your answers")).to_be_visible()
    review = other.locator("main").inner_text()
    assert EDITED in review and detailed(2) not in review
    assert "Skipped" in review and "I don't know" in review and detailed(12) in review
    with other.expect_navigation():
        other.get_by_role("button", name="Submit my answers").click()
    expect(other.get_by_role("heading", name="Thank you, your answers were submitted")).to_be_visible()

    turns = world.staff_turns(token)
    assert [t.text for t in turns].count(EDITED) == 1
    assert (
        next(t for t in turns if t.text == EDITED).supersedes_id == next(t for t in turns if t.text == detailed(2)).id
    )


def test_whole_interview_without_javascript(world, new_context):
    token = world.invite(role="manager")
    page = new_context(java_script_enabled=False).new_page()
    consent(page, token)
    assert progress_done(page) == (0, 12)

    send(page, text=SHORT, js=False)
    expect(page.locator("#transcript li.msg.assistant.probe")).to_have_count(1)
    send(page, text=detailed(1), js=False)
    send(page, button="Skip", js=False)
    send(page, button="I don't know", js=False)
    assert progress_done(page) == (3, 12)
    finish_questions(page, 4, js=False)
    assert staff_texts(page)[:4] == [SHORT, detailed(1), "Skipped", "I don't know"]

    page.get_by_role("link", name="Review and submit my answers").click()
    # edit from the review page: the form posts and comes back to the review
    page.locator("main p.msg.staff", has_text=detailed(4)).get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit your answer")).to_be_visible()
    assert page.input_value("#answer") == detailed(4)
    page.fill("#answer", EDITED_NO_JS)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    review = page.locator("main").inner_text()
    assert EDITED_NO_JS in review and detailed(4) not in review
    assert not blank_lines(page.locator("main p.msg.staff"))
    assert page.get_by_role("link", name="Edit answer to:").count() == 13  # 12 answers and a follow-up

    with page.expect_navigation():
        page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Thank you, your answers were submitted")).to_be_visible()
    # after submitting, answers are read-only
    page.get_by_role("link", name="See your answers").click()
    expect(page.get_by_role("link", name="Edit answer to:")).to_have_count(0)
    assert EDITED_NO_JS in page.locator("main").inner_text()


# --- double submits ----------------------------------------------------------------------------


def test_resubmitting_the_same_form_without_javascript_stores_one_answer(world, new_context):
    token = world.invite()
    page = new_context(java_script_enabled=False).new_page()
    consent(page, token)
    old_page = page.content()
    form_id = page.input_value("input[name=client_turn_id]")
    send(page, text=detailed(1), js=False)
    assert staff_texts(page) == [detailed(1)]

    # Back to the page as the browser first had it (Playwright's Chromium re-fetches on Back, so
    # serve the earlier copy), and send the very same form again.
    page.route(
        f"**/i/{token}", lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=old_page)
    )
    page.goto(f"/i/{token}")
    page.unroute(f"**/i/{token}")
    assert page.input_value("input[name=client_turn_id]") == form_id
    assert staff_texts(page) == []
    page.fill("#answer", detailed(1))
    with page.expect_navigation():
        page.get_by_role("button", name="Send", exact=True).click()

    assert staff_texts(page) == [detailed(1)]
    assert page.locator("#transcript li.msg.assistant.question").count() == 2
    assert [t.text for t in world.staff_turns(token)] == [detailed(1)]


def test_double_click_on_send_with_htmx_stores_one_answer(world, page):
    token = world.invite()
    consent(page, token)
    page.fill("#answer", detailed(1))
    shown = page.locator("#transcript li").count()
    page.get_by_role("button", name="Send", exact=True).dblclick()
    page.wait_for_function(SETTLED, arg=shown)
    page.wait_for_load_state("networkidle")  # a second request, if one was sent, has finished too
    assert staff_texts(page) == [detailed(1)]
    page.reload()
    assert staff_texts(page) == [detailed(1)]
    assert [t.text for t in world.staff_turns(token)] == [detailed(1)]


def test_the_same_form_sent_twice_at_once_stores_one_answer(world, page):
    """htmx disables the buttons on the first click; a retried request must still not duplicate."""
    token = world.invite()
    consent(page, token)
    page.fill("#answer", detailed(1))
    statuses = page.evaluate("""async () => {
        const form = document.querySelector('#composer form');
        const send = () => {
            const body = new FormData(form);
            body.set('action', 'answer');
            return fetch(form.getAttribute('hx-post'), {method: 'POST', body: new URLSearchParams(body),
                                                        headers: {'HX-Request': 'true'}});
        };
        const replies = await Promise.all([send(), send()]);
        return replies.map(r => r.status);
    }""")
    assert statuses == [200, 200]
    page.reload()
    assert staff_texts(page) == [detailed(1)]
    assert page.locator("#transcript li.msg.assistant.question").count() == 2
    assert [t.text for t in world.staff_turns(token)] == [detailed(1)]


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("js", [True, False], ids=["htmx", "no-js"])
def test_empty_and_too_long_answers_are_refused_with_a_message_and_the_draft_kept(world, new_context, js):
    token = world.invite()
    page = new_context(java_script_enabled=js).new_page()
    consent(page, token)
    shown = page.locator("#transcript li").count()

    def press_send() -> None:
        if js:
            with page.expect_response(lambda r: r.url.endswith("/respond")):
                page.get_by_role("button", name="Send", exact=True).click()
            # a function, not an expression: the page's CSP forbids evaluating strings (no 'unsafe-eval')
            page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
        else:
            with page.expect_navigation():
                page.get_by_role("button", name="Send", exact=True).click()

    page.fill("#answer", "   ")
    press_send()
    expect(page.locator("#answer-error")).to_contain_text("Please type an answer")
    expect(page.locator("#answer")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#transcript li").count() == shown
    assert world.staff_turns(token) == []

    too_long = "a" * 4001
    page.fill("#answer", too_long)
    press_send()
    expect(page.locator("#answer-error")).to_contain_text("the limit is 4,000")
    assert page.input_value("#answer") == too_long
    assert page.locator("#transcript li").count() == shown
    assert world.staff_turns(token) == []

    # fixing the draft and sending works from the same composer
    send(page, text=detailed(1), js=js)
    expect(page.locator("#answer-error")).to_have_count(0)
    assert [t.text for t in world.staff_turns(token)] == [detailed(1)]


def test_html_in_an_answer_is_shown_as_typed_and_never_runs(world, page):
    token = world.invite()
    consent(page, token)
    send(page, text=XSS)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert staff_texts(page) == [XSS]
    expect(page.locator("#transcript b")).to_have_count(0)
    page.reload()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert staff_texts(page) == [XSS]
    expect(page.locator("#transcript b")).to_have_count(0)
    assert [t.text for t in world.staff_turns(token)] == [XSS]


# --- links that do not work (any more) ---------------------------------------------------------


def test_unknown_expired_and_withdrawn_links_get_friendly_pages(world, page):
    response = page.goto("/i/not-a-real-link")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Link not found")).to_be_visible()
    assert "Check that you copied the whole link" in page.content()
    assert "Traceback" not in page.content()

    expired = world.invite()
    world.expire(expired)
    response = page.goto(f"/i/{expired}")
    assert response.status == 410
    expect(page.get_by_role("heading", name="This link is no longer active")).to_be_visible()
    assert "expired" in page.locator("main").inner_text()

    token = world.invite()
    consent(page, token)
    send(page, text=detailed(1))
    page.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", name="Withdraw from the assessment?")).to_be_visible()
    page.get_by_role("button", name="Yes, withdraw").click()
    expect(page.get_by_role("heading", name="You have withdrawn")).to_be_visible()
    response = page.goto(f"/i/{token}")
    assert response.status == 410
    assert "You withdrew" in page.locator("main").inner_text()
    assert "Traceback" not in page.content()


# --- keyboard and small screens ----------------------------------------------------------------


def test_consent_and_an_answer_with_the_keyboard_only(world, page):
    token = world.invite()
    page.goto(f"/i/{token}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText.trim()") == "Skip to content"
    tab_to(page, "I agree, start the interview")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("#answer")).to_be_visible()
    assert focused_id(page) == "answer", "the answer box should have focus when the chat opens"
    page.keyboard.type(detailed(1))
    shown = page.locator("#transcript li").count()
    tab_to(page, "Send")
    page.keyboard.press("Enter")
    page.wait_for_function(SETTLED, arg=shown)
    assert staff_texts(page) == [detailed(1)]
    wait_focus_on_answer(page)
    page.keyboard.type("Typing goes straight into the box again")
    assert page.input_value("#answer") == "Typing goes straight into the box again"


def test_chat_fits_a_360_pixel_phone(world, new_context):
    token = world.invite()
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    consent(page, token)
    send(page, text=detailed(1))
    send(page, text="A" * 300)  # one long word must wrap, not widen the page
    send(page, text=detailed(2))
    assert prompt_in_sight(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not blank_lines(page.locator("#transcript li.msg.staff")), "stray blank lines waste a phone's screen"
    send_button = page.get_by_role("button", name="Send", exact=True)
    expect(send_button).to_be_in_viewport()
    box = send_button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.screenshot(path="/tmp/dm3-chat-360.png", full_page=False)
