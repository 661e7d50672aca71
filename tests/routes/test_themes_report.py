"""Theme pages a consultant can put in a report (issue 16), over HTTP on a real database with the real
model: stale banners with counts, withdrawal leaves no word behind, no roster name on the page."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from assistant.models import Engagement, Participant, Segment, Theme, ThemeMember, utcnow
from assistant.records.imports import ImportFile, Mapping, import_csv
from assistant.views.themes import WITHHELD
from tests.factories import wait_for_run
from tests.synthesis.seed import add_person, seed

COMP = "data_life_cycle"


def _run(c, eid: int) -> None:
    r = c.post(f"/engagements/{eid}/themes/run", data={"csrf_token": c.csrf}, follow_redirects=False)
    assert r.status_code == 303
    wait_for_run(c, eid, "synthesis")


def _pages(c, eid: int) -> str:
    """The overview, every component page and every theme page it links to."""
    html = [c.get(f"/engagements/{eid}/themes").text]
    for comp in ("data_life_cycle", "governance_structures"):
        page = c.get(f"/engagements/{eid}/themes/c/{comp}").text
        html.append(page)
        for link in sorted(set(re.findall(rf"/engagements/{eid}/themes/t/\d+", page))):
            html.append(c.get(link).text)
    return "\n".join(html)


def test_stale_banner_counts_answers_imports_and_withdrawals(consultant_client, session, engine):
    data = seed(session, people=12)
    eid = data.engagement.id
    _run(consultant_client, eid)
    page = consultant_client.get(f"/engagements/{eid}/themes").text
    assert "Out of date" not in page
    add_person(
        session,
        data.engagement,
        "Finance",
        "manager",
        {
            (COMP, f"{COMP}.q0"): "Our payroll spreadsheets get emailed around and nobody knows which copy is right.",
            (COMP, f"{COMP}.q1"): "There is no retention schedule for the payroll files at all.",
        },
    )
    leaver = data.participants[0]
    leaver.withdrawn_at = utcnow()
    session.add(leaver)
    data = b"comment\nThe asset register is a spreadsheet on one laptop.\nNobody owns the GIS layers.\n"
    import_csv(
        session,
        eid,
        ImportFile(data, "survey.csv", Mapping(text_column="comment", component=COMP), [COMP, "governance_structures"]),
    )
    session.commit()
    for url in (f"/engagements/{eid}/themes", f"/engagements/{eid}/themes/c/{COMP}"):
        page = consultant_client.get(url).text
        assert "Out of date" in page
        assert "2 answers from 1 person" in page and "1 survey import (2 answers)" in page and "1 withdrawal" in page
    _run(consultant_client, eid)
    assert "Out of date" not in consultant_client.get(f"/engagements/{eid}/themes").text


def test_review_page_says_when_answers_arrived_after_the_rating(consultant_client, session, engine):
    data = seed(session, people=8)
    eid = data.engagement.id
    r = consultant_client.post(
        f"/engagements/{eid}/review/rate", data={"csrf_token": consultant_client.csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    wait_for_run(consultant_client, eid, "rating")
    assert "Out of date" not in consultant_client.get(f"/engagements/{eid}/review").text
    add_person(
        session,
        data.engagement,
        "Parks",
        "frontline",
        {(COMP, f"{COMP}.q0"): "We keep the tree inventory in a spreadsheet that three people edit by email."},
    )
    session.commit()
    page = consultant_client.get(f"/engagements/{eid}/review").text
    assert "Out of date" in page and "1 answer from 1 person" in page


def test_a_curated_theme_whose_people_withdrew_keeps_no_word_and_disappears(consultant_client, session, engine):
    data = seed(session, people=12)
    eid = data.engagement.id
    _run(consultant_client, eid)
    session.expire_all()
    theme = session.exec(
        select(Theme).where(
            Theme.engagement_id == eid,
            Theme.component == COMP,
            col(Theme.is_other).is_(False),
            col(Theme.parent_id).is_(None),
        )
    ).first()
    r = consultant_client.post(
        f"/engagements/{eid}/themes/t/{theme.id}/rename",
        data={"csrf_token": consultant_client.csrf, "label": "Renamed by the consultant"},
    )
    assert r.status_code == 200
    members = session.exec(
        select(Segment).join(ThemeMember, ThemeMember.segment_id == Segment.id).where(ThemeMember.theme_id == theme.id)
    ).all()
    people = sorted({m.participant_id for m in members})
    session.expire_all()
    first = session.get(Participant, people[0])
    first.withdrawn_at = utcnow()
    session.add(first)
    session.commit()
    # at once, before any re-run: machine words built partly from the leaver's answers are withheld
    page = consultant_client.get(f"/engagements/{eid}/themes/t/{theme.id}").text
    assert WITHHELD.split(":")[0] in page
    for pid in people[1:]:
        p = session.get(Participant, pid)
        p.withdrawn_at = utcnow()
        session.add(p)
    session.commit()
    assert "Renamed by the consultant" not in consultant_client.get(f"/engagements/{eid}/themes/c/{COMP}").text
    _run(consultant_client, eid)
    with Session(engine) as s:
        gone = s.get(Theme, theme.id)
        assert gone.archived and gone.keywords == [] and gone.summary == "" and gone.quote_ids == []
    assert "Renamed by the consultant" not in _pages(consultant_client, eid)


def test_no_roster_name_and_no_quote_twice_on_the_theme_pages(consultant_client, session, engine):
    data = seed(session, people=12)
    eng = data.engagement
    eng = session.get(Engagement, eng.id)
    eng.settings = {**eng.settings, "roster_names": ["Dolores Whitfield"]}
    session.add(eng)
    for k, dept in enumerate(["Finance", "Parks", "Police", "Public Works", "Finance"]):
        add_person(
            session,
            eng,
            dept,
            "frontline",
            {
                (
                    COMP,
                    f"{COMP}.q0",
                ): f"dolores in records keeps the only list of our datasets in a binder{'.' * (k % 2 + 1)}"
            },
        )
    session.commit()
    _run(consultant_client, eng.id)
    html = _pages(consultant_client, eng.id)
    assert "dolores" not in html.lower() and "whitfield" not in html.lower()
    assert "[colleague]" in html
    page = consultant_client.get(f"/engagements/{eng.id}/themes/c/{COMP}").text
    quotes = re.findall(r'<blockquote class="quote"[^>]*>\s*<p>(.*?)</p>', page, flags=re.S)
    normalised = [" ".join(q.lower().split()) for q in quotes]
    assert quotes and len(normalised) == len(set(normalised))
