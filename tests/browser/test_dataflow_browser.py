"""The staff data-flow section in a real browser at 360 px, with and without JavaScript, under the
product's CSP: a missing end is refused with what was typed kept, then the flow is saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import consent

PHONE = {"viewport": {"width": 360, "height": 740}}


@pytest.mark.parametrize("js", [True, False])
def test_staff_add_a_flow_on_a_phone(world, new_context, js):
    token = world.invite("Finance")
    page = new_context(java_script_enabled=js, **PHONE).new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    if js:
        consent(page, token)
    else:  # without JavaScript the consent form posts and the page reloads
        page.goto(f"/i/{token}")
        page.get_by_role("button", name="I agree, start the interview").click()
    page.get_by_role("link", name="tell us which systems you use and where their data goes").click()
    expect(page.get_by_role("heading", name="Your systems and data flows")).to_be_visible()
    page.get_by_label("System, file or tool").fill("Munis")
    page.get_by_label("Re-typed by hand").check()
    page.get_by_label("What goes wrong, if anything?").fill("The totals never match the first time.")
    page.get_by_role("button", name="Save this flow").click()
    expect(page.get_by_role("alert")).to_contain_text("where its data comes from")
    expect(page.get_by_label("System, file or tool")).to_have_value("Munis")
    expect(page.get_by_label("What goes wrong, if anything?")).to_have_value("The totals never match the first time.")
    page.get_by_label("Where does its data come from?").fill("Public Works")
    # the saved page scrubs the catalogue's names: the first one a server shows loads the name model
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="Save this flow").click(no_wait_after=True)
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(page.get_by_text("Public Works \u2192 Munis (re-typed)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert csp == []
