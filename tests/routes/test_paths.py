"""What a URL names, checked once for every router: ids no database can hold, rows of another
engagement, withdrawn people, unusable staff links; and the rule that routes hold no SQL.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from assistant.interview import actions
from assistant.models import Engagement, Theme
from tests.factories import csrf_of, invite, make_engagement

ROUTES = Path(__file__).resolve().parents[2] / "assistant" / "web" / "routes"
HUGE = 2**31  # one more than the largest INTEGER key on PostgreSQL (SQLite's go to 2**63 - 1)
SQL = re.compile(r"\bselect\(|session\.(exec|get|query|execute|scalars?)\(")
SIBLING_ROUTER = re.compile(r"from assistant\.web\.routes\.(?!deps\b)\w+ import|from assistant\.web\.routes import")


def test_routes_hold_no_sql_and_import_no_sibling_router():
    """Page data comes from assistant/views/, rows in the path from routes/deps.py."""
    found = []
    for path in sorted(ROUTES.glob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if SQL.search(line) or SIBLING_ROUTER.search(line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert not found, "SQL or a sibling-router import in assistant/web/routes/:\n" + "\n".join(found)


def _interview(engine, engagement_id: int, rubric, withdraw: bool = False, submit: bool = True) -> str:
    """A participant's interview in ``engagement_id``; returns the public label its transcript URL carries."""
    with Session(engine) as s:
        token = invite(s, s.get(Engagement, engagement_id))
        p = actions.participant_for_token(s, token)
        iv = actions.record_consent(s, p, True, rubric)
        actions.advance(s, iv, rubric)
        if submit:
            actions.submit(s, iv, p)
        if withdraw:
            actions.withdraw(s, p, iv)
        return p.public_label


def _theme(engine, engagement_id: int, label: str, archived: bool = False) -> int:
    with Session(engine) as s:
        theme = Theme(
            engagement_id=engagement_id,
            component="data_life_cycle",
            label=label,
            archived=archived,
            changes={"merged_into": 999} if archived else {},
        )
        s.add(theme)
        s.commit()
        return theme.id


def test_ids_no_database_can_hold_are_refused_never_a_crash(consultant_client, session, engine):
    c = consultant_client
    eid = make_engagement(session).id
    tid = _theme(engine, eid, "Spreadsheets everywhere")
    for url in (
        f"/engagements/{HUGE}",
        f"/engagements/{2**70}/review",
        f"/engagements/{HUGE}/themes",
        f"/engagements/{eid}/themes/t/{HUGE}",
        f"/engagements/{eid}/transcripts/{HUGE}",
        f"/engagements/{eid}/themes/t/{tid}?new={HUGE}",
        "/engagements/0",
        f"/engagements/{HUGE}/runs/rating",
        f"/engagements/{eid}/transcripts/-1",
        f"/engagements/{eid}/transcripts/{'P-' * 40}",
        f"/engagements/{eid}/transcripts/P-AAAAAA",
    ):
        r = c.get(url)
        assert r.status_code in (404, 422), (url, r.status_code)
        assert "Traceback" not in r.text and "Something went wrong" not in r.text, url
    # ids typed into curation forms: a clear message on the theme page, nothing changed
    r = c.post(f"/engagements/{eid}/themes/t/{tid}/merge", data={"other_id": str(2**70), "csrf_token": c.csrf})
    assert r.status_code == 422 and "Choose the theme to merge" in r.text
    r = c.post(
        f"/engagements/{eid}/themes/t/{tid}/move",
        data={"segment_id": str(HUGE), "target_id": str(tid), "csrf_token": c.csrf},
    )
    assert r.status_code == 422 and "Choose the theme to move" in r.text


