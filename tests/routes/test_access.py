"""Access: every route the app serves, tried by every kind of actor, against the one table in
``assistant/web/access.py`` (a new route without an entry there fails here).

Actors: anonymous; a staff member of the engagement (their own personal link); a staff member of
another engagement (their own link); the engagement's lead, a consultant member, a consultant who
is not a member; an equity reviewer member and one who is not a member; the organisation's city
contact (a member in the ``city_contact`` role).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from assistant.models import EquityFinding, ExportFile, Interview, Run, Theme
from assistant.records.engagements import Invitee, create_invite, enable_open_link
from assistant.web.access import AUDIENCES, ROUTES, app_routes
from tests.factories import csrf_of, join, logged_in_client, make_consultant, make_engagement

ACTORS = (
    "anonymous",
    "staff",
    "other_staff",
    "lead",
    "member",
    "outsider",
    "reviewer",
    "outsider_reviewer",
    "contact",
)

# what each audience's routes answer each actor: allowed, login (sent to log in), forbidden (403),
# hidden (404 as if the engagement did not exist), no_link (the path's link is not theirs: 404/410)
_STAFF = {"anonymous": "login", "staff": "login", "other_staff": "login"}
EXPECTED: dict[str, dict[str, str]] = {
    "anyone": dict.fromkeys(ACTORS, "allowed"),
    "link": {**dict.fromkeys(ACTORS, "no_link"), "staff": "allowed", "other_staff": "allowed"},
    "account": {**dict.fromkeys(ACTORS, "allowed"), **_STAFF},
    "consultant_account": {
        **_STAFF,
        "lead": "allowed",
        "member": "allowed",
        "outsider": "allowed",
        "reviewer": "forbidden",
        "outsider_reviewer": "forbidden",
        "contact": "forbidden",
    },
    "consultant": {
        **_STAFF,
        "lead": "allowed",
        "member": "allowed",
        "outsider": "hidden",
        "reviewer": "forbidden",
        "outsider_reviewer": "hidden",
        "contact": "forbidden",
    },
    "lead": {
        **_STAFF,
        "lead": "allowed",
        "member": "forbidden",
        "outsider": "hidden",
        "reviewer": "forbidden",
        "outsider_reviewer": "hidden",
        "contact": "forbidden",
    },
    "reviewer": {
        **_STAFF,
        "lead": "forbidden",
        "member": "forbidden",
        "outsider": "hidden",
        "reviewer": "allowed",
        "outsider_reviewer": "hidden",
        "contact": "forbidden",
    },
    # roadmap progress and the progress report: consultants and the organisation's city contact
    "tracker": {
        **_STAFF,
        "lead": "allowed",
        "member": "allowed",
        "outsider": "hidden",
        "reviewer": "forbidden",
        "outsider_reviewer": "hidden",
        "contact": "allowed",
    },
}


def outcome(r) -> str:
    """What a response means for access (any 5xx fails the test outright)."""
    assert r.status_code < 500, (r.status_code, r.text[:400])
    if r.status_code in (302, 303, 307) and r.headers.get("location", "").startswith("/login"):
        return "login"
    if r.status_code == 204 and r.headers.get("hx-redirect", "").startswith("/login"):
        return "login"
    if r.status_code == 403:
        assert "form has expired" not in r.text, "a CSRF refusal: the test sent a bad token"
        return "forbidden"
    if r.status_code == 404 and "There is no such engagement." in r.text:
        return "hidden"
    if (r.status_code == 404 and "could not find an interview" in r.text) or (
        r.status_code == 410 and "sign-up link is closed" in r.text
    ):
        return "no_link"
    return "allowed"


@dataclass
class World:
    engagement_id: int
    other_engagement_id: int
    theme_id: int
    label: str
    finding_id: int
    export_run_id: int
    progress_run_id: int
    open_token: str
    clients: dict[str, TestClient]
    csrf: dict[str, str]


def _login(app, email: str) -> tuple[TestClient, str]:
    c = logged_in_client(app, email)
    return c, c.csrf


@pytest.fixture
def world(app, session) -> World:
    lead = make_consultant(session, "lead@example.org")
    member = make_consultant(session, "member@example.org")
    make_consultant(session, "outsider@example.org")
    reviewer = make_consultant(session, "reviewer@example.org", role="equity_reviewer")
    contact = make_consultant(session, "contact@city.example", role="city_contact")
    make_consultant(session, "outsider.reviewer@example.org", role="equity_reviewer")
    eng, other = make_engagement(session, "Ours"), make_engagement(session, "Theirs")
    for user, role in (
        (lead, "lead"),
        (member, "consultant"),
        (reviewer, "equity_reviewer"),
        (contact, "city_contact"),
    ):
        join(session, eng, user, role)
    open_token = enable_open_link(session, eng, True)
    submitted = create_invite(session, eng, Invitee("Finance", "manager")).participant
    session.flush()
    interview = Interview(participant_id=submitted.id, state="submitted")
    theme = Theme(engagement_id=eng.id, component="data_life_cycle", label="Spreadsheets")
    session.add_all([interview, theme])
    session.flush()
    finding = EquityFinding(engagement_id=eng.id, reviewer_id=reviewer.id, text="Parks is quiet.")
    export = Run(engagement_id=eng.id, kind="export", status="done")
    progress_export = Run(engagement_id=eng.id, kind="export", status="done", params={"report": "progress"})
    session.add_all([finding, export, progress_export])
    session.flush()
    session.add(ExportFile(run_id=export.id, engagement_id=eng.id, filename="report.md", data=b"# Report\n"))
    session.add(ExportFile(run_id=progress_export.id, engagement_id=eng.id, filename="progress.md", data=b"# P\n"))
    session.commit()
    clients, csrf = {}, {}
    for actor in ("anonymous", "staff", "other_staff"):
        clients[actor] = TestClient(app)
        csrf[actor] = csrf_of(clients[actor].get("/login").text)
    for actor, email in (
        ("lead", "lead@example.org"),
        ("member", "member@example.org"),
        ("outsider", "outsider@example.org"),
        ("reviewer", "reviewer@example.org"),
        ("outsider_reviewer", "outsider.reviewer@example.org"),
        ("contact", "contact@city.example"),
    ):
        clients[actor], csrf[actor] = _login(app, email)
    return World(
        eng.id,
        other.id,
        theme.id,
        submitted.public_label,
        finding.id,
        export.id,
        progress_export.id,
        open_token or "",
        clients,
        csrf,
    )


def _fresh_link(engine, engagement_id: int) -> str:
    """A new personal link (each staff request gets its own, so a withdraw cannot spoil the next one)."""
    from assistant.models import Engagement

    with Session(engine) as s:
        token = create_invite(s, s.get(Engagement, engagement_id), Invitee("Public Works", "frontline")).token
        s.commit()
    return token


def _url(path: str, actor: str, w: World, engine) -> str:
    token = "no-such-link-token"
    if actor == "staff":
        token = _fresh_link(engine, w.engagement_id)
    elif actor == "other_staff":
        token = _fresh_link(engine, w.other_engagement_id)
    values = {
        "engagement_id": w.engagement_id,
        "component_id": "data_life_cycle",
        "theme_id": w.theme_id,
        "label": w.label,
        "finding_id": w.finding_id,
        "user_id": 999999,
        "item_id": 999999,
        "other_id": w.other_engagement_id,
        "fmt": "docx",
        "run_id": w.progress_run_id if "/progress-report/" in path else w.export_run_id,
        "kind": "rating",
        "turn_id": 1,
        "flow_id": 1,
        "name": "nodes.csv",
        "token": token,
        "open_token": w.open_token if actor in ("staff", "other_staff") else "no-such-open-link",
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def test_the_table_covers_every_route_and_names_known_audiences(app):
    served = set(app_routes(app))
    missing = sorted(served - set(ROUTES))
    assert not missing, f"routes with no entry in assistant/web/access.py ROUTES: {missing}"
    assert not set(ROUTES) - served, "entries in assistant/web/access.py for routes the app no longer serves"
    assert set(ROUTES.values()) <= set(AUDIENCES) and set(EXPECTED) == set(AUDIENCES)


def test_every_route_against_every_actor(app, world, engine):
    w = world
    # logging out ends the session the other checks use: it goes last
    routes = sorted(app_routes(app), key=lambda r: r == ("POST", "/logout"))
    wrong = []
    for method, path in routes:
        audience = ROUTES[(method, path)]
        for actor in ACTORS:
            client = w.clients[actor]
            url = _url(path, actor, w, engine)
            if method == "GET":
                r = client.get(url, follow_redirects=False)
            else:
                data = {"csrf_token": w.csrf[actor], "client_turn_id": f"access-{actor}", "text": "An answer."}
                r = client.post(url, data=data, headers={"X-CSRF-Token": w.csrf[actor]}, follow_redirects=False)
            got, want = outcome(r), EXPECTED[audience][actor]
            if (method, path) == ("POST", "/logout") and got == "login":
                got = "allowed"  # logging out sends everyone to the login page
            if got != want:
                wrong.append(f"{method} {path} as {actor}: {got} ({r.status_code}), expected {want}")
    assert not wrong, "\n".join(wrong)


# the routes that send a file; a route that starts sending one must be added here (the test below fails)
DOWNLOADS = {
    ("GET", "/engagements/{engagement_id}/audit.csv"),
    ("GET", "/engagements/{engagement_id}/equity/audit.json"),
    ("GET", "/engagements/{engagement_id}/equity/audit.csv"),
    ("GET", "/engagements/{engagement_id}/report/exports/{run_id}"),
    ("GET", "/engagements/{engagement_id}/dataflow/export/{name}"),
    ("GET", "/engagements/{engagement_id}/progress-report/exports/{run_id}"),
}


def test_every_download_is_never_stored(app, world, engine):
    """Every GET route, asked by an actor it serves: each response that is a file (Content-Disposition)
    carries ``Cache-Control: no-store``, and the routes that sent files are exactly ``DOWNLOADS``."""
    w = world
    sent_files, wrong = set(), []
    for method, path in app_routes(app):
        if method != "GET":
            continue
        audience = ROUTES[(method, path)]
        actor = next((a for a in ACTORS if EXPECTED[audience][a] == "allowed"), None)
        if actor is None:
            continue
        r = w.clients[actor].get(_url(path, actor, w, engine), follow_redirects=False)
        assert r.status_code < 500, (path, r.status_code)
        if "attachment" in r.headers.get("content-disposition", ""):
            assert r.status_code == 200, (path, r.status_code)
            sent_files.add((method, path))
            if r.headers.get("cache-control") != "no-store":
                wrong.append(f"{path}: Cache-Control {r.headers.get('cache-control')!r}")
    assert not wrong, "\n".join(wrong)
    assert sent_files == DOWNLOADS
