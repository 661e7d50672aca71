"""The roadmap and report pages over HTTP: targets, readiness, generate, edits, refusals, exports."""

from __future__ import annotations

import io
import re

from docx import Document
from sqlmodel import select

from assistant.models import AuditEvent, RoadmapItem, Run, User
from tests.factories import decide_levels, make_engagement, seed_segments, wait_for_run


def _setup(session):
    engagement = make_engagement(session)
    user = session.exec(select(User)).first()
    decide_levels(
        session,
        engagement,
        {"data_life_cycle": 1, "governance_structures": 2, "leadership_alignment": 2, "sustainability_focus": 1},
        user,
    )
    seed_segments(
        session,
        engagement,
        None,
        [
            (
                "ana",
                "frontline",
                "Honestly nobody has time for data work, we are short-staffed.",
                "sustainability_focus",
            ),
            ("ben", "frontline", "We don't have time to clean the records.", "sustainability_focus"),
        ],
        quote_consent=True,
    )
    return engagement


def _item(session, engagement, key) -> RoadmapItem:
    session.expire_all()
    return session.exec(
        select(RoadmapItem).where(RoadmapItem.engagement_id == engagement.id, RoadmapItem.key == key)
    ).one()


def test_roadmap_pages_need_a_consultant(client, session):
    engagement = make_engagement(session)
    r = client.get(f"/engagements/{engagement.id}/roadmap", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_targets_readiness_generate_and_edit(consultant_client, session):
    c = consultant_client
    engagement = _setup(session)
    base = f"/engagements/{engagement.id}/roadmap"
    page = c.get(base)
    assert page.status_code == 200
    assert "awaiting review" in page.text and f'href="/engagements/{engagement.id}/report"' in page.text
    assert re.search(
        r'id="target-data_life_cycle".*?<option value="2" selected', page.text, re.DOTALL
    )  # default one step up
    assert "nobody has time for data work" in page.text and "Staff time" in page.text

    # a target for a component awaiting review is refused; a valid plan is saved
    r = c.post(f"{base}/targets", data={"csrf_token": c.csrf, "target-equity_lens": "3", "horizon": "36"})
    assert r.status_code == 422 and "awaiting review" in r.text
    r = c.post(
        f"{base}/targets",
        data={"csrf_token": c.csrf, "target-data_life_cycle": "3", "horizon": "24"},
        follow_redirects=False,
    )
    assert r.status_code == 303

    # adjusting readiness needs a note; confirming does not
    r = c.post(f"{base}/readiness/staff_time", data={"csrf_token": c.csrf, "value": "high", "note": ""})
    assert r.status_code == 422 and "add a note" in r.text
    r = c.post(
        f"{base}/readiness/staff_time", data={"csrf_token": c.csrf, "value": "low", "note": ""}, follow_redirects=False
    )
    assert r.status_code == 303
    r = c.post(f"{base}/readiness/nonsense", data={"csrf_token": c.csrf, "value": "low"})
    assert r.status_code == 422

    r = c.post(f"{base}/generate", data={"csrf_token": c.csrf}, follow_redirects=True)
    assert r.status_code == 200 and "Roadmap generated." in r.text
    assert "0-4 months" in r.text and "<svg" in r.text and "Why it is here" in r.text
    first, inventory = _item(session, engagement, "dlc_a12a"), _item(session, engagement, "dlc_a23a")
    assert first.phase < inventory.phase

    # a move that breaks a dependency is refused with the dependency named; nothing changes
    r = c.post(f"{base}/items/{first.id}/move", data={"csrf_token": c.csrf, "phase": "3"})
    assert r.status_code == 422
    assert "depends on “List your most-used datasets”" in r.text.replace("&#34;", '"')
    assert _item(session, engagement, "dlc_a12a").phase == first.phase
    publish = _item(session, engagement, "dlc_a23b")  # nothing depends on it: it may move to the last phase
    r = c.post(f"{base}/items/{publish.id}/move", data={"csrf_token": c.csrf, "phase": "3"}, follow_redirects=False)
    assert r.status_code == 303 and _item(session, engagement, "dlc_a23b").pinned

    r = c.post(
        f"{base}/items/{first.id}/owner", data={"csrf_token": c.csrf, "owner": "IT manager"}, follow_redirects=False
    )
    assert r.status_code == 303 and _item(session, engagement, "dlc_a12a").owner == "IT manager"
    r = c.post(f"{base}/items/{first.id}/remove", data={"csrf_token": c.csrf, "reason": ""})
    assert r.status_code == 422 and "say why" in r.text
    r = c.post(
        f"{base}/custom",
        data={
            "csrf_token": c.csrf,
            "title": "Hire a data analyst",
            "component": "data_life_cycle",
            "phase": "1",
            "owner": "HR",
            "depends_on": ["dlc_a12a"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    added = _item(session, engagement, "custom-1")
    assert (added.title, added.phase, added.depends_on, added.pinned) == ("Hire a data analyst", 1, ["dlc_a12a"], True)
    r = c.post(f"{base}/custom", data={"csrf_token": c.csrf, "title": "", "component": "data_life_cycle", "phase": "1"})
    assert r.status_code == 422 and "give the activity a title" in r.text
    typed = {"csrf_token": c.csrf, "title": "Train stewards", "component": "data_life_cycle", "phase": "soon"}
    r = c.post(f"{base}/custom", data=typed)
    assert r.status_code == 422 and "choose one of the roadmap" in r.text and 'value="Train stewards"' in r.text
    # a digit Python's int() cannot read ("²" passes isdigit) is refused with the same words, never a crash
    r = c.post(f"{base}/custom", data={**typed, "phase": "\u00b2"})
    assert r.status_code == 422 and "choose one of the roadmap" in r.text
    r = c.post(f"{base}/items/{first.id}/move", data={"csrf_token": c.csrf, "phase": "\u00b2"})
    assert r.status_code == 422 and "choose one of the roadmap" in r.text
    r = c.post(f"{base}/items/999999/owner", data={"csrf_token": c.csrf, "owner": "x"})
    assert r.status_code == 422 and "does not exist" in r.text
    r = c.post(f"{base}/items/abc/owner", data={"csrf_token": c.csrf, "owner": "x"})
    assert r.status_code in (404, 422)

    # generating again keeps every edit
    c.post(f"{base}/generate", data={"csrf_token": c.csrf})
    assert _item(session, engagement, "dlc_a23b").phase == 3
    assert _item(session, engagement, "dlc_a12a").owner == "IT manager"
    page = c.get(base).text
    assert "Hire a data analyst" in page and "placed by you" in page
    actions = set(session.exec(select(AuditEvent.action).where(AuditEvent.engagement_id == engagement.id)).all())
    assert {"roadmap.generate", "roadmap.move", "roadmap.owner", "roadmap.add", "readiness.confirm"} <= actions


def test_report_page_and_export_download(consultant_client, session):
    c = consultant_client
    engagement = _setup(session)
    c.post(f"/engagements/{engagement.id}/roadmap/generate", data={"csrf_token": c.csrf})
    page = c.get(f"/engagements/{engagement.id}/report")
    assert page.status_code == 200 and "Executive summary" in page.text and "Export" in page.text
    r = c.post(f"/engagements/{engagement.id}/report/export", data={"csrf_token": c.csrf, "format": "exe"})
    assert r.status_code == 422
    r = c.post(
        f"/engagements/{engagement.id}/report/export",
        data={"csrf_token": c.csrf, "format": "docx"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    panel = wait_for_run(c, engagement.id, "export")
    assert "DOCX ready" in panel
    page = c.get(f"/engagements/{engagement.id}/report").text
    link = re.search(r'href="(/engagements/\d+/report/exports/\d+)"', page).group(1)
    r = c.get(link)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert "town-of-testville-dm3-report.docx" in r.headers["content-disposition"]
    doc = Document(io.BytesIO(r.content))
    assert "Roadmap" in [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert c.get(f"/engagements/{engagement.id}/report/exports/424242").status_code == 404


def test_an_export_queued_on_one_process_is_built_by_another_and_downloaded_from_the_first(
    app, consultant_client, session, settings
):
    """Several workers behind one address: the export is queued with its format on the Run row, built by
    whichever process's worker takes it, and its file is in the database, so any process serves it."""
    from assistant.web.app import create_app

    c = consultant_client
    engagement = _setup(session)
    app.state.jobs.shutdown()  # this process queues the export and does no background work
    r = c.post(
        f"/engagements/{engagement.id}/report/export",
        data={"csrf_token": c.csrf, "format": "html"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.expire_all()
    run = session.exec(select(Run).where(Run.engagement_id == engagement.id, Run.kind == "export")).one()
    assert (run.status, run.params) == ("queued", {"format": "html"})
    other = create_app(settings)
    try:
        assert other.state.jobs.run_once()  # the second process's worker
    finally:
        other.state.jobs.shutdown()
    session.expire_all()
    assert session.get(Run, run.id).status == "done"
    r = c.get(f"/engagements/{engagement.id}/report/exports/{run.id}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "town-of-testville-dm3-report.html" in r.headers["content-disposition"]
    assert "Town of Testville" in r.text


def _element(page: str, start_tag: str) -> str:
    """The div that opens with ``start_tag``, up to its own closing tag (nested divs counted)."""
    start = page.index(start_tag)
    depth = 0
    for tag in re.finditer(r"<div\b|</div>", page[start:]):
        depth += 1 if tag.group(0) == "<div" else -1
        if depth == 0:
            return page[start : start + tag.end()]
    raise AssertionError(f"{start_tag} is not closed")


def test_while_a_new_export_runs_the_previous_file_is_labelled_as_the_previous_one(app, consultant_client, session):
    c = consultant_client
    engagement = _setup(session)
    app.state.jobs.shutdown()  # the new export stays queued
    old = Run(engagement_id=engagement.id, kind="export", status="done", message="DOCX ready")
    old.stats, old.finished_at = {"filename": "old-report.docx"}, old.started_at
    session.add(old)
    session.commit()
    page = c.get(f"/engagements/{engagement.id}/report").text
    # the export form swaps the part of the page that holds the download link, not only the run panel
    target = re.search(r'hx-post="[^"]*/report/export"[^>]*hx-target="#([\w-]+)"', page).group(1)
    part = _element(page, f'<div id="{target}"')
    assert 'id="download"' in part and "Download old-report.docx" in part
    panel = c.post(
        f"/engagements/{engagement.id}/report/export",
        data={"csrf_token": c.csrf, "format": "pdf"},
        headers={"HX-Request": "true"},
    ).text
    assert f'id="{target}"' in panel and "export queued" in panel.lower()
    assert "Download old-report.docx" not in panel and "download the previous file (old-report.docx)" in panel
    # a refused format is said in the part the form swaps (htmx swaps a 422)
    r = c.post(
        f"/engagements/{engagement.id}/report/export",
        data={"csrf_token": c.csrf, "format": "exe"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422 and f'<div id="{target}">' in r.text and "Choose one of" in r.text
    assert "<html" not in r.text


def test_after_a_failed_export_the_previous_file_is_labelled_as_the_previous_one(consultant_client, session):
    c = consultant_client
    engagement = _setup(session)
    old = Run(engagement_id=engagement.id, kind="export", status="done", message="DOCX ready")
    old.stats, old.finished_at = {"filename": "old-report.docx"}, old.started_at
    session.add(old)
    session.commit()
    failed = Run(engagement_id=engagement.id, kind="export", status="failed", message="the PDF could not be drawn")
    failed.finished_at = failed.started_at
    session.add(failed)
    session.commit()
    part = _element(c.get(f"/engagements/{engagement.id}/report").text, '<div id="export-panel"')
    assert "The last export run failed: the PDF could not be drawn" in part
    assert "Download old-report.docx" not in part and "The new export failed." in part
    assert "download the previous file (old-report.docx)" in part
