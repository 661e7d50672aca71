"""Re-identification through ids: a consultant invites 16 people in order (typing their emails), each
submits, and the consultant reads every audit view, the audit CSV and the transcript links. Nothing they
see may tie an invite (its order or its email) to the random label a transcript carries: no participant
or interview database id anywhere, no label on an invite event, no integer in a transcript URL.

Today's attack, which this test repeats: ``audit.csv?action=interview.submit`` named staff
``participant P-<id>`` and ``interview:<id>``, and the consultant's own ``invite.create participant:<id>``
rows gave the same ids in invite order, so all 16 were matched to their email and transcript.
"""

from __future__ import annotations

import csv
import io
import re

from sqlmodel import Session
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.config import get_settings
from assistant.interview import actions
from assistant.models import PUBLIC_LABEL
from tests.factories import make_engagement

PEOPLE = 16


def _invite_and_submit(c, engine, rubric, engagement_id: int) -> list[tuple[str, int, int, str]]:
    """Invite PEOPLE people through the set-up page in order; each submits. Returns (email, participant
    id, interview id, label) in invite order."""
    out = []
    for n in range(PEOPLE):
        email = f"person{n:02d}@example.org"
        r = c.post(
            f"/engagements/{engagement_id}/invites",
            data={"department": "Finance", "role_level": "frontline", "email": email, "csrf_token": c.csrf},
        )
        assert r.status_code == 200, r.text[:300]
        token = re.findall(r"/i/([A-Za-z0-9_-]{20,})", r.text)[-1]
        with Session(engine) as s:
            p = actions.participant_for_token(s, token)
            iv = actions.record_consent(s, p, True, rubric)
            actions.advance(s, iv, rubric)
            actions.respond(s, iv, rubric, "answer", f"We keep budget files in shared folders, team {n}.", "a", 4000)
            actions.advance(s, iv, rubric)
            actions.submit(s, iv, p)
            s.commit()
            out.append((email, p.id, iv.id, p.public_label))
    return out


def _id_refs(people) -> list[str]:
    """Every way an earlier release wrote a participant's or interview's database id."""
    refs = []
    for _, pid, iid, _ in people:
        refs += [f"participant:{pid}", f"P-{pid}", f"interview:{iid}", f"/transcripts/{iid}"]
    return refs


def _no_id_refs(text: str, people, where: str) -> None:
    for ref in _id_refs(people):
        assert not re.search(re.escape(ref) + r"(?![0-9A-Z])", text), f"{where} carries {ref}"


def test_nothing_a_consultant_reads_ties_an_invite_to_a_label(consultant_client, session, engine, rubric, monkeypatch):
    c = consultant_client
    engagement = make_engagement(session)
    people = _invite_and_submit(c, engine, rubric, engagement.id)
    labels = [label for *_, label in people]
    assert all(PUBLIC_LABEL.match(label) for label in labels)

    # the CSV the attacker used, whole and filtered by the two actions they joined
    base = f"/engagements/{engagement.id}/audit"
    files = {q: c.get(base + ".csv", params={"action": q} if q else None).text for q in ("", "interview", "invite")}
    rows = list(csv.DictReader(io.StringIO(files[""].lstrip("\ufeff"))))
    invites = [r for r in rows if r["action"] == "invite.create"]
    submits = [r for r in rows if r["action"] == "interview.submit"]
    assert len(invites) == PEOPLE and len(submits) == PEOPLE
    for name, text in files.items():
        _no_id_refs(text, people, f"audit.csv?action={name}")
    # an invite event names the group only: no label, no participant; a submit names the label
    for row in invites:
        assert row["entity"] == "invite" and "participant" not in row["entity"]
        assert not any(label in " ".join(row.values()) for label in labels)
    assert sorted(r["entity"] for r in submits) == sorted(f"interview:{label}" for label in labels)
    assert {r["actor"] for r in submits} == {f"participant {label}" for label in labels}

    # every page of the audit log, every actor and action filter
    pages = [c.get(base, params={"page": n}).text for n in (1, 2)]
    pages += [c.get(base, params={"action": a}).text for a in ("invite", "invite.create", "interview.submit")]
    pages += [c.get(base, params={"actor": "participant"}).text]
    for html in pages:
        _no_id_refs(html, people, "the audit page")
        for link in re.findall(r'href="([^"]*/transcripts/[^"]*)"', html):
            assert PUBLIC_LABEL.match(link.rsplit("/", 1)[1]), link

    # the engagement page lists transcripts by label; every transcript link is a label, no integer id
    page = c.get(f"/engagements/{engagement.id}").text
    _no_id_refs(page, people, "the engagement page")
    links = re.findall(r'href="/engagements/\d+/transcripts/([^"#]+)', page)
    assert sorted(links) == sorted(labels)
    for email, *_, label in people:
        transcript = c.get(f"/engagements/{engagement.id}/transcripts/{label}")
        assert transcript.status_code == 200 and label in transcript.text and email not in transcript.text
        _no_id_refs(transcript.text, people, "a transcript")
        assert not re.search(r'id="turn-\d+"', transcript.text)

    # dm3 audit prints the same events: no ids there either
    monkeypatch.setenv("DM3_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(cli, ["audit", str(engagement.id), "--count", "0"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    assert out.output.count("interview.submit") == PEOPLE
    _no_id_refs(out.output, people, "dm3 audit")
