"""The equity reviewer's pages over HTTP on the engagement of known composition: the figures,
no identities anywhere, findings recorded and shown to consultants, the downloads, and the
optional self-described attribute asked at consent."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.models import AuditEvent, Engagement, EquityFinding, Participant, Theme
from tests.equity.seed import SECRET_EMAIL, seed_known
from tests.factories import csrf_of, invite, join, logged_in_client, make_consultant


def login(app, email: str) -> TestClient:
    return logged_in_client(app, email)


@pytest.fixture
def known(session):
    lead = make_consultant(session, "lead@example.org")
    known = seed_known(session, lead, settings={"flag_ratio": 0.9})
    join(
        session,
        known.engagement,
        make_consultant(session, "rev@example.org", role="equity_reviewer"),
        "equity_reviewer",
    )
    return known


def pages(c: TestClient, eid: int) -> dict[str, str]:
    out = {}
    for tail in ("", "/themes", "/ratings", "/left-out", "/audit.json", "/audit.csv"):
        r = c.get(f"/engagements/{eid}/equity{tail}")
        assert r.status_code == 200, tail
        out[tail] = r.text
    return out


def test_reviewer_pages_show_the_figures_and_no_identities(app, known):
    eid = known.engagement.id
    seen = pages(login(app, "rev@example.org"), eid)
    overview = seen[""]
    assert "under-represented" in overview  # frontline, ratio 0.84 under 0.90
    assert "fewer than 5" in overview and "<svg" in overview and "Representation ratio" in overview
    assert "Voiced by only one department: Public Works" in seen["/themes"]
    assert "Decided level rests on only one department: Public Works" in seen["/ratings"]
    assert "Finance</strong> (5 people with answers)" in seen["/left-out"]
    assert "Other voices: answer number 1 about our data work" in seen["/left-out"]  # readable, unattributed
    everything = "".join(seen.values())
    people = [p for group in known.by_group.values() for p in group]
    assert SECRET_EMAIL not in everything and '@example.org"' not in everything
    assert not any(p.public_label in everything for p in people)
    assert "/transcripts/" not in everything and "/i/" not in everything
    audit = json.loads(seen["/audit.json"])
    assert {r["group"] for r in audit["participation"] if r["grouping"] == "department"} >= {"Parks", "total"}
    rows = list(csv.DictReader(io.StringIO(seen["/audit.csv"])))
    parks = next(r for r in rows if r["section"] == "participation" and r["group"] == "Parks")
    assert parks["submitted"] == "" and parks["suppressed"] == "true" and parks["roster"] == "15"


def test_findings_recorded_audited_and_shown_on_the_review_page(app, known, engine):
    eid = known.engagement.id
    reviewer, lead = login(app, "rev@example.org"), login(app, "lead@example.org")
    url = f"/engagements/{eid}/equity/findings"
    # refused: no text, unknown severity, a group too small to be named (every figure of "executive" is hidden)
    r = reviewer.post(
        url,
        data={
            "text": "",
            "severity": "urgent",
            "component": "nope",
            "group": "Role level: executive",
            "csrf_token": reviewer.csrf,
        },
    )
    assert r.status_code == 422
    assert (
        "Write the finding" in r.text and "Choose a severity" in r.text and "Choose a group the audit shows" in r.text
    )
    theme_id = known.themes["Manager sign-off"].id
    text = "Manager sign-off rests on Public Works managers only; frontline staff in Finance are never cited."
    r = reviewer.post(
        url,
        data={
            "text": text,
            "severity": "high",
            "component": "",
            "theme_id": str(theme_id),
            "group": "Department: Public Works",
            "csrf_token": reviewer.csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(engine) as s:
        finding = s.exec(select(EquityFinding)).one()
        assert finding.component == "data_life_cycle" and finding.theme_id == theme_id
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "equity.finding")).one().after["text"] == text
    assert text in lead.get(f"/engagements/{eid}/review").text
    assert text in lead.get(f"/engagements/{eid}/review/data_life_cycle").text
    assert text not in lead.get(f"/engagements/{eid}/review/equity_lens").text
    r = reviewer.post(
        f"/engagements/{eid}/equity/findings/{finding.id}/withdraw",
        data={"csrf_token": reviewer.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and text not in lead.get(f"/engagements/{eid}/review").text
    # consultants cannot record findings; a theme id of another engagement is refused
    assert lead.post(url, data={"text": "x", "severity": "low", "csrf_token": lead.csrf}).status_code == 403
    with Session(engine) as s:
        elsewhere = Engagement(organisation="Elsewhere", departments=["X"], role_levels=["frontline"])
        s.add(elsewhere)
        s.flush()
        foreign = Theme(engagement_id=elsewhere.id, component="data_life_cycle", label="Not yours")
        s.add(foreign)
        s.commit()
        foreign_id = foreign.id
    for bad in (str(foreign_id), str(2**70), "x"):
        r = reviewer.post(
            url, data={"text": "A finding", "severity": "low", "theme_id": bad, "csrf_token": reviewer.csrf}
        )
        assert r.status_code == 422 and "Choose a current theme" in r.text and "A finding</textarea>" in r.text


def test_optional_attribute_is_asked_at_consent_skippable_and_stored_only_with_consent(app, session, engine, rubric):
    lead = make_consultant(session, "lead@example.org")
    known = seed_known(
        session,
        lead,
        settings={
            "attributes": [
                {
                    "key": "tenure",
                    "question": "How long have you worked here?",
                    "options": ["Under 5 years", "5 years or more"],
                }
            ]
        },
    )
    eng = known.engagement
    staff = TestClient(app)
    answers = {}
    for n, (choice, answer) in enumerate(
        (("yes", "Under 5 years"), ("yes", ""), ("no", "5 years or more"), ("yes", "<script>x</script>"))
    ):
        token = invite(session, eng)
        page = staff.get(f"/i/{token}").text
        assert "Optional: How long have you worked here?" in page and "Prefer not to say" in page
        staff.post(f"/i/{token}/consent", data={"choice": choice, "attr-tenure": answer, "csrf_token": csrf_of(page)})
        answers[n] = token
    with Session(engine) as s:
        stored = [
            p.attributes
            for p in s.exec(
                select(Participant).where(Participant.engagement_id == eng.id).order_by(Participant.id)
            ).all()[-4:]
        ]
    assert stored == [{"tenure": "Under 5 years"}, {}, {}, {}]
    # the reviewer's participation table has the attribute grouping (started people only; 1 is under 5: hidden)
    join(session, eng, make_consultant(session, "rev@example.org", role="equity_reviewer"), "equity_reviewer")
    page = login(app, "rev@example.org").get(f"/engagements/{eng.id}/equity").text
    assert "How long have you worked here?" in page and "self-described" in page
    with Session(engine) as s:
        assert s.get(Engagement, eng.id).settings["equity"]["attributes"][0]["key"] == "tenure"


def test_consultant_pages_pool_small_groups_in_quotes_and_transcripts(app, known):
    eid = known.engagement.id
    lead = login(app, "lead@example.org")
    themes = lead.get(f"/engagements/{eid}/themes/t/{known.themes['Other voices'].id}").text
    # "other voices" holds two Parks frontline people: groups are named from who was invited (Parks: 5
    # frontline and one executive, 6 people), so they read "Parks · other role levels", a group of 6
    other = known.segments[known.by_group[("Parks", "frontline")][0].id]
    footer = themes.split(f'id="seg-{other.id}"')[1].split("</footer>")[0]
    assert "Parks · other role levels" in footer and "frontline" not in footer
    assert known.by_group[("Parks", "frontline")][0].public_label in footer  # the random label, not the id
    # the five Public Works managers form a cell of five: named in full on the review page
    review = lead.get(f"/engagements/{eid}/review/data_life_cycle").text
    assert "Public Works · manager" in review
    # the one Parks executive's transcript names their department's pool, never their role level
    executive = known.by_group[("Parks", "executive")][0]
    detail = lead.get(f"/engagements/{eid}").text
    # the progress table has no row for the one Parks executive: Parks reads as one group of 6
    assert "<td>executive</td>" not in detail
    progress_row = detail.split("<td>Parks</td><td>other role levels</td>")[1].split("</tr>")[0]
    assert '<td class="num">15</td><td class="num">6</td>' in progress_row and "fewer than 5" in progress_row
    listing = detail.split('id="transcripts"')[1]
    row = listing.split(executive.public_label + "</a>")[1].split("</tr>")[0]  # the URL carries the label too
    assert "Parks" in row and "other role levels" in row and "executive" not in row
    # Finance's 3 managers are too few alone: pooled with Finance's frontline as "other role levels"
    manager = known.by_group[("Finance", "manager")][0]
    row = listing.split(manager.public_label + "</a>")[1].split("</tr>")[0]
    assert "Finance" in row and "other role levels" in row and "manager" not in row
