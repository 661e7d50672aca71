"""Floods: failed logins limited per account and per address (counted in the database, audited),
password hashing never run more than a few at once, open-link sign-ups limited per address, and
near-duplicate open-link answers left out of ratings until a consultant accepts them."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant import security, throttle
from assistant.interview import actions
from assistant.models import AuditEvent, Engagement, Participant, RateHit, Segment, Turn
from assistant.rating.run import load_evidence
from assistant.records.duplicates import flag_near_duplicates, near_duplicates
from assistant.records.engagements import enable_open_link
from assistant.rubric import Rubric
from tests.factories import PASSWORD, csrf_of, make_consultant, make_engagement


def _login(c: TestClient, email: str, password: str) -> httpx.Response:
    return c.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(c.get("/login").text)},
        follow_redirects=False,
    )


def test_wrong_passwords_lock_the_account_then_say_when_to_try_again(client, session, engine):
    make_consultant(session)
    for _ in range(throttle.LOGIN_PER_ACCOUNT.count):
        assert _login(client, "consultant@example.org", "wrong password").status_code == 401
    r = _login(client, "Consultant@Example.org", PASSWORD)  # the right password, too late: same account
    assert r.status_code == 429 and "Too many failed logins. Try again in 15 minutes." in r.text
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60
    with Session(engine) as s:
        failed = s.exec(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
        assert len(failed) == throttle.LOGIN_PER_ACCOUNT.count
        assert {e.actor for e in failed} == {"consultant@example.org"} and failed[0].after["address"] == "testclient"
        assert not s.exec(select(AuditEvent).where(AuditEvent.action == "login")).all()
    # another account from another address is not held up by this one
    make_consultant(session, "other@example.org")
    other = TestClient(client.app, client=("10.1.2.3", 5000))
    assert _login(other, "other@example.org", PASSWORD).status_code == 303


def test_an_address_spraying_many_accounts_is_limited(client, session):
    make_consultant(session)
    for n in range(throttle.LOGIN_PER_ADDRESS.count):
        assert _login(client, f"guess{n}@example.org", "password123").status_code == 401
    r = _login(client, "consultant@example.org", PASSWORD)
    assert r.status_code == 429 and "Try again in" in r.text
    # the same account from another address still logs in: only the spraying address is held
    assert _login(TestClient(client.app, client=("10.9.9.9", 1)), "consultant@example.org", PASSWORD).status_code == 303


def test_a_success_clears_the_account_failures(client, session, engine):
    make_consultant(session)
    for _ in range(throttle.LOGIN_PER_ACCOUNT.count - 1):
        _login(client, "consultant@example.org", "nope nope nope")
    assert _login(client, "consultant@example.org", PASSWORD).status_code == 303
    with Session(engine) as s:
        assert not s.exec(select(RateHit).where(RateHit.bucket == "login-account")).all()


def test_the_counter_is_shared_by_every_process(settings, engine, session):
    """Two apps on one database (two server processes) see the same failures."""
    from assistant.web.app import create_app

    settings.interview_relatedness = False
    make_consultant(session)
    first, second = TestClient(create_app(settings)), TestClient(create_app(settings))
    for n in range(throttle.LOGIN_PER_ACCOUNT.count):
        assert _login(first if n % 2 else second, "consultant@example.org", "wrong").status_code == 401
    assert _login(first, "consultant@example.org", PASSWORD).status_code == 429
    assert _login(second, "consultant@example.org", PASSWORD).status_code == 429


def test_password_hashing_runs_at_most_a_few_at_once(monkeypatch):
    """16 logins at once: at most HASH_SLOTS hashes in flight, the rest wait their turn (none refused)."""
    running, most, done = 0, 0, []
    lock = threading.Lock()
    two_in = threading.Event()

    def counted(password: str) -> str:
        # stands in for argon2 (64 MiB, tens of ms); each hash waits until a second one is in flight (or
        # 10 s pass), so "more than one at once" holds by construction, however slowly threads start
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            if running >= 2:
                two_in.set()
        two_in.wait(timeout=10)
        time.sleep(0.02)
        with lock:
            running -= 1
        return "hash:" + password

    monkeypatch.setattr(security._hasher, "hash", counted)
    threads = [threading.Thread(target=lambda n=n: done.append(security.hash_password(f"pw {n}"))) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 < most <= security.HASH_SLOTS and len(done) == 16


def test_hashing_past_the_wait_is_busy_and_the_login_page_says_try_again(client, session, monkeypatch):
    make_consultant(session)
    monkeypatch.setattr(security, "HASH_WAIT_S", 0.01)
    taken = [security._hash_slots.acquire() for _ in range(security.HASH_SLOTS)]
    try:
        r = _login(client, "consultant@example.org", PASSWORD)
    finally:
        for _ in taken:
            security._hash_slots.release()
    assert r.status_code == 429 and "busy" in r.text and "Try again" in r.text


def _open_link(session: Session, engagement: Engagement) -> str:
    token = enable_open_link(session, engagement, True)
    session.commit()
    return token


def test_open_link_sign_ups_are_limited_per_address(client, session, engine):
    engagement = make_engagement(session)
    token = _open_link(session, engagement)
    csrf = csrf_of(client.get(f"/join/{token}").text)
    form = {"department": "Finance", "role_level": "manager", "csrf_token": csrf}
    for _ in range(throttle.OPEN_LINK_BURST.count):
        assert client.post(f"/join/{token}", data=form, follow_redirects=False).status_code == 303
    r = client.post(f"/join/{token}", data=form, follow_redirects=False)
    assert r.status_code == 429 and "Try again in 1 minute" in r.text and "Finance" in r.text  # the form, again
    # a colleague on another network signs up as usual
    colleague = TestClient(client.app, client=("10.0.0.8", 4000))
    csrf2 = csrf_of(colleague.get(f"/join/{token}").text)
    r = colleague.post(f"/join/{token}", data={**form, "csrf_token": csrf2}, follow_redirects=False)
    assert r.status_code == 303
    with Session(engine) as s:
        assert len(s.exec(select(Participant).where(Participant.source == "open_link")).all()) == 4


def test_the_open_link_token_is_stored_hashed_and_shown_once(consultant_client, session, engine):
    c = consultant_client
    engagement = make_engagement(session)
    shown = c.post(f"/engagements/{engagement.id}/open-link", data={"enabled": "on", "csrf_token": c.csrf}).text
    token = re.search(r"/join/([\w-]+)", shown).group(1)
    assert "shown this once" in shown
    with Session(engine) as s:
        row = s.get(type(engagement), engagement.id)
        assert row.open_token_hash == security.token_hash(token) and token not in str(row.model_dump())
    page = c.get(f"/engagements/{engagement.id}").text
    assert token not in page and "cannot be shown again" in page
    assert c.get(f"/join/{token}").status_code == 200
    # a new link replaces the old one
    renewed = c.post(f"/engagements/{engagement.id}/open-link", data={"enabled": "renew", "csrf_token": c.csrf}).text
    new_token = re.search(r"/join/([\w-]+)", renewed).group(1)
    assert new_token != token
    assert c.get(f"/join/{token}").status_code == 410 and c.get(f"/join/{new_token}").status_code == 200


# --- near-duplicate answers across open-link participants ------------------------------------

BOT = (
    "We have a data governance council with documented standards, named data stewards in every department "
    "and an enterprise data catalogue reviewed every quarter."
)
BOT_2 = (
    "Leadership funds the data strategy every year, measures outcomes against published targets and "
    "reports progress to the council at each meeting."
)
HONEST = [
    (
        "Our crews log work orders on paper and a clerk types them into the asset system at the end of the week.",
        "Nobody owns the data really; the supervisor fixes things in the spreadsheet when the numbers look off.",
    ),
    (
        "Finance exports the general ledger to Excel every month and we reconcile it by hand against the bank.",
        "I asked twice for access to the permit data but it sits with Planning and they email us a PDF.",
    ),
    (
        "We track park reservations in a shared calendar and the attendance counts are rough guesses at best.",
        "There is no budget line for data work, it gets done when somebody has a quiet afternoon.",
    ),
    (
        "Dispatch data goes into the records system, but mapping it means copying addresses into another tool.",
        "Leadership talks about dashboards, yet no one has asked us what we need from them so far.",
    ),
]


def _participant_with_answers(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    answers: list[str],
    source: str = "open_link",
    component: str = "data_life_cycle",
) -> Participant:
    """An open-link participant who answered ``answers`` (stored turns and evidence segments)."""
    from assistant.records.engagements import Invitee, create_invite

    new = create_invite(session, engagement, Invitee("Finance", "frontline"), source=source)
    session.commit()
    interview = actions.record_consent(session, new.participant, True, rubric)
    for n, text in enumerate(answers):
        turn = Turn(
            interview_id=interview.id,
            role="staff",
            kind="answer",
            text=text,
            client_turn_id=f"c{n}",
            question_id=interview.plan[n % len(interview.plan)],
            component=component,
        )
        session.add(turn)
        session.flush()
        session.add(
            Segment(
                engagement_id=engagement.id,
                participant_id=new.participant.id,
                turn_id=turn.id,
                text=text,
                text_hash=security.token_hash(text),
                component=component,
                original_component=component,
                end=len(text),
            )
        )
    session.commit()
    return new.participant


def test_near_duplicate_answers_are_flagged_and_left_out_until_accepted(consultant_client, session, engine, rubric):
    engagement = make_engagement(session)
    honest = [_participant_with_answers(session, engagement, rubric, a) for a in HONEST]
    bots = [
        _participant_with_answers(session, engagement, rubric, [BOT.replace("quarter", word), BOT_2 + tail])
        for word, tail in (("quarter", ""), ("quarter.", " Always."), ("season", ""))
    ]
    enable_open_link(session, engagement, True)
    session.commit()
    c = consultant_client
    r = c.post(f"/engagements/{engagement.id}/participants/check", data={"csrf_token": c.csrf})
    assert r.status_code == 200 and "3 open-link participant(s) newly flagged" in r.text
    session.expire_all()
    assert [p.id for p in session.exec(select(Participant).where(Participant.flag != "")).all()] == sorted(
        b.id for b in bots
    )
    evidence = load_evidence(session, engagement.id)["data_life_cycle"]
    assert {e.participant for e in evidence} == {p.public_label for p in honest}
    with Session(engine) as s:
        note = s.get(Participant, bots[0].id).flag_note
        assert (
            note.startswith("answers nearly repeat P-")
            and s.exec(select(AuditEvent).where(AuditEvent.action == "participant.flag")).all()
        )
    # the consultant sees them on the engagement page and accepts one
    page = c.get(f"/engagements/{engagement.id}").text
    assert "Open-link answers to check" in page and all(f"Accept {b.public_label}" in page for b in bots)
    r = c.post(
        f"/engagements/{engagement.id}/participants/{bots[0].public_label}/accept",
        data={"csrf_token": c.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    evidence = load_evidence(session, engagement.id)["data_life_cycle"]
    assert bots[0].public_label in {e.participant for e in evidence}
    assert bots[1].public_label not in {e.participant for e in evidence}
    # a later check leaves the accepted one accepted
    assert flag_near_duplicates(session, engagement.id) == []
    assert f"Accept {bots[0].public_label}" not in c.get(f"/engagements/{engagement.id}").text
    # an id of someone who is not flagged, or of another engagement: a message, nothing changed
    r = c.post(
        f"/engagements/{engagement.id}/participants/{honest[0].public_label}/accept", data={"csrf_token": c.csrf}
    )
    assert r.status_code == 404 and "not flagged" in r.text


def test_short_or_common_answers_are_not_duplicates():
    """Honest people do say "No." and "I don't know" alike: answers under 8 words never count."""
    answers = {
        1: ["No.", "We use Excel.", "I don't know who owns it."],
        2: ["No.", "We use Excel.", "I don't know."],
        3: [HONEST[0][0], HONEST[0][1]],
        4: [HONEST[1][0], HONEST[1][1]],
    }
    assert near_duplicates(answers) == {}
    answers[5] = [HONEST[0][0], HONEST[0][1] + " Really."]
    assert near_duplicates(answers) == {3: {5}, 5: {3}}


# the tester's second flood: the same strong answers reworded with filler words, so that word 3-grams
# no longer match (Jaccard 0.0-0.1 against the original), plus a short answer (never compared before)
REWORDED = [
    [BOT, BOT_2, "Stewards in every department."],
    [
        "Honestly, we basically have a council for data governance, you know, with standards written down, data "
        "stewards named in each department, and really an enterprise catalogue of data that gets reviewed quarterly.",
        "To be fair, our leaders fund the data strategy each year, honestly they measure the outcomes against "
        "targets that are published and they report the progress to the council at every meeting, more or less.",
        "Named stewards in each department, honestly.",
    ],
    [
        "So basically there is a data governance council here, with documented standards and named stewards for "
        "data in all departments, plus an enterprise data catalogue we review every three months, I would say.",
        "In practice leadership pays for the data strategy yearly, checks outcomes against the published targets, "
        "and reports on progress at each council meeting, really.",
        "Stewards are named in every department, basically.",
    ],
]


def test_reworded_answers_with_filler_words_are_caught_by_meaning(embedder):
    """Words alone miss the reworded flood; meaning (cosine of the project's embeddings at or above
    ``SIMILAR_MEANING``) catches every fake, short answers included, and no honest person."""
    from assistant.records.duplicates import MIN_WORDS, SIMILAR_MEANING, word_count

    answers = {n: list(texts) for n, texts in enumerate((a for a in HONEST), start=1)}
    answers |= {10 + n: texts for n, texts in enumerate(REWORDED)}
    assert word_count(REWORDED[1][2]) < MIN_WORDS  # a short answer: only meaning compares it
    assert near_duplicates(answers) == {}  # word 3-grams only: today's rule lets the flood through
    found = near_duplicates(answers, embedder.encode)
    assert set(found) == {10, 11, 12}, found
    assert all(others <= {10, 11, 12} for others in found.values())
    # short common answers of honest people stay apart; under MIN_WORDS_MEANING words nothing is compared
    honest_short = {1: ["No.", "We use Excel.", "I don't know."], 2: ["No.", "We use Excel.", "I don't know."]}
    assert near_duplicates(honest_short, embedder.encode) == {}
    assert 0.8 <= SIMILAR_MEANING < 1


def test_a_rating_run_flags_and_says_how_many_were_left_out(session, engine, settings, rubric, embedder):
    from assistant.models import Run
    from assistant.rating.offline import OfflineRater
    from assistant.rating.run import propose_for_engagement

    engagement = make_engagement(session)
    for a in HONEST:
        _participant_with_answers(session, engagement, rubric, a)
    for _ in range(3):
        _participant_with_answers(session, engagement, rubric, [BOT, BOT_2])
    propose_for_engagement(engine, engagement.id, OfflineRater(rubric, embedder), components=["data_life_cycle"])
    with Session(engine) as s:
        run = s.exec(select(Run)).one()
        assert run.stats["flagged_left_out"] == 3 and "3 open-link participant(s)" in run.message


def test_a_rating_run_catches_the_reworded_flood_and_the_review_page_says_so(
    consultant_client, session, engine, rubric, embedder
):
    from assistant.models import Run
    from assistant.rating.offline import OfflineRater
    from assistant.rating.run import propose_for_engagement

    engagement = make_engagement(session)
    for a in HONEST:
        _participant_with_answers(session, engagement, rubric, a)
    for texts in REWORDED:
        _participant_with_answers(session, engagement, rubric, texts)
    propose_for_engagement(engine, engagement.id, OfflineRater(rubric, embedder), components=["data_life_cycle"])
    with Session(engine) as s:
        run = s.exec(select(Run)).one()
        assert run.stats["flagged_left_out"] == 3 and "3 open-link participant(s)" in run.message
    page = consultant_client.get(f"/engagements/{engagement.id}/review").text
    assert "The last rating left out 3 open-link participants" in page


@pytest.mark.heavy  # db: the PostgreSQL pass only (the engine the flagging and the rating runs meet in production)
def test_the_testers_flood_no_longer_moves_the_rating(session, engine, settings, rubric, embedder):
    """The report: scripted open-link sign-ups answering with level-5 phrases moved components from level 2
    to 5. Here four honest people describe weak governance and five sign-ups paste strong-governance text:
    the rating is the honest people's, until a consultant accepts the sign-ups."""
    from collections import defaultdict

    from assistant.rating.offline import OfflineRater
    from assistant.rating.run import propose_for_engagement
    from assistant.records.duplicates import accept
    from tests.rating.conftest import GOV_HIGH, GOV_LOW

    def rate(engagement_id: int) -> tuple[int | None, int]:
        row = propose_for_engagement(
            engine, engagement_id, OfflineRater(rubric, embedder), components=["governance_structures"]
        )[0]
        return row.level, row.voice_mix["input_participants"]

    honest: dict[str, list[str]] = defaultdict(list)
    for name, _role, text in GOV_LOW:
        honest[name].append(text)
    engagements = [make_engagement(session, "Honest only"), make_engagement(session, "Flooded")]
    for engagement in engagements:
        for texts in honest.values():
            _participant_with_answers(session, engagement, rubric, texts, component="governance_structures")
    bots = [
        _participant_with_answers(
            session, engagements[1], rubric, [t for _n, _r, t in GOV_HIGH], component="governance_structures"
        )
        for _ in range(5)
    ]
    honest_level, honest_people = rate(engagements[0].id)
    flooded_level, flooded_people = rate(engagements[1].id)
    assert (flooded_level, flooded_people) == (honest_level, honest_people) == (flooded_level, 4)
    session.expire_all()  # the rating run flagged them through its own session
    for bot in bots:  # a consultant who accepts them gets the flood back: the flag is what held it off
        accept(session, engagements[1], bot.public_label, None)
    session.commit()
    accepted_level, accepted_people = rate(engagements[1].id)
    assert accepted_people == 9 and (accepted_level or 0) > (honest_level or 0)


