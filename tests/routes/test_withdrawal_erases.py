"""Withdrawal removes at once (issue 29): right after a person withdraws, their distinctive words are on no
page a consultant or an equity reviewer can reach, in no download, and in no table of the database, with
no synthesis run in between. Real database, real embedding model, the app over HTTP."""

from __future__ import annotations

import json

from sqlalchemy import inspect
from sqlmodel import SQLModel, col, select

from assistant.interview.closing import withdraw
from assistant.models import (
    AuditEvent,
    Engagement,
    ExportFile,
    Interview,
    LLMCall,
    Participant,
    Segment,
    Theme,
    ThemeMember,
)
from assistant.records.withdrawal import WITHDRAWN
from tests.factories import crawl, join, logged_in_client, make_consultant, wait_for_run
from tests.synthesis.seed import add_person, seed

TOKEN = "quillfeather"  # a made-up system name only the leaver ever writes
LEAVER_ANSWERS = {
    (
        "data_life_cycle",
        "data_life_cycle.q0",
    ): "Every Friday I rebuild the Quillfeather ledger by hand from three exports.",
    (
        "data_life_cycle",
        "data_life_cycle.q1",
    ): "Nobody else can open the Quillfeather ledger, so when I am out it waits.",
    (
        "governance_structures",
        "governance_structures.q0",
    ): "The Quillfeather ledger has no owner and no written policy.",
}


def _tables_holding(engine, needle: str) -> list[str]:
    """'table.column' for every stored value (text, JSON or bytes) that contains ``needle``, any case."""
    found = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if not inspect(conn).has_table(table.name):
                continue
            for row in conn.execute(table.select()).mappings():
                for column, value in row.items():
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    elif isinstance(value, dict | list):
                        value = json.dumps(value)
                    if isinstance(value, str) and needle in value.lower():
                        found.append(f"{table.name}.{column}")
    return sorted(set(found))


def test_a_withdrawal_leaves_no_word_on_any_page_download_or_table(app, session, engine):
    make_consultant(session)
    data = seed(session, people=12)
    eid = data.engagement.id
    leaver, _ = add_person(session, data.engagement, "Finance", "manager", LEAVER_ANSWERS)
    session.commit()
    consultant = logged_in_client(app)
    reviewer_user = make_consultant(session, "rev@example.org", role="equity_reviewer")
    join(session, session.get(Engagement, eid), reviewer_user, "equity_reviewer")
    reviewer = logged_in_client(app, "rev@example.org")

    for path, kind in (("themes/run", "synthesis"), ("review/rate", "rating")):
        r = consultant.post(f"/engagements/{eid}/{path}", data={"csrf_token": consultant.csrf}, follow_redirects=False)
        assert r.status_code == 303
        wait_for_run(consultant, eid, kind)
    # the machine named a theme from the leaver's words, and a consultant renamed it since (the audit log
    # keeps the machine's label as "before"); a model's reply in the LLM log repeats them too
    theirs = session.exec(select(Segment.id).where(Segment.participant_id == leaver.id)).all()
    themes_of = dict(
        session.exec(
            select(Segment.component, ThemeMember.theme_id)
            .join(ThemeMember, ThemeMember.segment_id == Segment.id)
            .where(col(Segment.id).in_(theirs))
        ).all()
    )
    theme = session.get(Theme, themes_of["data_life_cycle"])
    theme.label, theme.keywords = "Quillfeather ledger by hand", ["Quillfeather ledger", *theme.keywords]
    session.add(theme)
    # a second machine label from their words, never renamed: it gives way to a key phrase others wrote
    other = session.get(Theme, themes_of["governance_structures"])
    other.label, other.keywords = "The Quillfeather ledger has no owner", ["Quillfeather ledger", "written policy"]
    session.add(other)
    session.add(
        LLMCall(
            engagement_id=eid,
            task="theme_label",
            model="m",
            prompt_name="theme_label",
            prompt_hash="h",
            request_hash="r",
            response='{"label": "Quillfeather ledger rebuilt by hand"}',
            outcome="ok",
        )
    )
    session.commit()
    r = consultant.post(
        f"/engagements/{eid}/themes/t/{theme.id}/rename",
        data={"csrf_token": consultant.csrf, "label": "Ledger rebuilt by hand"},
    )
    assert r.status_code == 200
    r = consultant.post(
        f"/engagements/{eid}/report/export",
        data={"csrf_token": consultant.csrf, "format": "html"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    wait_for_run(consultant, eid, "export")
    session.expire_all()
    assert session.exec(select(ExportFile).where(ExportFile.engagement_id == eid)).first() is not None

    # before: the search finds the words (in the database at least, and on a page that shows segments)
    assert "segment.text" in _tables_holding(engine, TOKEN)
    start = [f"/engagements/{eid}", f"/engagements/{eid}/themes", f"/engagements/{eid}/review"]
    before = crawl(consultant, start, eid)
    assert any(TOKEN in body.lower() for body in before.values())

    session.expire_all()
    person = session.get(Participant, leaver.id)
    interview = session.exec(select(Interview).where(Interview.participant_id == leaver.id)).first()
    withdraw(session, person, interview)  # what the staff member's Withdraw button calls; it commits

    pages = crawl(
        consultant,
        [
            *start,
            f"/engagements/{eid}/report",
            f"/engagements/{eid}/roadmap",
            f"/engagements/{eid}/audit",
            f"/engagements/{eid}/audit.csv",
        ],
        eid,
    )
    pages |= crawl(reviewer, [f"/engagements/{eid}/equity"], eid)
    pages[f"/engagements/{eid}/equity.csv"] = reviewer.get(f"/engagements/{eid}/equity.csv").text
    pages[f"/engagements/{eid}/equity.json"] = reviewer.get(f"/engagements/{eid}/equity.json").text
    assert len(pages) > 20, sorted(pages)
    assert [url for url, body in pages.items() if TOKEN in body.lower()] == []
    assert _tables_holding(engine, TOKEN) == []

    # what is kept: the fact of the withdrawal, the rows' shells, the renamed theme, its label's history
    session.expire_all()
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "participant.withdraw", AuditEvent.engagement_id == eid)
    ).one()
    assert event.after["state"] == "withdrawn" and event.after["erased"]["segments"] == len(theirs)
    assert event.after["erased"]["exports"] >= 1
    assert session.exec(select(ExportFile).where(ExportFile.engagement_id == eid)).all() == []
    renamed = session.exec(
        select(AuditEvent).where(AuditEvent.action == "theme.rename", AuditEvent.engagement_id == eid)
    ).one()
    assert renamed.before["label"] == WITHDRAWN and renamed.after["label"] == "Ledger rebuilt by hand"
    assert session.get(Theme, theme.id).label == "Ledger rebuilt by hand"  # a consultant's words stay
    segs = session.exec(select(Segment).where(col(Segment.id).in_(theirs))).all()
    assert all(s.text == "" and not s.active for s in segs)
    other = session.get(Theme, other.id)
    assert (other.label, other.keywords) == ("Written policy", ["written policy"])
