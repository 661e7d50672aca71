"""The XSS corpus in a real browser: every payload of ``tests/browser/xss_corpus.py`` entered as staff
answers, organisation and department names, theme labels and summaries, and decision rationales,
some typed into the forms and the rest stored through the stage functions, then every page that
shows them is opened with JavaScript on. On each page: no dialog opens, no payload script runs
(``window.__xss``), no markup from a payload is in the document, nothing trips the
Content-Security-Policy, and the payloads read as the text that was entered.

Findings (the equity branch) are not here yet: add their pages to ``pages`` when they land.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlmodel import col, select

from assistant.config import Settings
from assistant.interview import actions
from assistant.models import Engagement, Interview, Membership, Participant, Theme, Turn, User
from assistant.records.engagements import Invitee, create_engagement, create_invite, enable_open_link
from assistant.rubric import Rubric, get_rubric
from tests.browser.conftest import World
from tests.browser.helpers import log_in
from tests.browser.xss_corpus import PAYLOADS
from tests.synthesis.seed import TOPICS, VARIANTS, add_person

# markup a payload would add if it were not escaped (the page's own markup has none of these)
INJECTED = (
    "[data-xss], [onerror], [onload], [onfocus], [ontoggle], [onstart], [onmouseover], [onclick], "
    "iframe, object, embed, video, marquee, math, template, details[ontoggle], [hx-on\\:click], "
    "[hx-trigger='load'], "
    "a[href^='javascript' i], form[action^='javascript' i], base, main meta, body body"
)


def _squash(text: str) -> str:
    return " ".join(text.split())


class Watch:
    """Dialogs and Content-Security-Policy complaints on one page, for the whole test."""

    def __init__(self, page: Page) -> None:
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)


def check_page(page: Page, watch: Watch, url: str, expected: list[str]) -> None:
    """Open ``url`` and assert nothing from the corpus ran or became markup, and ``expected`` reads as text."""
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # let any autofocus / load handler fire, if one had got in
    assert watch.dialogs == [], (url, watch.dialogs)
    assert watch.csp == [], (url, watch.csp)
    assert page.evaluate("() => window.__xss === undefined"), url
    injected = page.evaluate(f"() => Array.from(document.querySelectorAll({INJECTED!r})).map(e => e.outerHTML)")
    assert injected == [], (url, injected)
    text = _squash(
        page.evaluate(
            "() => document.documentElement.textContent + ' ' + "
            "Array.from(document.querySelectorAll('input, textarea')).map(e => e.value).join(' ')"
        )
    )
    missing = [p for p in expected if _squash(p) not in text]
    assert not missing, (url, missing)


def seed_corpus(world: World) -> dict:
    """An engagement named with payloads whose staff answered with them (stored, submitted, synthesised)."""
    with world.server.session() as s:
        departments = ["Public Works", PAYLOADS[1], PAYLOADS[25]]
        engagement = create_engagement(s, PAYLOADS[0], departments)
        s.flush()
        open_token = enable_open_link(s, engagement, True) or ""
        for i, payload in enumerate(PAYLOADS):
            answers = {
                (comp, f"{comp}.q{j}"): f"{t.format(x=VARIANTS[(i + j) % len(VARIANTS)])} {payload}"
                for comp, topics in TOPICS.items()
                for j, t in enumerate(topics)
            }
            add_person(s, engagement, departments[i % 3], "frontline", answers)
        s.commit()
        eid = engagement.id
        # one person still talking: their own chat, review and edit pages show their payload answers
        invite = create_invite(s, engagement, Invitee(PAYLOADS[1], "frontline"))
        s.commit()
        rubric = world_rubric()
        interview = actions.record_consent(s, invite.participant, True, rubric)
        actions.advance(s, interview, rubric)
        for n, payload in enumerate(PAYLOADS[:6]):
            actions.respond(s, interview, rubric, "answer", payload, f"xss-{n}", 4000)
            actions.advance(s, interview, rubric)
        first_answer = s.exec(
            select(Turn).where(Turn.interview_id == interview.id, Turn.role == "staff").order_by(Turn.id)
        ).first()
        staff_iv = s.exec(
            select(Interview).join(Participant).where(Participant.engagement_id == eid).order_by(Interview.id)
        ).first()
        transcript_label = s.get(Participant, staff_iv.participant_id).public_label
    settings = Settings(database_url=str(world.server.engine.url), llm_base_url=None, llm_model=None, _env_file=None)
    from assistant.embeddings import get_embedder
    from assistant.rating.offline import OfflineRater
    from assistant.rating.run import propose_for_engagement
    from assistant.synthesis.run import synthesize

    embedder = get_embedder(settings.embedding_model)
    synthesize(world.server.engine, eid, embedder, settings=settings, rubric=rubric)
    propose_for_engagement(
        world.server.engine,
        eid,
        OfflineRater(rubric, embedder),
        components=["data_life_cycle", "governance_structures"],
    )
    with world.server.session() as s:
        # a data_life_cycle theme, by id: the pages checked below are that component's (PostgreSQL has no
        # default order, and the first theme it returned could belong to another component)
        theme = s.exec(
            select(Theme)
            .where(
                Theme.engagement_id == eid,
                Theme.component == "data_life_cycle",
                col(Theme.archived).is_(False),
                col(Theme.is_other).is_(False),
                col(Theme.parent_id).is_(None),
            )
            .order_by(Theme.id)
        ).first()
        theme.summary = " ".join(PAYLOADS[10:20])
        theme.keywords = PAYLOADS[20:25]
        s.add(theme)
        s.commit()
        theme_id = theme.id
    return {
        "eid": eid,
        "open_token": open_token,
        "token": invite.token,
        "turn": first_answer.id,
        "theme": theme_id,
        "transcript": transcript_label,
    }


def world_rubric() -> Rubric:
    """The rubric the live server uses (the default file)."""
    return get_rubric()


def test_the_xss_corpus_is_shown_as_text_on_every_page(page: Page, world: World, new_context):
    assert len(PAYLOADS) >= 30
    seeded = seed_corpus(world)
    eid, theme_id = seeded["eid"], seeded["theme"]
    watch = Watch(page)
    email = world.consultant()
    with world.server.session() as s:  # the consultant leads the corpus engagement too
        user = s.exec(select(User).where(User.email == email)).one()
        s.add(Membership(engagement_id=eid, user_id=user.id, role="lead"))
        s.commit()
    log_in(page, email)

    # typed into the forms: an organisation and departments, a theme label, a decision rationale
    page.goto("/engagements/new")
    page.fill("#organisation", PAYLOADS[3])
    page.fill("#departments", "\n".join(p for p in PAYLOADS[4:9] if "," not in p))
    with page.expect_navigation():
        page.get_by_role("button", name="Create engagement").click()
    typed_eid = int(re.search(r"/engagements/(\d+)", page.url).group(1))
    page.goto(f"/engagements/{eid}/themes/t/{theme_id}")
    page.fill("#label", PAYLOADS[13])
    with page.expect_navigation():
        page.get_by_role("button", name="Save label").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PAYLOADS[13])
    page.goto(f"/engagements/{eid}/review/data_life_cycle")
    page.select_option("#change-level", "2")
    page.fill("#change-rationale", PAYLOADS[14] + " " + PAYLOADS[36])
    page.get_by_role("button", name="Change level").click()
    expect(page.locator("#decision-history")).to_contain_text(PAYLOADS[14])

    with world.server.session() as s:
        assert s.get(Engagement, typed_eid).organisation == PAYLOADS[3]

    consultant_pages = [
        ("/engagements", [PAYLOADS[0], PAYLOADS[3]]),
        (f"/engagements/{eid}", [PAYLOADS[0], PAYLOADS[1], PAYLOADS[25]]),
        (f"/engagements/{typed_eid}", [PAYLOADS[3], PAYLOADS[4]]),
        (f"/engagements/{eid}/transcripts/{seeded['transcript']}", [PAYLOADS[0]]),
        (f"/engagements/{eid}/themes", [PAYLOADS[0]]),
        (f"/engagements/{eid}/themes/c/data_life_cycle", [PAYLOADS[13]]),
        (f"/engagements/{eid}/themes/t/{theme_id}", [PAYLOADS[13], *PAYLOADS[10:20]]),
        (f"/engagements/{eid}/review", [PAYLOADS[0]]),
        (f"/engagements/{eid}/review/data_life_cycle", [PAYLOADS[14], PAYLOADS[36]]),
        (f"/engagements/{eid}/review/governance_structures", [PAYLOADS[0]]),
        (f"/engagements/{eid}/themes/import", [PAYLOADS[0]]),
    ]
    for url, expected in consultant_pages:
        check_page(page, watch, url, expected)
    # every transcript of the engagement shows its payload answers as text
    with world.server.session() as s:
        interviews = s.exec(
            select(Participant.public_label)
            .join(Interview)
            .where(Participant.engagement_id == eid, Interview.state == "submitted")
            .order_by(Interview.id)  # seeding order: interview n holds payload n (PostgreSQL has no default order)
        ).all()
    for n, label in enumerate(interviews[: len(PAYLOADS)]):
        check_page(page, watch, f"/engagements/{eid}/transcripts/{label}", [PAYLOADS[n]])

    # staff: their own pages, another device, a payload typed into the chat as well
    staff = new_context().new_page()
    staff_watch = Watch(staff)
    token = seeded["token"]
    staff.goto(f"/i/{token}")
    staff.fill("#answer", PAYLOADS[37])
    staff.get_by_role("button", name="Send").click()
    expect(staff.locator("#transcript li.msg.staff").last).to_contain_text(PAYLOADS[37])
    staff_pages = [
        (f"/i/{token}", [*PAYLOADS[:6], PAYLOADS[37]]),
        (f"/i/{token}/review", PAYLOADS[:6]),
        (f"/i/{token}/edit/{seeded['turn']}", [PAYLOADS[0]]),
        (f"/join/{seeded['open_token']}", [PAYLOADS[0], PAYLOADS[1], PAYLOADS[25]]),
    ]
    for url, expected in staff_pages:
        check_page(staff, staff_watch, url, expected)
