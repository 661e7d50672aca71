"""The consultant's set-up in a real browser: engagement, roster, invites, open link, progress, logout."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.helpers import PASSWORD, detailed

GOOD_CSV = (
    b"department,role level,email\nPublic Works,frontline,ana@example.org\nFinance,manager,\nPublic Works,frontline,\n"
)
BROKEN_CSV = b"Public Works,frontline\nPlanning,frontline\nFinance,boss,not-an-email\nFinance\n"


def log_in(page, email: str) -> None:
    page.goto("/engagements")
    assert re.search(r"/login\?next=/engagements$", page.url)
    page.fill("#email", email)
    page.fill("#password", "wrong password!")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Email or password is not right")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Engagements")).to_be_visible()


def totals(page) -> dict[str, int | str]:
    """The progress table's total row, by column heading."""
    heads = page.locator("#progress-table thead th").all_inner_texts()
    cells = page.locator("#progress-table tfoot tr > *").all_inner_texts()
    # "Total" spans the department and role level columns
    return {
        h.strip().lower(): int(c) if c.strip().isdigit() else c.strip()
        for h, c in zip(heads[2:], cells[1:], strict=False)
    }


def row(page, department: str, role: str) -> dict[str, int | str]:
    """One progress row by column heading: numbers, or the words shown for a hidden small count."""
    heads = page.locator("#progress-table thead th").all_inner_texts()
    for tr in page.locator("#progress-table tbody tr").all():
        cells = tr.locator("td").all_inner_texts()
        if cells[:2] == [department, role]:
            return {
                h.strip().lower(): int(c) if c.strip().isdigit() else c.strip()
                for h, c in zip(heads[2:], cells[2:], strict=False)
            }
    raise AssertionError(f"no progress row for {department} / {role}")


