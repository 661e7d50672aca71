"""Names gone everywhere staff text is shown to someone else (issue 29): a colleague named in answers
("Dave", whom nobody put on a roster) reads "[colleague]" on every page a consultant or an equity
reviewer reaches, in every download and in the exported report, through the one scrubber
(``assistant.records.engagements.scrubber_for``). Real database, real embedding model, the app over HTTP."""

from __future__ import annotations

import re

from sqlmodel import select

from assistant.models import Engagement, Participant, Segment
from assistant.privacy import Scrubber
from tests.factories import crawl, join, lead_every_engagement, logged_in_client, make_consultant, wait_for_run
from tests.synthesis.seed import DEPTS, ROLES, TOPICS, VARIANTS, add_person

NAMED = [
    "Only Dave knows how to rebuild it when it breaks.",
    "When it breaks we wait for Dave to fix it.",
    "If Dave is out, nothing moves.",
    "We ask Dave every time.",
]
# harder: lower case, a name that is also a word with a possessive, names the model alone does not read
UNLISTED = [
    "only dave can run the export.",
    "ask maria, she keeps the vendor file.",
    "Will's report is the only copy.",
    "Terrence does the data stuff on the side.",
    "Zach's macro breaks every time.",
]
UNLISTED_NAMES = re.compile(r"(?<!\w)(?:dave|maria|terrence|zach)(?!\w)|(?<!\w)Will's", re.IGNORECASE)


def test_a_colleague_nobody_listed_is_named_on_no_page_and_in_no_download(app, session, engine):
    # the named-entity model reads each of these as a person (what the product relies on for unlisted names)
    assert all("Dave" not in s for s in Scrubber().scrub_all(NAMED))
    assert not any(UNLISTED_NAMES.search(s) for s in Scrubber().scrub_all(UNLISTED))
    make_consultant(session)
    eng = Engagement(organisation="Namesville", departments=DEPTS, role_levels=ROLES)
    session.add(eng)
    session.flush()
    for i in range(12):
        answers = {
            (comp, f"{comp}.q{j}"): " ".join(
                (template.format(x=VARIANTS[(i + 3 * j) % len(VARIANTS)]), NAMED[(i + j) % 4], UNLISTED[(i + j) % 5])
            )
            for comp, topics in TOPICS.items()
            for j, template in enumerate(topics)
        }
        person, _ = add_person(session, eng, DEPTS[i % len(DEPTS)], ROLES[(i // len(DEPTS)) % len(ROLES)], answers)
        person.quote_consent = True
        session.add(person)
    session.commit()
    lead_every_engagement(session)
    eid = eng.id
    consultant = logged_in_client(app)
    reviewer_user = make_consultant(session, "rev@example.org", role="equity_reviewer")
    join(session, session.get(Engagement, eid), reviewer_user, "equity_reviewer")
    reviewer = logged_in_client(app, "rev@example.org")
    for path, kind in (("themes/run", "synthesis"), ("review/rate", "rating")):
        r = consultant.post(f"/engagements/{eid}/{path}", data={"csrf_token": consultant.csrf}, follow_redirects=False)
        assert r.status_code == 303
        wait_for_run(consultant, eid, kind)
    for fmt in ("html", "json"):
        form = {"csrf_token": consultant.csrf, "format": fmt}
        r = consultant.post(f"/engagements/{eid}/report/export", data=form, follow_redirects=False)
        assert r.status_code == 303
        wait_for_run(consultant, eid, "export")
    assert all("Dave" in s.text for s in session.exec(select(Segment).where(Segment.engagement_id == eid)).all())
    assert session.exec(select(Participant).where(Participant.engagement_id == eid)).first().quote_consent

    pages = crawl(
        consultant,
        [
            f"/engagements/{eid}",
            f"/engagements/{eid}/themes",
            f"/engagements/{eid}/review",
            f"/engagements/{eid}/report",
            f"/engagements/{eid}/roadmap",
            f"/engagements/{eid}/audit.csv",
        ],
        eid,
    )
    pages |= crawl(reviewer, [f"/engagements/{eid}/equity"], eid)
    for url in (f"/engagements/{eid}/equity.csv", f"/engagements/{eid}/equity.json"):
        pages[url] = reviewer.get(url).text
    exported = {url: body for url, body in pages.items() if "/report/exports/" in url}
    transcripts = [url for url in pages if "/transcripts/" in url]
    assert len(transcripts) == 12 and len(exported) >= 1, (transcripts, sorted(exported))
    assert any("[colleague]" in body for body in pages.values())
    assert [url for url, body in pages.items() if "Dave" in body] == []
    shown = {
        url: [body[max(m.start() - 40, 0) : m.end() + 20] for m in UNLISTED_NAMES.finditer(body)]
        for url, body in pages.items()
    }
    assert {url: found for url, found in shown.items() if found} == {}
