"""The consultant review pages over HTTP: profile, agreement, component page, decisions, targets."""

from __future__ import annotations

import re

from sqlmodel import select

from assistant.models import AuditEvent, Decision, Segment, Theme, ThemeMember
from tests.factories import csrf_of, make_engagement, seed_segments, wait_for_run
from tests.rating.conftest import GOV_HIGH


def rated(consultant_client, session):
    engagement = make_engagement(session)
    seed_segments(session, engagement, "governance_structures", GOV_HIGH, interviews=True)
    page = consultant_client.get(f"/engagements/{engagement.id}/review")
    assert page.status_code == 200 and "Run rating" in page.text
    r = consultant_client.post(
        f"/engagements/{engagement.id}/review/rate", data={"csrf_token": csrf_of(page.text)}, follow_redirects=True
    )
    assert r.status_code == 200 and "Rating started" in r.text
    panel = wait_for_run(consultant_client, engagement.id, "rating")
    assert "Last run finished" in panel and "components rated" in panel
    return engagement, consultant_client.get(f"/engagements/{engagement.id}/review").text


def test_review_requires_login(client, session):
    engagement = make_engagement(session)
    r = client.get(f"/engagements/{engagement.id}/review", follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]


def test_run_rating_then_review_a_component_with_quotes_in_context(consultant_client, session):
    engagement, overview = rated(consultant_client, session)
    assert re.search(r'data-component="governance_structures".*?proposed', overview, re.S)
    assert "<svg" in overview and 'id="profile-proposed-' in overview
    assert overview.count("not rated yet") == 0 and "insufficient evidence" in overview
    seg = session.exec(select(Segment).where(Segment.engagement_id == engagement.id)).first()
    theme = Theme(engagement_id=engagement.id, component="governance_structures", label="Audits and reviews")
    session.add(theme)
    session.flush()
    session.add(ThemeMember(theme_id=theme.id, segment_id=seg.id))
    session.commit()
    page = consultant_client.get(f"/engagements/{engagement.id}/review/governance_structures")
    assert page.status_code == 200
    assert "Proposed level" in page.text and "Engine: <strong>offline</strong>" in page.text
    links = re.findall(r'href="(/engagements/\d+/transcripts/P-[A-Z0-9]{6}#answer-[\w-]+)"', page.text)
    assert links, "every cited quote links to its context"
    transcript = consultant_client.get(links[0].split("#")[0])
    assert transcript.status_code == 200 and f'id="{links[0].split("#")[1]}"' in transcript.text
    for text in re.findall(r"<blockquote>“(.*?)”</blockquote>", page.text):
        assert any(text.replace("&#39;", "'") in t for _, _, t in GOV_HIGH)
    assert "behind the indicators' evidence" in page.text
    assert "Audits and reviews" in page.text or "not in any theme" in page.text