def test_consultant_sets_up_an_engagement_and_watches_progress(world, new_context):
    email = world.consultant()
    page = new_context().new_page()
    log_in(page, email)

    # create an engagement
    organisation = f"City of Riverton {uuid.uuid4().hex[:6]}"
    page.get_by_role("link", name="New engagement").click()
    page.fill("#organisation", organisation)
    page.fill("#departments", "Public Works\nFinance")
    expect(page.locator("#role_levels")).to_have_value("frontline, supervisor, manager, executive")
    with page.expect_navigation():
        page.get_by_role("button", name="Create engagement").click()
    expect(page.get_by_role("heading", name=organisation)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Engagement created")
    detail_url = page.url.split("?")[0]
    assert "Departments: Public Works, Finance" in page.locator("main").inner_text()

    # roster counts
    page.get_by_label("Public Works, frontline").fill("12")
    page.get_by_label("Finance, manager").fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Save roster").click()
    expect(page.get_by_label("Public Works, frontline")).to_have_value("12")
    expect(page.get_by_label("Finance, manager")).to_have_value("3")
    expect(page.locator("#progress-table")).to_contain_text("No one invited yet.")

    # one invite: the link is shown once
    page.select_option("#inv-dept", "Finance")
    page.select_option("#inv-role", "manager")
    page.fill("#inv-email", "bo@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Create invite link", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Invite created")
    links = page.locator("#new-invites input.invite-link")
    expect(links).to_have_count(1)
    single_link = links.first.input_value()
    assert re.fullmatch(rf"{re.escape(world.server.url)}/i/[\w-]{{20,}}", single_link)

    # a CSV with bad rows: every problem listed, nothing imported
    page.set_input_files("#inv-file", files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": BROKEN_CSV}])
    with page.expect_navigation():
        page.get_by_role("button", name="Create invite links").click()
    problems = page.locator(".errors[role=alert]")
    expect(problems).to_contain_text("Nothing was imported: 4 problem(s)")
    expect(problems).to_contain_text("row 2: unknown department 'Planning'")
    expect(problems).to_contain_text("row 3: unknown role level 'boss'")
    expect(problems).to_contain_text("row 3: 'not-an-email' is not an email address")
    expect(problems).to_contain_text("row 4: expected 2 to 4 columns")
    expect(page.locator("#new-invites")).to_have_count(0)
    assert totals(page)["invited"] == "fewer than 5"  # one person: the group is not named, the total hidden

    # a good CSV: three links
    page.set_input_files("#inv-file", files=[{"name": "invites.csv", "mimeType": "text/csv", "buffer": GOOD_CSV}])
    with page.expect_navigation():
        page.get_by_role("button", name="Create invite links").click()
    expect(page.get_by_role("status")).to_contain_text("3 invites created")
    expect(page.locator("#new-invites input.invite-link")).to_have_count(3)
    bulk_links = page.locator("#new-invites input.invite-link").evaluate_all("els => els.map(e => e.value)")
    assert len(set(bulk_links + [single_link])) == 4
    expect(page.locator("#new-invites")).to_contain_text("ana@example.org")
    assert totals(page)["invited"] == "fewer than 5"

    # open link
    page.get_by_role("button", name="Turn on the open link").click()
    open_link = page.locator("#open-link-url")
    expect(open_link).to_have_value(re.compile(rf"^{re.escape(world.server.url)}/join/[\w-]+$"))
    open_url = open_link.input_value()
    page.screenshot(path="/tmp/dm3-consultant-detail.png", full_page=True)

    # a staff member joins through the open link, picks a group and lands in the interview
    staff = new_context().new_page()
    staff.goto(open_url)
    expect(staff.get_by_role("heading", name=f"{organisation}: data interview")).to_be_visible()
    staff.select_option("#department", "Public Works")
    staff.select_option("#role_level", "supervisor")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Continue").click()
    expect(staff.locator("p.notice[role=status]")).to_contain_text("This is your personal link")
    personal = staff.locator("#personal-link").get_attribute("href")
    assert re.fullmatch(r"/i/[\w-]{20,}", personal)
    assert "(Public Works, supervisor)" in staff.locator("main").inner_text()
    with staff.expect_navigation():
        staff.get_by_role("button", name="I agree, start the interview").click()
    expect(staff.locator("#answer")).to_be_visible()
    staff.fill("#answer", detailed(1))
    staff.get_by_role("button", name="Send", exact=True).click()
    expect(staff.locator("#transcript li.msg.staff")).to_contain_text(detailed(1))

    # another staff member submits from a personal link (unanswered questions count as skipped)
    submitter = new_context().new_page()
    submitter.goto(single_link)
    with submitter.expect_navigation():
        submitter.get_by_role("button", name="I agree, start the interview").click()
    submitter.get_by_role("link", name="Review my answers").click()
    with submitter.expect_navigation():
        submitter.get_by_role("button", name="Submit my answers").click()
    expect(submitter.get_by_role("heading", name="Thank you, your answers were submitted")).to_be_visible()

    # the consultant's progress table
    page.goto(detail_url)
    # five people invited over four groups: no group of 5 to name, so the table has one pooled row,
    # and what one person did reads "fewer than 5" there and in the total
    what = {"roster": 15, "invited": 5, "started": "fewer than 5", "submitted": "fewer than 5", "withdrawn": 0}
    assert totals(page) == what
    assert row(page, "other departments", "other role levels") == what
    assert page.locator("#progress-table tbody tr").count() == 1
    # only the submitted interview is listed (unsubmitted text is shown to nobody), under a random label,
    # its one-person group pooled rather than named
    interviews = page.locator("#transcripts tbody tr").all_inner_texts()
    assert len(interviews) == 1 and re.fullmatch(r"P-[A-Z0-9]{6}\tother departments\tother role levels", interviews[0])

    # the open link can be closed again
    page.get_by_role("button", name="Close the open link").click()
    expect(page.get_by_role("button", name="Turn on the open link")).to_be_visible()
    assert staff.goto(open_url).status == 410

    # log out: the consultant pages ask for a login again
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Log out")).click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto("/engagements")
    assert re.search(r"/login\?next=/engagements$", page.url)
    page.goto(detail_url)
    assert "/login" in page.url


def test_engagement_form_lists_every_problem_and_keeps_what_was_typed(world, page):
    log_in(page, world.consultant())
    page.goto("/engagements/new")
    page.fill("#organisation", "Village of Elm")
    page.fill("#role_levels", "frontline, manager")
    # the browser's own "required" check would stop the post before the server sees it
    page.evaluate("document.querySelector('#departments').removeAttribute('required')")
    with page.expect_navigation():
        page.get_by_role("button", name="Create engagement").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Add at least one department")
    expect(alert).to_contain_text("missing: supervisor, executive")
    expect(page.locator("#organisation")).to_have_value("Village of Elm")
    expect(page.locator("#role_levels")).to_have_value("frontline, manager")
