"""Staff choose on the consent page whether the report may quote them, and change it at review."""

from __future__ import annotations

from sqlmodel import select

from assistant.models import AuditEvent, Interview, Participant
from tests.factories import csrf_of, invite, make_engagement


def _participant(session, pid: int) -> Participant:
    session.expire_all()
    return session.get(Participant, pid)


def test_quote_consent_on_the_consent_page_and_at_review(client, session):
    engagement = make_engagement(session)
    token_yes, token_no = invite(session, engagement), invite(session, engagement)
    page = client.get(f"/i/{token_yes}").text
    assert 'name="quotes"' in page and "quote" in page
    csrf = csrf_of(page)
    client.post(f"/i/{token_yes}/consent", data={"choice": "yes", "quotes": "yes", "csrf_token": csrf})
    client.post(f"/i/{token_no}/consent", data={"choice": "yes", "csrf_token": csrf})
    yes, no = session.exec(select(Participant).order_by(Participant.id)).all()
    assert yes.quote_consent is True and no.quote_consent is False

    review = client.get(f"/i/{token_yes}/review").text
    assert f'action="/i/{token_yes}/quotes"' in review and "checked" in review
    r = client.post(f"/i/{token_yes}/quotes", data={"csrf_token": csrf}, follow_redirects=True)
    assert r.status_code == 200 and "Your choice about quotes is saved." in r.text
    assert _participant(session, yes.id).quote_consent is False
    client.post(f"/i/{token_no}/quotes", data={"quotes": "yes", "csrf_token": csrf})
    assert _participant(session, no.id).quote_consent is True
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "participant.quote_consent")).all()
    assert len(events) == 3 and all(e.actor.startswith("participant P-") for e in events)
    # a bad link gets the link error page, nothing changes
    assert client.post("/i/not-a-token/quotes", data={"quotes": "yes", "csrf_token": csrf}).status_code == 404


def test_ticking_quotes_then_submitting_keeps_the_choice(client, session):
    """The checkbox and "Submit my answers" are one form: the tick travels with the submit."""
    import re

    engagement = make_engagement(session)
    token = invite(session, engagement)
    csrf = csrf_of(client.get(f"/i/{token}").text)
    client.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf})
    review = client.get(f"/i/{token}/review").text
    form = next(f for f in re.findall(r"<form.*?</form>", review, re.S) if "Submit my answers" in f)
    assert 'name="quotes"' in form and 'type="checkbox"' in form
    action = re.search(r'<form[^>]*\baction="([^"]+)"', form).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    r = client.post(action, data={**hidden, "quotes": "yes"}, follow_redirects=True)
    assert r.status_code == 200
    participant = session.exec(select(Participant)).one()
    assert _participant(session, participant.id).quote_consent is True
    assert session.exec(select(Interview)).one().state == "submitted"


def test_a_submit_without_the_checkbox_on_the_page_changes_no_quote_choice(client, session):
    engagement = make_engagement(session)
    token = invite(session, engagement)
    csrf = csrf_of(client.get(f"/i/{token}").text)
    client.post(f"/i/{token}/consent", data={"choice": "yes", "quotes": "yes", "csrf_token": csrf})
    client.post(f"/i/{token}/submit", data={"csrf_token": csrf})
    participant = session.exec(select(Participant)).one()
    assert _participant(session, participant.id).quote_consent is True
