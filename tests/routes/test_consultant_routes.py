"""Consultant set-up over HTTP: login, engagements, roster, invites (one, CSV), progress, transcripts."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.models import AuditEvent, Engagement, Participant, RosterCount
from tests.factories import PASSWORD, csrf_of, join, make_consultant, make_engagement


def create(c: TestClient, organisation: str = "City of Lakeside") -> int:
    r = c.post(
        "/engagements",
        data={
            "organisation": organisation,
            "departments": "Works\nFinance, Parks",
            "role_levels": "frontline, supervisor, manager, executive",
            "csrf_token": c.csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    return int(r.headers["location"].split("/")[2].split("?")[0])


def test_pages_need_login_and_bad_passwords_fail(client, session):
    make_consultant(session)
    r = client.get("/engagements", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    csrf = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"email": "consultant@example.org", "password": "wrong password", "csrf_token": csrf}
    )
    assert r.status_code == 401 and "not right" in r.text
    r = client.post("/login", data={"email": "consultant@example.org", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


def test_logout_revokes_the_session(consultant_client):
    c = consultant_client
    assert c.get("/engagements").status_code == 200
    c.post("/logout", data={"csrf_token": c.csrf})
    assert c.get("/engagements", follow_redirects=False).status_code == 303


def test_equity_reviewer_lands_on_their_engagements_not_consultant_pages(app, session):
    reviewer = make_consultant(session, "reviewer@example.org", role="equity_reviewer")
    mine, other = make_engagement(session, "Reviewed Town"), make_engagement(session, "Unseen City")
    join(session, mine, reviewer, "equity_reviewer")
    c = TestClient(app)
    csrf = csrf_of(c.get("/login").text)
    c.post("/login", data={"email": "reviewer@example.org", "password": PASSWORD, "csrf_token": csrf})
    home = c.get("/")  # the landing page after login: their engagements, not a 403
    assert home.status_code == 200 and "Reviewed Town" in home.text and "Unseen City" not in home.text
    assert f'href="/engagements/{mine.id}/equity"' in home.text and "New engagement" not in home.text
    assert c.get(f"/engagements/{mine.id}").status_code == 403  # a member, but the consultants' page
    assert c.get(f"/engagements/{other.id}").status_code == 404  # not a member: not even there
    assert c.get("/engagements/new").status_code == 403


def test_create_engagement_with_roster_and_audit(consultant_client, engine):
    c = consultant_client
    eid = create(c)
    page = c.get(f"/engagements/{eid}?created=1").text
    assert "City of Lakeside" in page and "Engagement created" in page
    r = c.post(
        f"/engagements/{eid}/roster",
        data={"roster-0-frontline": "40", "roster-1-manager": "3", "csrf_token": c.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(engine) as s:
        rows = {(r.department, r.role_level): r.count for r in s.exec(select(RosterCount))}
        assert rows == {("Works", "frontline"): 40, ("Finance", "manager"): 3}
        actions = [a.action for a in s.exec(select(AuditEvent))]
        assert "engagement.create" in actions and "engagement.roster" in actions
    r = c.post(f"/engagements/{eid}/roster", data={"roster-0-frontline": "lots", "csrf_token": c.csrf})
    assert r.status_code == 422 and "whole number" in r.text


def test_engagement_form_errors_are_listed(consultant_client):
    c = consultant_client
    r = c.post(
        "/engagements", data={"organisation": "", "departments": "", "role_levels": "staff", "csrf_token": c.csrf}
    )
    assert r.status_code == 422
    assert (
        "Organisation name is required" in r.text
        and "at least one department" in r.text
        and "missing: frontline" in r.text
    )


def test_single_invite_shows_the_link_once(consultant_client, engine):
    c = consultant_client
    eid = create(c)
    r = c.post(
        f"/engagements/{eid}/invites",
        data={"department": "Works", "role_level": "frontline", "email": "pat@example.org", "csrf_token": c.csrf},
    )
    assert "shown only once" in r.text and "/i/" in r.text
    with Session(engine) as s:
        p = s.exec(select(Participant)).one()
        assert p.token_hash and len(p.token_hash) == 64 and p.email == "pat@example.org"
    assert "/i/" not in c.get(f"/engagements/{eid}").text.split("Progress")[1].split("Interviews")[0]


def test_bulk_csv_invites_all_or_nothing(consultant_client, engine):
    c = consultant_client
    eid = create(c)
    broken = b"department,role level,email\nWorks,frontline,\nAccounts,manager,\nParks,boss,not-an-email\n"
    r = c.post(
        f"/engagements/{eid}/invites/import",
        files={"file": ("staff.csv", broken, "text/csv")},
        data={"csrf_token": c.csrf},
    )
    assert r.status_code == 422
    text = html.unescape(r.text)
    assert "row 3: unknown department 'Accounts'" in text and "row 4: unknown role level 'boss'" in text
    assert "row 4: 'not-an-email' is not an email address" in text
    with Session(engine) as s:
        assert s.exec(select(Participant)).all() == []
    r = c.post(
        f"/engagements/{eid}/invites/import",
        files={"file": ("bad.csv", b"\xff\xfe\x00W", "text/csv")},
        data={"csrf_token": c.csrf},
    )
    assert r.status_code == 422 and "not UTF-8" in r.text
    good = b"Works,frontline\nFinance,manager,lee@example.org\nParks,executive\n"
    r = c.post(
        f"/engagements/{eid}/invites/import",
        files={"file": ("staff.csv", good, "text/csv")},
        data={"csrf_token": c.csrf},
    )
    assert r.status_code == 200 and "3 invites created" in r.text and "Download links (CSV)" in r.text
    with Session(engine) as s:
        assert len(s.exec(select(Participant)).all()) == 3


def test_progress_table_counts_each_status_and_hides_what_small_groups_did(consultant_client, engine, session, rubric):
    from assistant.interview import actions
    from tests.factories import invite

    c = consultant_client
    eid = create(c)
    with Session(engine) as s:
        engagement = s.get(Engagement, eid)
        tokens = [invite(s, engagement, "Works", "frontline") for _ in range(16)]
        people = [actions.participant_for_token(s, t) for t in tokens]
        for p in people[:15]:
            actions.record_consent(s, p, True, rubric)
        for p in people[5:10]:
            actions.submit(s, actions.load(s, p).interview, p)
        for p in people[10:15]:
            actions.withdraw(s, p, actions.load(s, p).interview)
        # one Finance manager, who submitted: a group of one
        lone = actions.participant_for_token(s, invite(s, engagement, "Finance", "manager"))
        actions.record_consent(s, lone, True, rubric)
        actions.submit(s, actions.load(s, lone).interview, lone)
    page = c.get(f"/engagements/{eid}/progress").text
    # the lone Finance manager is a group of one: never named, and pooled with the smallest named
    # group (Works frontline, 16) so that no change outside the named groups can point at them
    assert "<td>Finance</td>" not in page and "<td>Works</td>" not in page and "<td>manager</td>" not in page
    row = page.split("<td>other departments</td><td>other role levels</td>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    # roster, invited, started, submitted, withdrawn: each person once, in their current status
    assert cells == ["0", "17", "5", "6", "5"]
    totals = page.split("<tfoot>")[1]
    assert '<th class="num">6</th>' in totals  # submitted overall


def test_transcript_is_deidentified(consultant_client, engine, rubric):
    from assistant.interview import actions
    from tests.factories import invite

    c = consultant_client
    eid = create(c)
    with Session(engine) as s:
        token = invite(s, s.get(Engagement, eid), "Finance", "manager", email="secret.person@example.org")
        p = actions.participant_for_token(s, token)
        iv = actions.record_consent(s, p, True, rubric)
        actions.advance(s, iv, rubric)
        first, _ = actions.respond(s, iv, rubric, "answer", "We reconcile 11 ledgers by hand, ask Dana.", "c1", 4000)
        actions.advance(s, iv, rubric)
        actions.edit(s, iv, rubric, first.id, "answer", "We reconcile 12 ledgers in Excel each month.", "c2", 4000)
        r = c.get(f"/engagements/{eid}")
        assert f"/transcripts/{p.public_label}" not in r.text  # not submitted: not listed, not readable
        assert c.get(f"/engagements/{eid}/transcripts/{p.public_label}").status_code == 404
        actions.submit(s, iv, p)
        interview_id, participant_id, label = iv.id, p.id, p.public_label
    assert f"/transcripts/{interview_id}" not in c.get(f"/engagements/{eid}").text  # no database id in links
    page = c.get(f"/engagements/{eid}/transcripts/{label}").text
    assert label in page and "We reconcile 12 ledgers" in page and "engine: offline" in page
    assert "secret.person" not in page and f"P-{participant_id}<" not in page
    # the text the person edited away is kept for the audit of edits but shown to nobody
    assert "11 ledgers" not in page and "Dana" not in page
    # a group of one person is not named: "Finance · manager" would single them out
    assert "Finance" not in page.split("<main")[1].split("</h1>")[1] and "other departments" in page
    listing = c.get(f"/engagements/{eid}").text.split('id="transcripts"')[1]
    assert label in listing and "manager" not in listing


def test_an_engagements_invites_last_as_long_as_the_setting_says(app, consultant_client, engine):
    """DM3_INVITE_TTL_DAYS sets how long the invites of an engagement created from then on last."""
    app.state.settings.invite_ttl_days = 14
    eid = create(consultant_client)
    with Session(engine) as s:
        assert s.get(Engagement, eid).invite_ttl_days == 14
