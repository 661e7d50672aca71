"""Roadmap progress, the city contact's limits, starting a follow-up and the comparison over HTTP."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from sqlmodel import select

from assistant.followup.organisation import start_follow_up
from assistant.models import AuditEvent, Engagement, ExportFile, ItemProgress, Participant, Run, Theme
from assistant.report.export import run_export
from tests.factories import (
    decide_levels,
    join,
    logged_in_client,
    make_consultant,
    make_engagement,
    make_roadmap_items,
    seed_pulse_questions,
    seed_segments,
    set_status,
    wait_for_progress_export,
)


@pytest.fixture
def tracked(app, session, rubric):
    lead = make_consultant(session, "lead@example.org")
    contact = make_consultant(session, "contact@city.example", role="city_contact")
    engagement = make_engagement(session, "Testville")
    join(session, engagement, lead, "lead")
    join(session, engagement, contact, "city_contact")
    decide_levels(session, engagement, {"data_life_cycle": 2}, lead, rubric)
    items = make_roadmap_items(session, engagement, [("inventory", 0), ("register", 1)])
    seed_segments(
        session,
        engagement,
        "data_life_cycle",
        [("Ann", "frontline", "We email spreadsheets to Finance.")],
        interviews=True,
    )
    return (
        engagement,
        lead,
        contact,
        items,
        logged_in_client(app, "lead@example.org"),
        logged_in_client(app, "contact@city.example"),
    )


def _post(client, url: str, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, follow_redirects=False)


def test_a_consultant_tracks_an_item_and_the_page_shows_progress(session, tracked):
    engagement, _lead, contact, items, lead_c, _ = tracked
    base = f"/engagements/{engagement.id}"
    page = lead_c.get(f"{base}/progress-tracking")
    assert page.status_code == 200 and "Activity inventory" in page.text and "0 of 2 activities done" in page.text
    r = _post(lead_c, f"{base}/roadmap/items/{items['inventory'].id}/status", status="done")
    assert r.status_code == 303
    r = _post(lead_c, f"{base}/roadmap/items/{items['register'].id}/status", status="dropped")
    assert r.status_code == 422 and "needs a reason" in r.text
    r = _post(lead_c, f"{base}/roadmap/items/{items['register'].id}/notes", text="Waiting on the clerk.")
    assert r.status_code == 303
    r = _post(lead_c, f"{base}/roadmap/items/{items['register'].id}/assign", owner=str(contact.id))
    assert r.status_code == 303
    page = lead_c.get(f"{base}/progress-tracking").text
    assert "1 of 2 activities done" in page and "Waiting on the clerk." in page
    assert (
        session.exec(select(ItemProgress).where(ItemProgress.item_id == items["register"].id)).one().owner_id
        == contact.id
    )
    assert {e.action for e in session.exec(select(AuditEvent))} >= {
        "progress.status",
        "progress.note",
        "progress.owner",
    }


def test_the_city_contact_updates_only_their_items_and_sees_nothing_from_staff(session, tracked):
    engagement, lead, contact, items, lead_c, contact_c = tracked
    base = f"/engagements/{engagement.id}"
    _post(lead_c, f"{base}/roadmap/items/{items['inventory'].id}/assign", owner=str(contact.id))
    page = contact_c.get(f"{base}/progress-tracking")
    assert page.status_code == 200
    forms = re.findall(r'action="[^"]*/roadmap/items/(\d+)/status"', page.text)
    assert forms == [str(items["inventory"].id)]  # a form for their own item only
    assert "/assign" not in page.text and "Start a follow-up" not in page.text
    assert (
        _post(contact_c, f"{base}/roadmap/items/{items['inventory'].id}/status", status="in_progress").status_code
        == 303
    )
    r = _post(contact_c, f"{base}/roadmap/items/{items['register'].id}/status", status="done")
    assert r.status_code == 422 and "only the roadmap items you own" in r.text
    assert (
        _post(contact_c, f"{base}/roadmap/items/{items['register'].id}/assign", owner=str(contact.id)).status_code
        == 403
    )
    # no transcripts, themes, review or the consultants' report; the progress report is theirs
    for path in ("", "/themes", "/review", "/report", "/roadmap", "/audit", "/transcripts/P-AAAAAA"):
        assert contact_c.get(base + path, follow_redirects=False).status_code == 403, path
    report = contact_c.get(f"{base}/progress-report")
    assert report.status_code == 200 and "What comes next" in report.text
    assert "We email spreadsheets" not in report.text
    listing = contact_c.get("/engagements").text
    assert f"{base}/progress-tracking" in listing and "New engagement" not in listing


def test_the_lead_starts_a_pulse_and_compares(session, tracked):
    engagement, _lead, _contact, items, lead_c, contact_c = tracked
    base = f"/engagements/{engagement.id}"
    _post(lead_c, f"{base}/roadmap/items/{items['inventory'].id}/status", status="in_progress")
    assert _post(contact_c, f"{base}/follow-up", kind="pulse").status_code == 403
    r = _post(lead_c, f"{base}/follow-up", kind="pulse", name="Testville pulse")
    assert r.status_code == 303
    pulse = session.exec(select(Engagement).where(Engagement.previous_id == engagement.id)).one()
    assert r.headers["location"] == f"/engagements/{pulse.id}#roster"
    assert pulse.kind == "pulse" and len(pulse.pulse_plan["questions"]) <= 7
    page = lead_c.get(f"/engagements/{pulse.id}/compare/{engagement.id}")
    assert page.status_code == 200 and "Decided levels" in page.text and "<svg" in page.text
    assert "re-run noise has not been measured" in page.text
    assert lead_c.get(f"/engagements/{engagement.id}/compare/{pulse.id}").status_code == 200
    assert f"/engagements/{engagement.id}/compare/{pulse.id}" in lead_c.get(f"{base}/progress-tracking").text
    other = make_engagement(session, "Another town")
    assert lead_c.get(f"/engagements/{pulse.id}/compare/{other.id}").status_code == 404
    r = _post(lead_c, f"/engagements/{pulse.id}/compare/{engagement.id}/matches", a_theme="0", b_theme="0")
    assert r.status_code == 422 and "at least one" in r.text
    assert _post(lead_c, f"{base}/follow-up", kind="weekly").status_code == 422


def test_answers_are_linked_across_assessments_only_when_the_person_agrees(app, session, rubric, tracked):
    from fastapi.testclient import TestClient

    from assistant.models import ParticipantLink
    from assistant.records.engagements import Invitee, create_invite
    from assistant.records.withdrawal import erase_participant
    from tests.factories import csrf_of

    engagement, *_rest, lead_c, _ = tracked
    create_invite(session, engagement, Invitee("Finance", "frontline", "ana@city.example"))
    create_invite(session, engagement, Invitee("Finance", "frontline", "ben@city.example"))
    session.commit()
    _post(lead_c, f"/engagements/{engagement.id}/follow-up", kind="full")
    follow = session.exec(select(Engagement).where(Engagement.previous_id == engagement.id)).one()
    links = {}
    for email in ("ana@city.example", "ben@city.example", "cy@city.example"):
        links[email] = create_invite(session, follow, Invitee("Finance", "frontline", email)).token
    session.commit()
    staff = TestClient(app)
    asked = {email: 'name="link"' in staff.get(f"/i/{token}").text for email, token in links.items()}
    assert asked == {"ana@city.example": True, "ben@city.example": True, "cy@city.example": False}
    for email, link in (("ana@city.example", "yes"), ("ben@city.example", "")):
        page = staff.get(f"/i/{links[email]}").text
        r = staff.post(
            f"/i/{links[email]}/consent",
            data={"csrf_token": csrf_of(page), "choice": "yes", "link": link},
            follow_redirects=False,
        )
        assert r.status_code == 303
    rows = session.exec(select(ParticipantLink)).all()
    assert len(rows) == 1  # Ana agreed; Ben did not
    later = session.get(Participant, rows[0].later_id)
    assert later.email == "ana@city.example"
    erase_participant(session, later)
    session.commit()
    assert session.exec(select(ParticipantLink)).all() == []


def test_a_follow_ups_roadmap_names_the_earlier_themes_without_linking_them(session, tracked):
    """A carried-over item's themes are the earlier assessment's: named, never linked under the new
    engagement (where that theme id answers 404)."""
    engagement, _lead, _contact, items, lead_c, _contact_c = tracked
    theme = Theme(engagement_id=engagement.id, component="data_life_cycle", label="Spreadsheets emailed around")
    session.add(theme)
    session.commit()
    item = items["inventory"]
    item.why = {**(item.why or {}), "themes": [{"id": theme.id, "label": theme.label, "people": 5, "matched": True}]}
    session.add(item)
    session.commit()
    assert (
        f"/engagements/{engagement.id}/themes/t/{theme.id}" in lead_c.get(f"/engagements/{engagement.id}/roadmap").text
    )
    assert _post(lead_c, f"/engagements/{engagement.id}/follow-up", kind="pulse", name="Pulse").status_code == 303
    pulse = session.exec(select(Engagement).where(Engagement.previous_id == engagement.id)).one()
    page = lead_c.get(f"/engagements/{pulse.id}/roadmap").text
    assert "Spreadsheets emailed around" in page and "(from the earlier assessment)" in page
    assert f"/themes/t/{theme.id}" not in page


def test_the_progress_report_is_exported_by_the_background_export_run_and_a_withdrawal_deletes_it(session, tracked):
    """The city contact exports the progress report as DOCX, PDF and HTML through the ``export`` run
    kind: each file is downloaded from the page's list (never stored by a cache), is not offered as the
    engagement report's, and goes when a participant withdraws."""
    engagement, _lead, _contact, _items, lead_c, contact_c = tracked
    base = f"/engagements/{engagement.id}"
    assert _post(contact_c, f"{base}/progress-report/export", format="odt").status_code == 422
    files = {}
    for fmt, magic in (("docx", b"PK"), ("pdf", b"%PDF"), ("html", b"<!doctype html>")):
        r = _post(contact_c, f"{base}/progress-report/export", format=fmt)
        assert r.status_code == 303 and r.headers["location"].endswith("?done=started#exports")
        link = wait_for_progress_export(contact_c, engagement.id, len(files) + 1)
        got = contact_c.get(link)
        assert got.status_code == 200 and got.content.startswith(magic), fmt
        assert got.headers["cache-control"] == "no-store"
        assert f"testville-dm3-progress-report.{fmt}" in got.headers["content-disposition"]
        files[fmt] = (link, got.content)
    session.expire_all()
    runs = session.exec(select(Run).where(Run.engagement_id == engagement.id, Run.kind == "export")).all()
    assert [r.params for r in runs] == [{"format": f, "report": "progress"} for f in ("docx", "pdf", "html")]
    text = "\n".join(p.text for p in Document(io.BytesIO(files["docx"][1])).paragraphs)
    assert "What comes next" in text and "Activity register" in text
    # the engagement report's page neither offers nor serves the progress report's files
    run_id = files["docx"][0].rsplit("/", 1)[1]
    assert f"/report/exports/{run_id}" not in lead_c.get(f"{base}/report").text
    assert lead_c.get(f"{base}/report/exports/{run_id}").status_code == 404
    ann = session.exec(select(Participant).where(Participant.engagement_id == engagement.id)).one()
    set_status(session, ann, "withdrawn")
    assert session.exec(select(ExportFile).where(ExportFile.engagement_id == engagement.id)).all() == []
    assert contact_c.get(files["pdf"][0]).status_code == 404
    assert "No progress report has been exported yet" in contact_c.get(f"{base}/progress-report").text