def test_rows_of_another_engagement_are_not_found(consultant_client, session, engine, rubric):
    c = consultant_client
    mine, other = make_engagement(session, "Mine").id, make_engagement(session, "Other").id
    theirs_theme = _theme(engine, other, "Their theme")
    theirs_interview = _interview(engine, other, rubric)
    assert c.get(f"/engagements/{other}/transcripts/{theirs_interview}").status_code == 200
    r = c.get(f"/engagements/{mine}/transcripts/{theirs_interview}")
    assert r.status_code == 404 and "no such transcript" in r.text
    r = c.get(f"/engagements/{mine}/themes/t/{theirs_theme}")
    assert r.status_code == 404 and "no such theme" in r.text
    mine_theme = _theme(engine, mine, "Our theme")
    r = c.post(
        f"/engagements/{mine}/themes/t/{mine_theme}/merge", data={"other_id": str(theirs_theme), "csrf_token": c.csrf}
    )
    assert r.status_code == 422 and "not part of this engagement" in r.text
    with Session(engine) as s:
        assert s.get(Theme, theirs_theme).archived is False and s.get(Theme, mine_theme).archived is False


def test_withdrawn_transcript_and_archived_theme_are_gone(consultant_client, session, engine, rubric):
    c = consultant_client
    eid = make_engagement(session).id
    gone = _interview(engine, eid, rubric, withdraw=True)
    r = c.get(f"/engagements/{eid}/transcripts/{gone}")
    assert r.status_code == 410 and "withdrew" in r.text
    unsubmitted = _interview(engine, eid, rubric, submit=False)  # unsubmitted text is shown to nobody
    r = c.get(f"/engagements/{eid}/transcripts/{unsubmitted}")
    assert r.status_code == 404 and "once the person submits" in r.text
    archived = _theme(engine, eid, "Old theme", archived=True)
    r = c.get(f"/engagements/{eid}/themes/t/{archived}")
    assert r.status_code == 410 and "merged into theme 999" in r.text


def test_every_staff_route_answers_an_unknown_link_with_the_friendly_page(client, session):
    csrf = csrf_of(client.get("/login").text)
    token = "not-a-real-token"
    gets = ["", "/review", "/pause", "/withdraw", "/edit/1"]
    posts = {
        "/consent": {"choice": "yes"},
        "/respond": {"text": "hello", "client_turn_id": "t1"},
        "/submit": {},
        "/withdraw": {},
        "/edit/1": {"text": "hello", "client_turn_id": "t2"},
    }
    for tail in gets:
        r = client.get(f"/i/{token}{tail}")
        assert r.status_code == 404 and "could not find an interview" in r.text, tail
    for tail, data in posts.items():
        for htmx in ({}, {"HX-Request": "true"}):
            r = client.post(f"/i/{token}{tail}", data={**data, "csrf_token": csrf}, headers=htmx)
            assert r.status_code == 404 and "could not find an interview" in r.text, (tail, htmx)
    # a withdrawn person's link is gone (410) on every page, the hot path included
    eng = make_engagement(session)
    token = invite(session, eng)
    staff = TestClient(client.app)
    csrf = csrf_of(staff.get(f"/i/{token}").text)
    staff.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf})
    assert "You have withdrawn" in staff.post(f"/i/{token}/withdraw", data={"csrf_token": csrf}).text
    for tail in gets:
        assert staff.get(f"/i/{token}{tail}").status_code == 410, tail
    r = staff.post(f"/i/{token}/respond", data={"text": "x", "client_turn_id": "t3", "csrf_token": csrf})
    assert r.status_code == 410 and "withdrew" in r.text


def test_a_staff_edit_of_a_huge_turn_id_is_refused(client, session):
    token = invite(session, make_engagement(session))
    csrf = csrf_of(client.get(f"/i/{token}").text)
    client.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf})
    assert client.get(f"/i/{token}/edit/{HUGE}").status_code == 422
    r = client.post(f"/i/{token}/edit/{HUGE}", data={"text": "x", "client_turn_id": "t9", "csrf_token": csrf})
    assert r.status_code == 422 and "Traceback" not in r.text
