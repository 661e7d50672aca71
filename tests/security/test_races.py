"""Floods that cannot be raced: attempts sent at the same moment are counted before the work they
guard (a password check, a sign-up), atomically in the real database, so no more than the limit get
through. Threads stand in for the many connections of an attacker; nothing here mocks the database.
"""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant import throttle
from assistant.models import AuditEvent, Engagement, Participant
from assistant.records import accounts
from assistant.records.engagements import EngagementError, enable_open_link, join_open_link, open_link_hourly
from tests.factories import PASSWORD, csrf_of, make_consultant, make_engagement

AT_ONCE = 20


def _all_at_once(work, n: int = AT_ONCE) -> list:
    """Run ``work(i)`` in ``n`` threads released together; returns their results (or exceptions)."""
    gate = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # kept: the test looks at what each attempt got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_wrong_passwords_at_once_from_twenty_addresses_check_at_most_the_limit(
    app, session, engine, monkeypatch
):
    """The tester's race: 20 guesses at once, each from its own address, were all checked bar one
    (failures were counted after the check). Now at most ``LOGIN_PER_ACCOUNT.count`` passwords are
    checked; the rest are told to wait (429)."""
    make_consultant(session)
    checks, lock = [], threading.Lock()
    real_verify = accounts.verify_password

    def counting_verify(password: str, password_hash: str) -> bool:
        with lock:
            checks.append(password)
        return real_verify(password, password_hash)

    monkeypatch.setattr(accounts, "verify_password", counting_verify)
    clients = [TestClient(app, client=(f"10.20.0.{n + 1}", 4000)) for n in range(AT_ONCE)]
    tokens = [csrf_of(c.get("/login").text) for c in clients]

    def guess(i: int) -> int:
        data = {"email": "consultant@example.org", "password": f"guess number {i}", "csrf_token": tokens[i]}
        return clients[i].post("/login", data=data, follow_redirects=False).status_code

    codes = _all_at_once(guess)
    assert all(isinstance(code, int) for code in codes), codes
    assert 1 <= len(checks) <= throttle.LOGIN_PER_ACCOUNT.count, f"{len(checks)} passwords checked"
    assert codes.count(401) == len(checks) and codes.count(429) == AT_ONCE - len(checks)
    with Session(engine) as s:
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()) == len(checks)
    # the right password now: refused too, the account is held (and it checks no password)
    before = len(checks)
    r = clients[0].post(
        "/login", data={"email": "consultant@example.org", "password": PASSWORD, "csrf_token": tokens[0]}
    )
    assert r.status_code == 429 and len(checks) == before


def test_a_success_does_not_count_against_the_address(client, session, engine):
    """Today's rule for successes kept: a success clears the account's failures and is not a failure
    of the address (its counted attempt is taken back)."""
    make_consultant(session)
    csrf = csrf_of(client.get("/login").text)
    for _ in range(3):
        data = {"email": "consultant@example.org", "password": PASSWORD, "csrf_token": csrf}
        assert client.post("/login", data=data, follow_redirects=False).status_code == 303
        csrf = csrf_of(client.get("/login").text)
    from assistant.models import RateHit

    with Session(engine) as s:
        assert s.exec(select(RateHit)).all() == []


def _open_engagement(session) -> tuple[Engagement, str]:
    engagement = make_engagement(session)
    token = enable_open_link(session, engagement, True)
    session.commit()
    return engagement, token or ""


def test_the_hourly_open_link_limit_is_a_lead_setting_with_bounds(consultant_client, client, session, engine):
    engagement, token = _open_engagement(session)
    assert open_link_hourly(engagement) == throttle.OPEN_LINK_HOURLY_DEFAULT == 5  # far below the old 30
    c = consultant_client
    page = c.get(f"/engagements/{engagement.id}/team").text
    assert 'id="open-link-hourly"' in page and 'value="5"' in page
    url = f"/engagements/{engagement.id}/team/open-link-limit"
    for bad in ("0", "101", "many", "2.5", ""):
        r = c.post(url, data={"hourly": bad, "csrf_token": c.csrf})
        assert r.status_code == 422 and "whole number from 1 to 100" in r.text, bad
    r = c.post(url, data={"hourly": "2", "csrf_token": c.csrf}, follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        assert open_link_hourly(s.get(Engagement, engagement.id)) == 2
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "open_link.limit")).one()
        assert event.before == {"hourly_per_address": 5} and event.after == {"hourly_per_address": 2}
    # two sign-ups from one address within the hour, then "try again later" (the burst limit is 3)
    csrf = csrf_of(client.get(f"/join/{token}").text)
    form = {"department": "Finance", "role_level": "manager", "csrf_token": csrf}
    for _ in range(2):
        assert client.post(f"/join/{token}", data=form, follow_redirects=False).status_code == 303
    r = client.post(f"/join/{token}", data=form, follow_redirects=False)
    assert r.status_code == 429 and "Try again in" in r.text and int(r.headers["retry-after"]) > 60


def test_sign_ups_sent_at_once_never_pass_the_hourly_limit(session, engine):
    engagement, _ = _open_engagement(session)
    with Session(engine) as s:
        from assistant.records.engagements import set_open_link_hourly

        set_open_link_hourly(s, s.get(Engagement, engagement.id), 2, None)
        s.commit()

    def sign_up(i: int):
        with Session(engine) as s:
            invite = join_open_link(s, s.get(Engagement, engagement.id), "Finance", "manager", "203.0.113.9")
            s.commit()
            return invite.participant.id

    results = _all_at_once(sign_up, 12)
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 2 and all(isinstance(r, throttle.Throttled) for r in results if not isinstance(r, int))
    with Session(engine) as s:
        assert len(s.exec(select(Participant).where(Participant.source == "open_link")).all()) == 2
    # a refused group choice is not counted (and says why)
    with Session(engine) as s, pytest.raises(EngagementError):
        join_open_link(s, s.get(Engagement, engagement.id), "Nowhere", "manager", "203.0.113.10")
