"""The data-flow pages over HTTP: who may open them, the staff form's refusals (nothing lost, nothing
saved), the consultant's catalogue edits and downloads, and the equity reviewer's map with edges
described by fewer than k people pooled."""

from __future__ import annotations

import networkx as nx
from sqlmodel import select

from assistant.models import Flow, Participant
from assistant.security import token_hash
from tests.factories import (
    add_flow,
    csrf_of,
    invite,
    join,
    logged_in_client,
    make_consultant,
    make_engagement,
    make_person,
    set_min_cell,
    wait_for_run,
)


def _person(session, token: str) -> Participant:
    return session.exec(select(Participant).where(Participant.token_hash == token_hash(token))).one()


def test_staff_form_refuses_a_missing_end_keeps_what_was_typed_and_saves_an_unknown_system(client, session):
    e = make_engagement(session)
    token = invite(session, e)
    assert client.get(f"/i/{token}/flows", follow_redirects=False).status_code == 303  # consent first
    csrf = csrf_of(client.get(f"/i/{token}").text)
    client.post(f"/i/{token}/consent", data={"choice": "yes", "csrf_token": csrf})
    page = client.get(f"/i/{token}/flows")
    assert page.status_code == 200 and "Your systems and data flows" in page.text
    csrf = csrf_of(page.text)
    r = client.post(
        f"/i/{token}/flows",
        data={"csrf_token": csrf, "system": "Zebra tracker", "method": "paper", "note": "we chase it weekly"},
    )
    assert r.status_code == 422
    assert (
        "where its data comes from" in r.text and 'value="Zebra tracker"' in r.text and "we chase it weekly" in r.text
    )
    assert session.exec(select(Flow)).all() == []
    r = client.post(
        f"/i/{token}/flows",
        data={"csrf_token": csrf, "system": "Zebra tracker", "source": "Finance", "method": "paper", "minutes": "12"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    shown = client.get(r.headers["location"]).text
    assert "new to the catalogue" in shown and "Finance \u2192 Zebra tracker (paper)" in shown
    r = client.post(
        f"/i/{token}/flows",
        data={"csrf_token": csrf, "system": "zebra tracker", "source": "finance", "method": "paper"},
    )
    assert r.status_code == 422 and "already added" in r.text
    r = client.post(
        f"/i/{token}/flows",
        data={"csrf_token": csrf, "system": "Munis", "source": "Finance", "method": "paper", "minutes": "ten"},
    )
    assert r.status_code == 422 and "minutes" in r.text
    assert len(session.exec(select(Flow)).all()) == 1


def test_consultant_pages_edits_and_exports(app, session):
    make_consultant(session)
    c = logged_in_client(app)
    e = make_engagement(session)
    a, b = make_person(session, e, "Parks"), make_person(session, e, "Finance")
    add_flow(
        session, e, a, "ParkRes", source="the public", note="Only Dave can fix the export, call him at 555-123-4567"
    )
    add_flow(session, e, b, "Park Res", target="Finance", method="email")
    eid = e.id
    for tail in ("", "/catalogue", "/bottlenecks", "?method=retyped", "?q=park", "?level=department"):
        assert c.get(f"/engagements/{eid}/dataflow{tail}").status_code == 200, tail
    svg = c.get(f"/engagements/{eid}/dataflow/map.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and " style=" not in svg.text
    assert "555-123-4567" not in c.get(f"/engagements/{eid}/dataflow/bottlenecks").text
    graphml = c.get(f"/engagements/{eid}/dataflow/export/graph.graphml")
    assert graphml.status_code == 200
    assert nx.parse_graphml(graphml.text).number_of_edges() >= 1
    for name in ("nodes.csv", "edges.csv", "graph.json", "catalogue.csv"):
        assert c.get(f"/engagements/{eid}/dataflow/export/{name}").status_code == 200, name
    assert c.get(f"/engagements/{eid}/dataflow/export/nope.txt").status_code == 404
    review = c.get(f"/engagements/{eid}/review/data_life_cycle").text
    assert "Data-flow bottlenecks" in review and "the public \u2192 ParkRes" in review
    assert "Data-flow bottlenecks" not in c.get(f"/engagements/{eid}/review/equity_lens").text
    page = c.get(f"/engagements/{eid}/dataflow/catalogue").text
    r = c.post(
        f"/engagements/{eid}/dataflow/catalogue/rename",
        data={"csrf_token": csrf_of(page), "system": "SYS-999", "name": "X"},
    )
    assert r.status_code == 422 and "not in the catalogue" in r.text


def test_reviewers_see_no_small_edges_and_staff_pages_need_the_link(app, client, session):
    lead = make_consultant(session, "lead@example.org")
    e = make_engagement(session)
    join(session, e, make_consultant(session, "rev@example.org", role="equity_reviewer"), "equity_reviewer")
    set_min_cell(session, e, 3)
    for n in range(3):
        add_flow(
            session,
            e,
            make_person(session, e, "Finance"),
            "Munis",
            target="Public Works",
            method="email",
            note=f"note {n}",
        )
    add_flow(
        session,
        e,
        make_person(session, e, "Parks"),
        "ParkRes",
        source="the public",
        method="paper",
        note="secret detail",
    )
    for _ in range(2):  # a second small edge: the pool holds 3 people, so the 3-person edge stays shown
        add_flow(session, e, make_person(session, e, "Parks"), "Cityworks", source="the public", method="email")
    rev = logged_in_client(app, "rev@example.org")
    page = rev.get(f"/engagements/{e.id}/equity/dataflow")
    assert page.status_code == 200
    assert "Tyler Munis" in page.text and "ParkRes" not in page.text and "secret detail" not in page.text
    assert "1 hand-off by paper, each described by fewer than 3 people" in page.text
    svg = rev.get(f"/engagements/{e.id}/equity/dataflow/map.svg").text
    assert "ParkRes" not in svg and "Tyler Munis" in svg
    assert rev.get(f"/engagements/{e.id}/dataflow").status_code == 403
    assert client.get("/i/not-a-real-token/flows").status_code == 404
    assert lead is not None


def test_the_catalogue_rebuild_runs_in_the_background_and_the_page_follows_it(app, session):
    from assistant.models import Run

    make_consultant(session)
    c = logged_in_client(app)
    e = make_engagement(session)
    add_flow(session, e, make_person(session, e, "Finance"), "Tyler Munis", source="Accela", method="export_import")
    add_flow(session, e, make_person(session, e, "Permits"), "munis", target="Finance")
    eid = e.id
    page = c.get(f"/engagements/{eid}/dataflow/catalogue").text
    assert "No dataflow has run" in page
    r = c.post(f"/engagements/{eid}/dataflow/run", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/dataflow/catalogue?done=started")
    panel = wait_for_run(c, eid, "dataflow")
    run = session.exec(select(Run).where(Run.engagement_id == eid, Run.kind == "dataflow")).one()
    assert run.status == "done" and run.progress == 1.0, run.message
    assert run.stats["mentions"] == 3 and run.stats["manual"] >= 1  # Tyler Munis and munis are one system
    assert "system(s) from 3 mention(s)" in panel
    again = c.get(f"/engagements/{eid}/dataflow/catalogue").text
    assert "Last run finished" in again and "Tyler Munis" in again
    htmx = c.post(
        f"/engagements/{eid}/dataflow/run", data={"csrf_token": csrf_of(again)}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200 and 'id="run-panel"' in htmx.text


def test_the_owner_department_is_set_from_the_catalogue_audited_and_kept_across_rebuilds(app, session):
    from assistant.dataflow.store import rebuild
    from assistant.models import AuditEvent
    from assistant.views.dataflow import catalogue_rows

    make_consultant(session)
    c = logged_in_client(app)
    e = make_engagement(session)
    add_flow(session, e, make_person(session, e, "Finance"), "Tyler Munis", target="Parks")
    key = catalogue_rows(session, e)[0].key
    eid = e.id
    page = c.get(f"/engagements/{eid}/dataflow/catalogue").text
    assert f'id="owner-{key}"' in page
    url = f"/engagements/{eid}/dataflow/catalogue/owner"
    refused = c.post(url, data={"csrf_token": csrf_of(page), "system": key, "department": "Treasury"})
    assert refused.status_code == 422 and "not a department of this engagement" in refused.text
    saved = c.post(
        url, data={"csrf_token": csrf_of(page), "system": key, "department": "Finance"}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=owner")
    session.expire_all()
    rebuild(session, eid)
    session.commit()
    assert catalogue_rows(session, e)[0].owner_department == "Finance"
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "catalogue.owner")).one()
    assert audit.engagement_id == eid and audit.after["name"] == "Finance"
    assert "owned by Finance" in c.get(f"/engagements/{eid}/dataflow/catalogue").text
