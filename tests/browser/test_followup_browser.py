"""A year on, in a real browser: update an activity's status, start a pulse follow-up, take the pulse
as staff (its few questions only), and open the comparison with the earlier assessment."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import select

from assistant.models import Engagement, User
from assistant.records.engagements import Invitee, create_invite
from tests.browser.helpers import consent, detailed, log_in, progress_done, send
from tests.factories import decide_levels, make_roadmap_items


def test_update_an_item_start_a_pulse_take_it_and_compare(page, world):
    email = world.consultant()
    eid = world.engagement.id
    with world.server.session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        decide_levels(s, s.get(Engagement, eid), {"data_life_cycle": 2, "governance_structures": 3}, user)
        items = make_roadmap_items(s, s.get(Engagement, eid), [("inventory", 0), ("register", 1)])
    log_in(page, email)
    page.goto(f"/engagements/{eid}/roadmap")
    with page.expect_navigation():
        page.get_by_role("link", name="Progress", exact=True).click()

    # update the first activity's status
    item = page.locator(f"#item-{items['inventory'].id}")
    item.get_by_label("Status").select_option("in_progress")
    with page.expect_navigation():
        item.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_contain_text("Status saved")
    expect(page.locator(f"#item-{items['inventory'].id}")).to_have_attribute("data-status", "in_progress")
    expect(page.locator("#overall")).to_contain_text("1 in progress")

    # start a pulse follow-up: the new engagement's set-up page says what it is
    page.get_by_label("Pulse").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start the follow-up").click()
    expect(page.locator("#follow-up-of")).to_contain_text("pulse follow-up")
    with world.server.session() as s:
        pulse = s.exec(select(Engagement).where(Engagement.previous_id == eid)).one()
        planned = len(pulse.pulse_plan["questions"])
        token = create_invite(s, pulse, Invitee("Finance", "frontline")).token
        s.commit()
    assert 0 < planned <= 7

    # a staff member takes the pulse: only its few questions
    staff = page.context.new_page()
    staff.goto(f"/i/{token}")
    expect(staff.locator("#pulse-length")).to_contain_text(f"{planned} questions")
    consent(staff, token)
    assert progress_done(staff) == (0, planned)
    send(staff, text=detailed(1))
    assert progress_done(staff)[0] >= 1
    staff.close()

    # the comparison with the earlier assessment
    with page.expect_navigation():
        page.get_by_role("link", name="Compare with the earlier assessment").click()
    expect(page.get_by_role("heading", name="Decided levels")).to_be_visible()
    expect(page.locator('#levels tr[data-component="data_life_cycle"]')).to_contain_text("2")
    # the page states the re-run noise a change must exceed, and the answers to identical questions
    expect(page.locator("#noise")).to_contain_text("re-run noise")
    expect(page.get_by_role("heading", name="Answers to the same questions")).to_be_visible()
