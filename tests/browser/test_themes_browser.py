"""The consultant's theme pages in a real browser: run synthesis, read a component, curate a theme.

With JavaScript, htmx follows the background run and reloads the page when it ends; without
JavaScript, the page refreshes itself while the run is unfinished.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.synthesis.seed import TOPICS, VARIANTS, add_person


def seed_answers(world, people: int = 12) -> None:
    with world.server.session() as s:
        for i in range(people):
            answers = {
                (comp, f"{comp}.q{j}"): t.format(x=VARIANTS[(i + 3 * j) % len(VARIANTS)])
                for comp, topics in TOPICS.items()
                for j, t in enumerate(topics)
            }
            add_person(s, world.engagement, ["Public Works", "Finance", "Parks"][i % 3], "frontline", answers)
        s.commit()


def seed_a_colleague_by_name(world) -> None:
    """The engagement knows a staff name; four people mention her the way staff do (lower case too)."""
    from assistant.models import Engagement

    with world.server.session() as s:
        eng = s.get(Engagement, world.engagement.id)
        eng.settings = {**eng.settings, "roster_names": ["Dolores Whitfield"]}
        s.add(eng)
        for i in range(4):
            add_person(
                s,
                world.engagement,
                ["Public Works", "Finance"][i % 2],
                "manager",
                {
                    ("data_life_cycle", "data_life_cycle.q0"): [
                        "Dolores keeps the only list of our datasets in a binder.",
                        "only dolores knows where the dataset list is, it's in her binder",
                        "Ask Dolores Whitfield for the list of datasets, she has the binder.",
                        "The list of datasets is Dolores's binder, nobody else has one.",
                    ][i]
                },
            )
        s.commit()


def test_run_synthesis_read_themes_and_curate(page, world):
    seed_answers(world)
    seed_a_colleague_by_name(world)
    log_in(page, world.consultant())
    eid = world.engagement.id
    page.goto(f"/engagements/{eid}")
    with page.expect_navigation():
        page.get_by_role("link", name="Themes").first.click()
    page.get_by_role("button", name="Run synthesis").click()
    expect(page.locator("#last-run")).to_contain_text("newly embedded", timeout=120_000)

    row = page.locator('#components tr[data-component="data_life_cycle"]')
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(page.locator('#chart svg[role="img"]')).to_be_visible()
    # labels read as findings, not keyword lists; no roster name anywhere on the page
    labels = page.locator("article.theme h2").all_inner_texts()
    assert labels and all("," not in label and label.strip() for label in labels), labels
    assert "dolores" not in page.content().lower() and "whitfield" not in page.content().lower()
    first = page.locator("article.theme").first
    expect(first.locator("blockquote.quote").first).to_be_visible()
    first.get_by_text("Who is behind this theme").click()
    expect(first.locator(".breakdown")).to_contain_text("fewer than 5")

    # a quote opens the de-identified transcript at its answer
    href = first.get_by_role("link", name="in context").first.get_attribute("href")
    page.goto(href)
    expect(page.locator(f"#{href.split('#')[1]}")).to_be_visible()
    page.go_back()

    with page.expect_navigation():
        page.locator("article.theme h2 a").first.click()
    page.fill("#label", "Spreadsheets emailed around")
    with page.expect_navigation():
        page.get_by_role("button", name="Save label").click()
    expect(page.get_by_role("status")).to_contain_text("Label saved")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spreadsheets emailed around")
    # move the first segment to another theme: it leaves this page's list
    count = page.locator("ol.segments > li").count()
    with page.expect_navigation():
        page.locator("ol.segments form.move").first.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_contain_text("Segment moved")
    expect(page.locator("ol.segments > li")).to_have_count(count - 1)


def test_synthesis_without_javascript(new_context, world):
    seed_answers(world, people=6)
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, world.consultant())
    page.goto(f"/engagements/{world.engagement.id}/themes")
    with page.expect_navigation():
        page.get_by_role("button", name="Run synthesis").click()
    expect(page.get_by_role("status")).to_contain_text("Synthesis started")
    # the page refreshes itself (noscript meta refresh) until the run has finished
    expect(page.locator("#last-run")).to_contain_text("newly embedded", timeout=120_000)
