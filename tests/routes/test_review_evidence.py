"""The component review page over HTTP: each quote with the indicator it is cited for, the counts the
proposal stores, the confidence in words, and disagreements shown side by side for the consultant to decide."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from assistant.models import AuditEvent, Decision, RatingProposal
from assistant.rating.offline import OfflineRater
from assistant.rating.run import propose_for_engagement
from tests.factories import csrf_of, make_engagement, seed_segments
from tests.rating.conftest import CONFLICT, GOV_HIGH


def rate(engine, session, rubric, embedder, component, rows):
    engagement = make_engagement(session)
    seed_segments(session, engagement, component, rows, interviews=True)
    propose_for_engagement(engine, engagement.id, OfflineRater(rubric, embedder), components=[component])
    stored = session.exec(select(RatingProposal).where(RatingProposal.engagement_id == engagement.id)).one()
    return engagement, stored


def section(page: str, name: str) -> str:
    match = re.search(rf'<section class="card" id="{name}">(.*?)</section>', page, re.S)
    assert match, f"no #{name} section"
    return match.group(1)


def test_each_quote_shows_the_indicator_it_is_cited_for_and_the_counts_add_up(
    consultant_client, engine, session, rubric, embedder
):
    engagement, stored = rate(engine, session, rubric, embedder, "governance_structures", GOV_HIGH)
    assert stored.status == "proposed"
    comp = rubric.component("governance_structures")
    page = consultant_client.get(f"/engagements/{engagement.id}/review/governance_structures").text
    quotes = section(page, "quotes")
    items = re.findall(r'<li id="cite-(E-\d+)" class="quote">(.*?)</li>', quotes, re.S)
    cited = {(c["segment_id"], c["quote"]): ind for ind in stored.indicators for c in ind["citations"]}
    assert items and len(items) == len({(sid, q) for sid, q in cited}), "each quote once"
    for ref, body in items:
        quote = html.unescape(re.search(r"<blockquote>“(.*?)”</blockquote>", body, re.S).group(1))
        shown_for = re.findall(r'<span data-indicator="([a-z_]+)"><strong>(.*?)</strong>, level (\d)', body)
        expected = [
            ind for ind in stored.indicators for c in ind["citations"] if (c["segment_id"], c["quote"]) == (ref, quote)
        ]
        assert [(i, html.unescape(n), int(lvl)) for i, n, lvl in shown_for] == [
            (ind["indicator_id"], comp.indicator(ind["indicator_id"]).name, ind["evidence_level"]) for ind in expected
        ]
        # the indicator's evidence at that level is next to the quote
        for ind in expected:
            assert comp.indicator(ind["indicator_id"]).levels[ind["evidence_level"]] in html.unescape(body)
    # the counts the page shows are the stored ones: headline, each indicator, voice mix
    mix = stored.voice_mix
    assert f"{mix['participants']} people behind the indicators" in section(page, "voice-mix")
    table = section(page, "indicators")
    for ind in stored.indicators:
        if ind["evidence_level"]:
            row = re.search(rf'data-indicator="{ind["indicator_id"]}">(.*?)</tr>', table, re.S).group(1)
            assert (
                f"{ind['participants']} {'person' if ind['participants'] == 1 else 'people'}, "
                f"{ind['segments']} segment(s)" in row
            )
    rated = sum(1 for ind in stored.indicators if ind["evidence_level"])
    confidence = re.search(r'<p id="confidence">(.*?)</p>', page, re.S).group(1)
    assert f"{rated} of 5 indicators, {mix['participants']} people" in confidence


def test_a_disagreement_between_small_groups_is_not_attributed(consultant_client, engine, session, rubric, embedder):
    """Two frontline and three managers disagree: "Managers and executives" would name a group of 3, so
    the page attributes no quote to either side (the level rule still followed the split)."""
    engagement, stored = rate(engine, session, rubric, embedder, "data_life_cycle", CONFLICT)
    assert [ind for ind in stored.indicators if ind.get("split")], stored.rationale
    page = consultant_client.get(f"/engagements/{engagement.id}/review/data_life_cycle").text
    assert 'class="disagreement"' not in page and "side-count" not in page


def test_disagreement_is_shown_side_by_side_and_the_consultant_can_follow_either_side(
    consultant_client, engine, session, rubric, embedder
):
    # each person of the conflict three times over, so that each side has at least 5 people: a side
    # of fewer than k is never shown (``test_a_disagreement_between_small_groups_is_not_attributed``)
    rows = [(f"{name} {n}", role, text) for n in range(3) for name, role, text in CONFLICT]
    engagement, stored = rate(engine, session, rubric, embedder, "data_life_cycle", rows)
    split = [ind for ind in stored.indicators if ind.get("split")]
    assert split, stored.rationale
    assert all(side["participants"] >= 5 for ind in split for side in ind["split"]["sides"])
    url = f"/engagements/{engagement.id}/review/data_life_cycle"
    page = consultant_client.get(url).text
    box = section(page, "disagreements")
    for ind in split:
        block = re.search(
            rf'<article class="disagreement" data-indicator="{ind["indicator_id"]}">(.*?)</article>', box, re.S
        ).group(1)
        sides = re.findall(r'<div class="side" data-side="\d">(.*?)</div>', block, re.S)
        assert len(sides) == 2
        for shown, side in zip(sides, ind["split"]["sides"], strict=False):
            assert f"level {side['level']}" in shown
            assert f"{side['participants']} people" in shown
            for c in side["citations"]:
                assert c["quote"] in html.unescape(shown)
        assert f"The rule followed level {ind['split']['followed']}." in block
        assert "leans to the lower account" in html.unescape(block)
    assert "frontline and leadership disagree on" in re.search(r'<p id="confidence">(.*?)</p>', page, re.S).group(1)

    # follow a side whose reading gives another component level: a decision with the consultant's reason
    forms = re.findall(r'name="level" value="(\d)">\s*<label for="(side-[a-z_]+-\d)"', box)
    assert forms, "a form per side that changes the level"
    level, field = forms[0]
    r = consultant_client.post(
        f"/engagements/{engagement.id}/review/data_life_cycle/decide",
        data={
            "csrf_token": csrf_of(page),
            "proposal_id": stored.id,
            "action": "change",
            "level": level,
            "rationale": "Leadership's dashboards are real; the frontline has not seen them yet.",
        },
        follow_redirects=True,
    )
    assert r.status_code == 200 and "Decision recorded" in r.text
    decision = session.exec(select(Decision).where(Decision.proposal_id == stored.id)).one()
    assert decision.final_level == int(level) and decision.action == "change"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "rating.change")).first() is not None
