"""The consultants' audit-log page and its CSV, over real HTTP on the test database, with events
written by the product's own actions (engagement set-up, targets, theme curation, invites)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import select

from assistant.interview.actions import withdraw
from assistant.models import Theme, User
from assistant.records.engagements import Invitee, create_engagement, create_invite, import_invites_csv, set_roster
from assistant.records.review import set_targets
from assistant.synthesis.curation import rename
from assistant.views.audit import PER_PAGE

ROWS = re.compile(r'<tr data-event="(\d+)">')


def consultant(session) -> User:
    return session.exec(select(User).where(User.email == "consultant@example.org")).one()


@pytest.fixture
def engagement(consultant_client, session):
    """An engagement whose log holds: create, roster, two target changes, a theme rename."""
    user = consultant(session)
    e = create_engagement(session, "Town of Audit", ["Finance", "Parks"], user=user)
    set_roster(session, e, {("Finance", "frontline"): 12}, user)
    session.commit()
    set_targets(session, e, {"equity_lens": 3}, user)
    session.commit()
    set_targets(session, e, {"equity_lens": 4}, user)
    theme = Theme(engagement_id=e.id, component="equity_lens", label="Access to data")
    session.add(theme)
    session.commit()
    rename(session, theme.id, "Who can see what", user)
    session.commit()
    return e


def test_the_page_shows_who_did_what_newest_first_with_a_readable_diff(consultant_client, engagement):
    r = consultant_client.get(f"/engagements/{engagement.id}/audit")
    assert r.status_code == 200
    html = r.text
    actions = re.findall(r"<td><code>([\w.]+)</code></td>", html)
    assert actions == ["theme.rename", "targets.set", "targets.set", "engagement.roster", "engagement.create"]
    assert "<del>3</del> → <ins>4</ins>" in html and "target_levels.equity_lens" in html
    assert "<del>Access to data</del> → <ins>Who can see what</ins>" in html
    assert "consultant consultant@example.org" in html
    # the theme event links to the theme's page
    theme_id = re.search(r'href="/engagements/\d+/themes/t/(\d+)">theme:\1</a>', html)
    assert theme_id is not None
    assert "Events 1–5 of 5" in html


def test_every_engagement_page_links_to_its_audit_log(consultant_client, engagement):
    for page in ("", "/themes", "/review"):
        html = consultant_client.get(f"/engagements/{engagement.id}{page}").text
        assert f'href="/engagements/{engagement.id}/audit"' in html, page


def test_filters_by_action_family_exact_action_and_actor(consultant_client, engagement, session):
    base = f"/engagements/{engagement.id}/audit"
    html = consultant_client.get(base, params={"action": "targets.set"}).text
    assert re.findall(r"<td><code>([\w.]+)</code></td>", html) == ["targets.set", "targets.set"]
    html = consultant_client.get(base, params={"action": "engagement"}).text
    assert re.findall(r"<td><code>([\w.]+)</code></td>", html) == ["engagement.roster", "engagement.create"]
    assert '<option value="engagement" selected>engagement (all)</option>' in html
    # engagement.create and .roster name the consultant by email alone, targets and themes as "consultant ..."
    html = consultant_client.get(base, params={"actor": "consultant@example.org"}).text
    assert re.findall(r"<td><code>([\w.]+)</code></td>", html) == ["engagement.roster", "engagement.create"]
    html = consultant_client.get(base, params={"action": "nothing.like.this"}).text
    assert "showing every action" in html and len(ROWS.findall(html)) == 5


def test_staff_are_pooled_as_one_actor_choice(consultant_client, engagement, session):
    for _ in range(3):
        participant = create_invite(session, engagement, Invitee("Finance", "frontline")).participant
        withdraw(session, participant, None)  # a staff action: "participant P-<label>"
    base = f"/engagements/{engagement.id}/audit"
    html = consultant_client.get(base).text
    assert re.search(r'<option value="participant"\s*>staff \(any participant\)</option>', html)
    assert not re.search(r'<option value="participant P-', html)  # hundreds of staff never fill the list
    html = consultant_client.get(base, params={"actor": "participant"}).text
    assert re.findall(r"<td><code>([\w.]+)</code></td>", html) == ["participant.withdraw"] * 3
    assert len(re.findall(r"<td>participant P-[A-Z0-9]{6}</td>", html)) == 3


def test_pages_of_fifty_newest_first_and_a_page_past_the_end_shows_the_last(consultant_client, engagement, session):
    user = consultant(session)
    for _ in range(PER_PAGE + 7):
        create_invite(session, engagement, Invitee("Finance", "frontline"), user=user)
    session.commit()
    total = PER_PAGE + 7 + 5
    base = f"/engagements/{engagement.id}/audit"
    first = consultant_client.get(base)
    ids = [int(i) for i in ROWS.findall(first.text)]
    assert len(ids) == PER_PAGE and ids == sorted(ids, reverse=True)
    assert (
        f"Events 1–{PER_PAGE} of {total}" in first.text
        and 'rel="next"' in first.text
        and 'rel="prev"' not in first.text
    )
    second = consultant_client.get(base, params={"page": 2})
    rest = [int(i) for i in ROWS.findall(second.text)]
    assert len(rest) == total - PER_PAGE and max(rest) < min(ids) and 'rel="prev"' in second.text
    assert ROWS.findall(consultant_client.get(base, params={"page": 99}).text) == ROWS.findall(second.text)
    assert ROWS.findall(consultant_client.get(base, params={"page": -3}).text) == ROWS.findall(first.text)
    # the next-page link keeps the filter
    filtered = consultant_client.get(base, params={"action": "invite"}).text
    assert f'href="{base}?action=invite&amp;page=2"' in filtered
    assert consultant_client.get(base, params={"page": "two"}).status_code == 422


def test_csv_download_has_every_matching_event_and_escapes_formulas(consultant_client, session):
    user = session.exec(select(User)).one()
    user.email = '=hyperlink("http://evil.example")@city.gov'  # an address a spreadsheet would run
    session.add(user)
    e = create_engagement(session, "Town of CSV", ["=SUM(A1:A9)", "Parks"], user=user)
    set_roster(session, e, {("=SUM(A1:A9)", "frontline"): 3}, user)
    import_invites_csv(session, e, b"Parks,frontline\n", user=user)
    session.commit()
    r = consultant_client.get(f"/engagements/{e.id}/audit.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="audit-engagement-{e.id}.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["action"] for row in rows] == ["invite.import", "engagement.roster", "engagement.create"]
    for row in rows:
        assert row["actor"] == '\'=hyperlink("http://evil.example")@city.gov'
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    assert rows[1]["changes"] == "'=SUM(A1:A9)|frontline: 3"
    assert rows[0]["changes"] == "invites: 1" and rows[0]["after"] == '{"invites": 1}'
    r = consultant_client.get(f"/engagements/{e.id}/audit.csv", params={"action": "engagement"})
    assert [row["action"] for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))] == [
        "engagement.roster",
        "engagement.create",
    ]
    assert f'filename="audit-engagement-{e.id}-engagement.csv"' in r.headers["content-disposition"]


def test_the_audit_log_is_for_logged_in_consultants_only(app, engagement, consultant_client):
    from fastapi.testclient import TestClient

    anonymous = TestClient(app)
    r = anonymous.get(f"/engagements/{engagement.id}/audit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = anonymous.get(f"/engagements/{engagement.id}/audit.csv", follow_redirects=False)
    assert r.status_code == 303
    assert consultant_client.get("/engagements/999/audit").status_code == 404
    assert consultant_client.get("/engagements/999/audit.csv").status_code == 404
