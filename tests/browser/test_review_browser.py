"""The consultant's rating review in a real browser: run the rating, read the evidence, decide."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.factories import seed_segments
from tests.rating.conftest import GOV_HIGH


def test_review_flow_run_rating_accept_then_change_with_rationale(page, world):
    with world.server.session() as s:
        seed_segments(s, world.engagement, "governance_structures", GOV_HIGH, interviews=True)
    log_in(page, world.consultant())
    eid = world.engagement.id
    page.goto(f"/engagements/{eid}/review")
    # the rating runs in the background: htmx shows its progress and reloads the page when it ends
    page.get_by_role("button", name="Run rating").click()
    expect(page.locator("#last-run")).to_contain_text("components rated", timeout=120_000)
    expect(page.locator('#profile svg g[id^="profile-proposed-"]')).to_have_count(1)
    row = page.locator('#components tr[data-component="governance_structures"]')
    expect(row).to_contain_text("proposed")
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(page.locator("#engine")).to_contain_text("offline")
    expect(page.locator("#quotes blockquote").first).to_be_visible()
    level = int(re.search(r"Proposed level (\d)", page.locator("#proposal-summary").inner_text()).group(1))

    # a quote's context opens the transcript at that answer
    context_link = page.get_by_role("link", name="see in context").first
    href = context_link.get_attribute("href")
    page.goto(href)
    expect(page.locator(f"#{href.split('#')[1]}")).to_be_visible()
    page.go_back()

    # accept (htmx swaps the decision card in place)
    page.get_by_role("button", name=f"Accept level {level}").click()
    expect(page.locator("#current-decision")).to_contain_text("accept")
    # change: the browser itself insists on a rationale before sending
    new_level = 3 if level != 3 else 2
    page.select_option("#change-level", str(new_level))
    page.get_by_role("button", name="Change level").click()
    expect(page.locator("#change-rationale")).to_have_js_property("validity.valueMissing", True)
    # only spaces pass the browser's check; the server refuses (422) and htmx swaps its message in place
    page.fill("#change-rationale", "   ")
    page.get_by_role("button", name="Change level").click()
    expect(page.locator("#decision [role=alert]")).to_contain_text("rationale")
    expect(page.locator("#current-decision")).to_contain_text("accept")
    # a refusal that is no part of the page (an expired form token: 403) is said in the form that was sent
    page.select_option("#change-level", str(new_level))
    headers = page.evaluate("document.body.getAttribute('hx-headers')")
    page.evaluate("document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRF-Token': 'stale'}))")
    page.fill("#change-rationale", "Stewards have no protected time yet.")
    page.get_by_role("button", name="Change level").click()
    expect(page.locator("#decision form [role=alert]").first).to_contain_text("page has expired")
    page.evaluate("h => document.body.setAttribute('hx-headers', h)", headers)
    page.fill("#change-rationale", "Stewards have no protected time yet.")
    page.get_by_role("button", name="Change level").click()
    expect(page.locator("#current-decision")).to_contain_text(f"level {new_level}")
    expect(page.locator("#decision-history li")).to_have_count(2)

    page.goto(f"/engagements/{eid}/review")
    expect(page.locator('#profile svg g[id^="profile-decided-"]')).to_have_count(1)
    expect(page.locator("#exact-agreement")).to_contain_text("0% of 1")