def test_decisions_need_rationales_are_audited_and_feed_agreement(consultant_client, session):
    engagement, _ = rated(consultant_client, session)
    url = f"/engagements/{engagement.id}/review/governance_structures"
    page = consultant_client.get(url)
    token = csrf_of(page.text)
    proposal_id = int(re.search(r'name="proposal_id" value="(\d+)"', page.text).group(1))
    level = int(re.search(r"Proposed level <strong>(\d)", page.text).group(1))
    # change without a rationale is refused with a message, nothing recorded
    r = consultant_client.post(
        url + "/decide",
        data={"csrf_token": token, "proposal_id": proposal_id, "action": "change", "level": "2", "rationale": ""},
    )
    assert r.status_code == 422 and "needs a rationale" in r.text
    assert session.exec(select(Decision)).all() == []
    # no CSRF token: refused
    r = consultant_client.post(url + "/decide", data={"proposal_id": proposal_id, "action": "accept"})
    assert r.status_code in (400, 403)
    r = consultant_client.post(
        url + "/decide",
        data={"csrf_token": token, "proposal_id": proposal_id, "action": "accept"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "Decision recorded" in r.text and f"level <strong>{level}</strong>" in r.text
    new_level = 3 if level != 3 else 2
    r = consultant_client.post(
        url + "/decide",
        data={
            "csrf_token": token,
            "proposal_id": proposal_id,
            "action": "change",
            "level": str(new_level),
            "rationale": "Stewards have no protected time yet.",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith('<section class="card" id="decision">')
    assert "Stewards have no protected time yet." in r.text
    events = session.exec(select(AuditEvent).where(AuditEvent.action.like("rating.%"))).all()
    assert [e.action for e in events] == ["rating.accept", "rating.change"]
    overview = consultant_client.get(f"/engagements/{engagement.id}/review").text
    assert 'id="profile-decided-' in overview
    assert re.search(r'id="exact-agreement">0% of 1', overview)
    assert "needs at least two decided components" in overview


def test_targets_are_saved_audited_and_drawn(consultant_client, session):
    engagement, overview = rated(consultant_client, session)
    token = csrf_of(overview)
    url = f"/engagements/{engagement.id}/review/targets"
    r = consultant_client.post(url, data={"csrf_token": token, "target-governance_structures": "9"})
    assert r.status_code == 422 and "rubric level" in r.text
    r = consultant_client.post(
        url,
        data={"csrf_token": token, "target-governance_structures": "5", "target-equity_lens": "3"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "Targets saved" in r.text
    assert len(re.findall(r'id="profile-target-\d"', r.text)) == 2  # two diamonds in the profile
    session.expire_all()
    session.refresh(engagement)
    assert engagement.settings["target_levels"] == {"governance_structures": 5, "equity_lens": 3}
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.action == "targets.set"))
        .one()
        .after["target_levels"]["equity_lens"]
        == 3
    )


def test_unknown_component_and_stale_proposal(consultant_client, session):
    engagement, overview = rated(consultant_client, session)
    assert consultant_client.get(f"/engagements/{engagement.id}/review/vibes").status_code == 404
    page = consultant_client.get(f"/engagements/{engagement.id}/review/governance_structures")
    old_id = int(re.search(r'name="proposal_id" value="(\d+)"', page.text).group(1))
    consultant_client.post(f"/engagements/{engagement.id}/review/rate", data={"csrf_token": csrf_of(page.text)})
    wait_for_run(consultant_client, engagement.id, "rating")
    r = consultant_client.post(
        f"/engagements/{engagement.id}/review/governance_structures/decide",
        data={"csrf_token": csrf_of(page.text), "proposal_id": old_id, "action": "accept"},
    )
    assert r.status_code == 422 and "replaced by a newer rating run" in r.text


def test_a_refused_decision_without_javascript_opens_at_its_message(consultant_client, session):
    """Without JavaScript a refused decision is a whole page: it opens at the Decision card (the form's
    action carries ``#decision``), which holds the message and what was typed, not at the page's top,
    far above it."""
    engagement, _ = rated(consultant_client, session)
    url = f"/engagements/{engagement.id}/review/governance_structures"
    page = consultant_client.get(url).text
    actions = re.findall(r'<form method="post" action="([^"]*/decide[^"]*)"', page)
    assert len(actions) >= 2 and all(a == f"{url}/decide#decision" for a in actions)
    proposal_id = int(re.search(r'name="proposal_id" value="(\d+)"', page).group(1))
    r = consultant_client.post(
        f"{url}/decide",
        data={
            "csrf_token": csrf_of(page),
            "proposal_id": proposal_id,
            "action": "change",
            "level": "2",
            "rationale": "   ",
        },
    )
    assert r.status_code == 422
    card = r.text[r.text.index('<section class="card" id="decision">') :]
    card = card[: card.index("</section>")]
    assert 'role="alert"' in card and "needs a rationale" in card
    assert r.text.index('role="alert"') > r.text.index('id="decision"')  # the only message is in the card
    assert session.exec(select(Decision)).all() == []
