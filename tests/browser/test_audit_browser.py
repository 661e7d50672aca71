"""The audit log in a real browser: a consultant's change shows up with its before and after, the
filter form works, and the CSV downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import PASSWORD


def test_a_roster_change_appears_in_the_audit_log_filtered_and_downloaded(page, world):
    email = world.consultant()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    eid = world.engagement.id
    page.goto(f"/engagements/{eid}")
    page.get_by_label("Finance, frontline").fill("12")
    with page.expect_navigation():
        page.get_by_role("button", name="Save roster").click()

    with page.expect_navigation():
        page.get_by_role("link", name="Audit log").click()
    roster = page.locator("#events tr", has=page.locator("code", has_text="engagement.roster"))
    expect(roster).to_have_count(1)
    expect(roster.locator("ins")).to_have_text("12")
    expect(roster).to_contain_text(email)

    page.select_option("#audit-action", "engagement.roster")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "action=engagement.roster" in page.url
    expect(page.locator("#events tbody tr")).to_have_count(1)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == ["engagement.roster"]
    assert rows[0]["changes"] == "Finance|frontline: 12" and rows[0]["actor"] == email
