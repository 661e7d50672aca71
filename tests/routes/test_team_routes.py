"""The team page over HTTP: the lead adds and removes members by email, a new account's one-time
set-password link is shown once and works once, the engagement keeps a lead, every change is audited."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.models import AuditEvent, Membership, PasswordSetup, User
from tests.factories import PASSWORD, csrf_of, join, logged_in_client, make_consultant, make_engagement


def login(app, email: str, password: str = PASSWORD) -> TestClient:
    return logged_in_client(app, email, password)


def test_lead_adds_a_new_reviewer_who_sets_a_password_once_and_sees_the_engagement(app, session, engine):
    eng = make_engagement(session, "Team Town")  # led by the default consultant
    make_consultant(session)
    lead = login(app, "consultant@example.org")
    r = lead.post(
        f"/engagements/{eng.id}/team/members",
        data={"email": "New.Reviewer@City.gov", "role": "equity_reviewer", "csrf_token": lead.csrf},
    )
    assert r.status_code == 200 and "shown only once" in r.text
    link = re.search(r'value="http://[^"]+(/set-password/[^"]+)"', r.text).group(1)
    # the link is not stored readable, and the team page does not show it again
    assert link.rsplit("/", 1)[1] not in lead.get(f"/engagements/{eng.id}/team").text
    with Session(engine) as s:
        assert not s.exec(select(PasswordSetup).where(PasswordSetup.token_hash == link.rsplit("/", 1)[1])).first()
        user = s.exec(select(User).where(User.email == "new.reviewer@city.gov")).one()
        assert user.role == "equity_reviewer"
    anon = TestClient(app)
    form = anon.get(link)
    assert form.status_code == 200 and "new.reviewer@city.gov" in form.text
    csrf = csrf_of(form.text)
    r = anon.post(link, data={"password": "short", "confirm": "short", "csrf_token": csrf})
    assert r.status_code == 422 and "at least 10" in r.text
    r = anon.post(link, data={"password": "a long new password", "confirm": "a different one!!", "csrf_token": csrf})
    assert r.status_code == 422 and "not the same" in r.text
    r = anon.post(link, data={"password": "a long new password", "confirm": "a long new password", "csrf_token": csrf})
    assert r.status_code == 200 and "password is set" in r.text
    assert anon.get(link).status_code == 410  # works once
    reviewer = login(app, "new.reviewer@city.gov", "a long new password")
    home = reviewer.get("/")
    assert home.status_code == 200 and "Team Town" in home.text and f"/engagements/{eng.id}/equity" in home.text
    assert reviewer.get(f"/engagements/{eng.id}/equity").status_code == 200
    with Session(engine) as s:
        actions = [a.action for a in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"account.create", "account.password_link", "team.add", "account.password_set"} <= set(actions)


def test_lead_removes_a_member_who_then_gets_404_and_the_last_lead_stays(app, session, engine):
    eng = make_engagement(session, "Team Town")
    make_consultant(session)
    colleague = make_consultant(session, "colleague@example.org")
    join(session, eng, colleague, "consultant")
    lead, other = login(app, "consultant@example.org"), login(app, "colleague@example.org")
    assert other.get(f"/engagements/{eng.id}").status_code == 200
    page = other.get(f"/engagements/{eng.id}/team").text
    assert (
        "colleague@example.org" in page and "Add someone" not in page
    )  # members see the team; only the lead changes it
    assert (
        other.post(
            f"/engagements/{eng.id}/team/members",
            data={"email": "x@example.org", "role": "consultant", "csrf_token": other.csrf},
        ).status_code
        == 403
    )
    r = lead.post(
        f"/engagements/{eng.id}/team/members/{colleague.id}/remove",
        data={"csrf_token": lead.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert other.get(f"/engagements/{eng.id}").status_code == 404
    assert "Team Town" not in other.get("/engagements").text
    with Session(engine) as s:
        me = s.exec(select(User).where(User.email == "consultant@example.org")).one()
    r = lead.post(f"/engagements/{eng.id}/team/members/{me.id}/remove", data={"csrf_token": lead.csrf})
    assert r.status_code == 422 and "needs a lead" in r.text
    # a reviewer account cannot be made a consultant; bad emails are refused, the form keeps what was typed
    make_consultant(session, "rev@example.org", role="equity_reviewer")
    r = lead.post(
        f"/engagements/{eng.id}/team/members",
        data={"email": "rev@example.org", "role": "consultant", "csrf_token": lead.csrf},
    )
    assert r.status_code == 422 and "equity reviewer account" in r.text
    r = lead.post(
        f"/engagements/{eng.id}/team/members",
        data={"email": "not an email", "role": "consultant", "csrf_token": lead.csrf},
    )
    assert r.status_code == 422 and "not an email address" in r.text and 'value="not an email"' in r.text
    with Session(engine) as s:
        assert s.exec(select(Membership).where(Membership.engagement_id == eng.id)).all()[0].role == "lead"
        removed = s.exec(select(AuditEvent).where(AuditEvent.action == "team.remove")).one()
        assert removed.before == {"email": "colleague@example.org", "role": "consultant"}


def test_creating_an_engagement_makes_its_creator_the_lead_and_no_one_else_sees_it(app, session):
    make_consultant(session)
    make_consultant(session, "other@example.org")
    me, other = login(app, "consultant@example.org"), login(app, "other@example.org")
    r = me.post(
        "/engagements",
        data={"organisation": "Mine Only", "departments": "Works, Parks", "csrf_token": me.csrf},
        follow_redirects=False,
    )
    eid = int(r.headers["location"].split("/")[2].split("?")[0])
    assert "Mine Only" in me.get("/engagements").text and "Lead consultant" in me.get(f"/engagements/{eid}/team").text
    assert "Mine Only" not in other.get("/engagements").text
    for url in (f"/engagements/{eid}", f"/engagements/{eid}/review", f"/engagements/{eid}/themes"):
        r = other.get(url)
        assert r.status_code == 404 and "Mine Only" not in r.text


def test_equity_settings_are_validated_and_audited(app, session, engine):
    eng = make_engagement(session)
    make_consultant(session)
    lead = login(app, "consultant@example.org")
    url = f"/engagements/{eng.id}/team/equity-settings"
    r = lead.post(
        url,
        data={
            "min_cell": "2",
            "flag_ratio": "1.5",
            "question": "Years here?",
            "options": "Under 5",
            "csrf_token": lead.csrf,
        },
    )
    assert r.status_code == 422
    assert "from 3 to 100" in r.text and "between 0 and 1" in r.text and "from 2 to 12 answers" in r.text
    r = lead.post(
        url,
        data={
            "min_cell": "7",
            "flag_ratio": "0.75",
            "question": "How long have you worked here?",
            "options": "Under 5 years\n5 years or more",
            "csrf_token": lead.csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "engagement.equity_settings")).one()
        assert event.after["min_cell"] == 7 and event.after["attributes"][0]["options"] == [
            "Under 5 years",
            "5 years or more",
        ]