@pytest.mark.db  # a migration from an old revision on the engine under test: no fixture says so
def test_the_migration_hashes_open_links_stored_in_plain_text(tmp_path):
    """An open link created before this release keeps working; its plain token leaves the database
    (on the engine the tests run on: the old row is written through the table as revision 0001 made it)."""
    from datetime import datetime

    from sqlalchemy import MetaData, inspect, text

    from assistant.db import make_engine, migrate
    from assistant.views.lookup import open_link_engagement
    from tests.databases import empty_database

    with empty_database(tmp_path) as url:
        migrate(url, "0001")
        engine = make_engine(url)
        old = MetaData()
        old.reflect(engine, only=["engagement"])
        with engine.begin() as conn:
            conn.execute(
                old.tables["engagement"].insert(),
                dict(organisation="Old Town", status="collecting", departments=[], role_levels=[], settings={})
                | dict(open_token="plain-old-token", open_link_enabled=True, invite_ttl_days=60)
                | dict(created_at=datetime(2026, 1, 1)),
            )
        engine.dispose()
        migrate(url)
        with Session(engine) as s:
            assert open_link_engagement(s, "plain-old-token").organisation == "Old Town"
        columns = [c["name"] for c in inspect(engine).get_columns("engagement")]
        with engine.connect() as conn:
            dump = conn.execute(text("SELECT * FROM engagement")).all()
        engine.dispose()
    assert "open_token" not in columns and "plain-old-token" not in str(dump)