def test_a_progress_export_behind_the_engagement_reports_says_which_it_waits_for(session, tracked):
    """The two reports share the engagement's one export at a time: asking for the progress report while
    the engagement report is being built says so, rather than pointing at a run that is not there."""
    from datetime import timedelta

    from assistant.models.base import utcnow

    engagement, _lead, _contact, _items, _lead_c, contact_c = tracked
    base = f"/engagements/{engagement.id}"
    building = Run(  # held by another process for the next minute: no worker here takes it
        engagement_id=engagement.id,
        kind="export",
        status="running",
        params={"format": "pdf"},
        lease_holder="elsewhere:1:x",
        lease_expires_at=utcnow() + timedelta(minutes=1),
    )
    session.add(building)
    session.commit()
    r = _post(contact_c, f"{base}/progress-report/export", format="docx")
    assert r.status_code == 303 and r.headers["location"].endswith("?done=already#exports")
    page = contact_c.get(r.headers["location"]).text
    assert "Another export of this engagement (the report or the progress report) is being built" in page


def test_a_withdrawal_from_the_earlier_assessment_deletes_the_follow_ups_progress_report_files(
    session, engine, rubric, tracked
):
    """The follow-up's progress report counts the earlier assessment's answers ("then"): a person who
    withdraws from the earlier one takes those files with them; the follow-up's other exports stay."""
    engagement, lead, _contact, _items, _lead_c, _contact_c = tracked
    later = start_follow_up(session, engagement, "pulse", lead, rubric, "Testville pulse")
    session.commit()
    progress = Run(engagement_id=later.id, kind="export", status="queued", params={"report": "progress"})
    session.add(progress)
    session.commit()
    run_export(engine, later.id, rubric, "html", progress.id, report="progress")
    other = Run(engagement_id=later.id, kind="export", status="queued", params={"format": "json"})
    session.add(other)
    session.commit()
    run_export(engine, later.id, rubric, "json", other.id)
    ann = session.exec(select(Participant).where(Participant.engagement_id == engagement.id)).one()
    set_status(session, ann, "withdrawn")
    session.expire_all()
    kept = session.exec(select(ExportFile.run_id).where(ExportFile.engagement_id == later.id)).all()
    assert kept == [other.id]


def test_the_compare_page_and_the_progress_report_page_show_answers_to_the_same_questions(app, session, rubric):
    """Seeded as tests/followup/test_questions.py: dlc_q1's flow 25% of 20 -> 75% of 20 (h = +1.05, large),
    its standards 10 -> 12 supporting (a change under k = 5: not shown), dlc_q5 50% -> 75% (+0.52, medium),
    dlc_q2 reworded (left out), dlc_q4 asked of 4 people now (fewer than k)."""
    first, second = seed_pulse_questions(session, rubric)
    client = logged_in_client(app, "lead@example.org")
    page = client.get(f"/engagements/{second.id}/compare/{first.id}").text
    section = page[page.index('id="questions"') : page.index('id="roadmap-between"')]
    assert "25% of 20 people" in section and "75% of 20 people" in section and "+1.05 · large" in section
    assert "+0.52 · medium" in section and "share not shown" in section and "fewer than 5 people" in section
    assert "Who do you ask for data?" not in section
    report = client.get(f"/engagements/{second.id}/progress-report").text
    assert "Answers to the same questions" in report and "+1.05 · large" in report
