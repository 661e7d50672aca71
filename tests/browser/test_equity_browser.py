"""The equity reviewer's journey in a real browser, and team boundaries: the lead adds a reviewer
who sets a password through the one-time link, audits the engagement without seeing anyone's
identity, records a finding the consultants then read; a consultant from another team gets 404."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from assistant.records.accounts import create_user
from tests.browser.helpers import PASSWORD
from tests.equity.seed import SECRET_EMAIL, seed_known


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your engagements")).to_be_visible()


@pytest.fixture
def known(live_server):
    """The engagement of known composition (tests/equity/seed.py) on the live server, with its lead's email."""
    lead_email = f"lead-{uuid.uuid4().hex[:8]}@example.org"
    with live_server.session() as s:
        lead = create_user(s, lead_email, PASSWORD, role="consultant")
        s.commit()
        known = seed_known(s, lead, settings={"flag_ratio": 0.9})
    return known, lead_email


def test_equity_reviewer_journey(known, new_context):
    known, lead_email = known
    eid = known.engagement.id
    lead = new_context().new_page()
    log_in(lead, lead_email)
    lead.goto(f"/engagements/{eid}")
    lead.get_by_role("link", name="Team").first.click()
    reviewer_email = f"equity-{uuid.uuid4().hex[:8]}@city.gov"
    lead.fill("#member-email", reviewer_email)
    lead.select_option("#member-role", "equity_reviewer")
    lead.get_by_role("button", name="Add to the team").click()
    expect(lead.locator("#added")).to_contain_text("shown only once")
    link = lead.get_by_label(f"Set-password link for {reviewer_email}").input_value()
    expect(lead.locator("#members")).to_contain_text("Equity reviewer")

    reviewer = new_context().new_page()
    reviewer.goto(link)
    reviewer.fill("#password", "equity office 2026")
    reviewer.fill("#confirm", "equity office 2026")
    reviewer.get_by_role("button", name="Set password").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Your password is set")
    reviewer.get_by_role("link", name=f"Log in as {reviewer_email}").click()
    reviewer.fill("#email", reviewer_email)
    reviewer.fill("#password", "equity office 2026")
    with reviewer.expect_navigation():
        reviewer.get_by_role("button", name="Log in").click()
    # lands on their engagements, one click from the audit
    expect(reviewer.get_by_role("heading", name="Your engagements")).to_be_visible()
    expect(reviewer.get_by_role("link", name="New engagement")).to_have_count(0)
    reviewer.get_by_role("link", name="Knownville").last.click()
    expect(reviewer.get_by_role("heading", name="Knownville: equity audit")).to_be_visible()
    department = reviewer.locator("#participation-department")
    expect(department.locator("tr", has_text="Public Works")).to_contain_text("50")
    expect(department.locator("tr", has_text="Parks")).to_contain_text("fewer than 5")  # 6 invited: named
    expect(reviewer.locator("#participation-role_level tr", has_text="frontline")).to_contain_text("under-represented")
    expect(reviewer.locator("#ratio-chart svg")).to_be_visible()

    reviewer.fill(
        "#finding-text", "Frontline staff are under-represented; the data life cycle level rests on managers."
    )
    reviewer.select_option("#finding-severity", "high")
    reviewer.select_option("#finding-component", "data_life_cycle")
    reviewer.select_option("#finding-group", "Role level: frontline")
    reviewer.get_by_role("button", name="Record finding").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Finding recorded")
    expect(reviewer.locator("#findings")).to_contain_text("Frontline staff are under-represented")

    seen = [reviewer.content()]
    reviewer.get_by_role("link", name="Voices in themes").click()
    expect(reviewer.locator("#theme-voices")).to_contain_text("Voiced by only one department: Public Works")
    seen.append(reviewer.content())
    reviewer.get_by_role("link", name="Voices behind ratings").click()
    expect(reviewer.locator("#rating-data_life_cycle")).to_contain_text("Decided level rests on only one department")
    seen.append(reviewer.content())
    reviewer.get_by_role("link", name="Voices left out").click()
    expect(reviewer.locator("#never-cited")).to_contain_text("Finance")
    reviewer.get_by_text("Read the 2 answers").click()
    expect(reviewer.locator("#other-voices")).to_contain_text("answer number 1 about our data work")
    seen.append(reviewer.content())
    # no identities anywhere the reviewer went
    page_text = "".join(seen)
    people = [p for group in known.by_group.values() for p in group]
    assert SECRET_EMAIL not in page_text and not any(p.public_label in page_text for p in people)
    assert "/transcripts/" not in page_text
    # consultants' pages are not theirs
    assert reviewer.goto(f"/engagements/{eid}").status == 403

    # the consultants read the finding on the review page
    lead.goto(f"/engagements/{eid}/review")
    expect(lead.locator("#equity-findings")).to_contain_text("Frontline staff are under-represented")
    lead.goto(f"/engagements/{eid}/review/data_life_cycle")
    expect(lead.locator("#equity-findings")).to_contain_text("High")


def test_a_consultant_of_another_team_gets_404(world, new_context):
    outsider = world.consultant(role=None)
    page = new_context().new_page()
    log_in(page, outsider)
    expect(page.locator("main")).not_to_contain_text(world.engagement.organisation)
    for tail in ("", "/review", "/themes", "/team", f"/transcripts/{world.engagement.id}"):
        response = page.goto(f"/engagements/{world.engagement.id}{tail}")
        assert response.status == 404, tail
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(world.engagement.organisation)
    # a member of that team opens the same page
    member = new_context().new_page()
    log_in(member, world.consultant(role="consultant"))
    assert member.goto(f"/engagements/{world.engagement.id}").status == 200
