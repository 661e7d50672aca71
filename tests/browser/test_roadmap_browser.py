"""The consultant's roadmap and report in a real browser: targets, readiness, generate, edit, download."""

from __future__ import annotations

from docx import Document
from playwright.sync_api import expect
from sqlmodel import select

from assistant.models import Engagement, User
from tests.browser.helpers import log_in
from tests.factories import decide_levels, seed_segments


def test_targets_readiness_generate_edit_and_download_the_report(page, world, tmp_path):
    email = world.consultant()
    with world.server.session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        engagement = s.get(Engagement, world.engagement.id)
        decide_levels(
            s,
            engagement,
            {"data_life_cycle": 1, "governance_structures": 2, "leadership_alignment": 2, "sustainability_focus": 2},
            user,
        )
        seed_segments(
            s,
            engagement,
            None,
            [
                (
                    "ana",
                    "frontline",
                    "Honestly nobody has time for data work, we are short-staffed.",
                    "sustainability_focus",
                ),
                ("ben", "frontline", "We don't have time to clean the records.", "sustainability_focus"),
            ],
            quote_consent=True,
        )
    log_in(page, email)
    eid = world.engagement.id
    page.goto(f"/engagements/{eid}/review")
    with page.expect_navigation():
        page.get_by_role("link", name="Roadmap").click()

    # targets and horizon
    expect(page.locator('#targets tr[data-component="equity_lens"]')).to_contain_text("awaiting review")
    page.select_option("#target-data_life_cycle", "3")
    page.select_option("#horizon", "24")
    with page.expect_navigation():
        page.get_by_role("button", name="Save targets and horizon").click()
    expect(page.get_by_role("status")).to_contain_text("Targets and horizon saved")

    # readiness: staff time comes from what staff said; confirm it
    staff_time = page.locator("#readiness-staff_time")
    expect(staff_time).to_contain_text("nobody has time for data work")
    with page.expect_navigation():
        staff_time.get_by_role("button", name="Confirm staff time").click()
    expect(page.locator("#readiness-staff_time")).to_contain_text("confirmed")

    # generate: phases of the 24-month horizon, a timeline chart, and why each item is there
    with page.expect_navigation():
        page.get_by_role("button", name="Generate the roadmap").click()
    expect(page.get_by_role("status")).to_contain_text("Roadmap generated")
    expect(page.locator("figure.timeline svg")).to_be_visible()
    first = page.locator('li.roadmap-item[data-key="dlc_a12a"]')
    expect(first).to_be_visible()
    first.get_by_text("Why it is here").click()
    expect(first).to_contain_text("Gap: decided level 1, target 3")

    # a move that breaks a dependency is refused, naming it
    first.get_by_text("Edit").click()
    first.locator("select[name=phase]").select_option("3")
    with page.expect_navigation():
        first.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#problems")).to_contain_text("depends on “List your most-used datasets”")

    # set an owner (the page after a refusal is the same page, nothing was saved)
    first = page.locator('li.roadmap-item[data-key="dlc_a12a"]')
    first.get_by_text("Edit").click()
    first.locator("input[name=owner]").fill("IT manager")
    with page.expect_navigation():
        first.get_by_role("button", name="Save owner").click()
    expect(page.locator('li.roadmap-item[data-key="dlc_a12a"]')).to_contain_text("Owner: IT manager")

    # the report: export to Word in the background, then download it
    with page.expect_navigation():
        page.get_by_role("link", name="Report").first.click()
    expect(page.locator("article.report h2").first).to_have_text("Executive summary")
    page.select_option("#format", "docx")
    page.get_by_role("button", name="Export").click()
    download_link = page.locator("#download a")
    expect(download_link).to_be_visible(timeout=120_000)
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith("-dm3-report.docx")
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert {"Executive summary", "Method", "Readiness", "Roadmap"} <= set(headings)
    owners = [r.cells[3].text for t in doc.tables for r in t.rows[1:] if t.rows[0].cells[0].text == "Activity"]
    assert "IT manager" in owners
    assert len(doc.inline_shapes) >= 2
