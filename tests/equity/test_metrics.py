"""Equity metrics on an engagement of known composition (tests/equity/seed.py), against figures
worked out by hand here. Threshold 5; participation flag ratio 0.9 (so one group is flagged)."""

from __future__ import annotations

import pytest

from assistant.equity.audit import audit_csv, build_audit
from assistant.equity.left_out import left_out
from assistant.equity.participation import participation
from assistant.equity.voice import rating_voice, theme_voice
from tests.equity.seed import SECRET_EMAIL, seed_known
from tests.factories import make_consultant


@pytest.fixture
def known(session):
    return seed_known(session, make_consultant(session, "lead@example.org"), settings={"flag_ratio": 0.9})


def rows(tables, grouping):
    table = next(t for t in tables if t.grouping == grouping)
    return {r.group: r for r in table.rows}


def test_participation_by_department_against_the_roster(session, known):
    dept = rows(participation(session, known.engagement), "department")
    # roster 50/30/15 (95); invited 18/12/6 (36; the withdrawn person was invited); submitted 13/9/3 (25)
    pw, fin, parks, total = dept["Public Works"], dept["Finance"], dept["Parks"], dept["total"]
    assert (pw.roster, pw.invited, pw.submitted) == (50, 18, 13)
    assert (fin.roster, fin.invited) == (30, 12) and (parks.roster, parks.invited) == (15, 6)
    assert (total.roster, total.invited, total.submitted) == (95, 36, 25)
    assert pw.rate == pytest.approx(13 / 50, abs=1e-3)
    assert pw.ratio == pytest.approx((13 / 25) / (50 / 95), abs=1e-3)  # 0.988: not flagged
    assert pw.flag is None
    # Parks submitted 3 (< 5): hidden; Finance's 9 hidden too, or 25 - 13 - 9 would give Parks' 3
    assert parks.submitted is None and fin.submitted is None and parks.suppressed and fin.suppressed
    assert fin.rate is None and fin.ratio is None and fin.flag is None
    # started 3 / 0 / 1: both small ones hidden; Finance's 0 is shown; the total (4) is hidden too
    assert pw.started is None and parks.started is None and fin.started == 0 and total.started is None


def test_participation_by_role_level_flags_the_under_represented(session, known):
    role = rows(participation(session, known.engagement), "role_level")
    # groups are named only at 5 people invited: Finance's 4 managers and Parks' one executive are
    # pooled in their departments ("Finance · other role levels", "Parks · other role levels"), so
    # the role table lists frontline (Public Works'), manager (Public Works') and "other role levels"
    assert set(role) == {"frontline", "manager", "other role levels", "total"}
    front, manager, other = role["frontline"], role["manager"], role["other role levels"]
    # frontline: roster 40, invited 12, submitted 8; ratio (8/25)/(40/95) = 0.76 < 0.9: flagged
    assert (front.roster, front.invited, front.submitted) == (40, 12, 8)
    assert front.rate == pytest.approx(8 / 40, abs=1e-3)
    assert front.ratio == pytest.approx((8 / 25) / (40 / 95), abs=1e-3) and front.flag == "under"
    assert (manager.roster, manager.invited, manager.submitted) == (10, 6, 5)
    assert (other.roster, other.invited, other.submitted) == (45, 18, 12)


def test_voice_share_in_themes(session, known, rubric):
    voices = {v.label: v.voice for v in theme_voice(session, known.engagement, rubric)}
    assert set(voices) == {"Spreadsheets", "Manager sign-off"}  # "other voices" is not a theme here
    spreadsheets = {r.group: r for r in voices["Spreadsheets"].by("department")}
    # 11 people: 6 Public Works of 13 voices, 5 Finance of 9, Parks 0 of 3 voices (a group under 5: hidden,
    # with Finance hidden beside it so that 11 - 6 cannot be read as Finance's alone)
    pw = spreadsheets["Public Works"]
    assert (pw.people, pw.share, pw.expected) == (6, round(6 / 11, 3), round(13 / 25, 3))
    assert pw.ratio == pytest.approx((6 / 11) / (13 / 25), abs=1e-3) and pw.flag is None
    assert spreadsheets["Parks"].suppressed and spreadsheets["Finance"].suppressed
    sign_off = voices["Manager sign-off"]
    assert sign_off.people == 5
    assert "only one department: Public Works" in sign_off.flags
    # the role is manager (Public Works' 5 managers: the only managers named; Finance's are pooled)
    assert "only one role level: manager" in sign_off.flags
    frontline = next(r for r in sign_off.by("role_level") if r.group == "frontline")
    assert (frontline.people, frontline.share, frontline.flag) == (0, 0.0, "under")


def test_voice_share_behind_the_rating_and_its_decided_level(session, known, rubric):
    dlc = next(r for r in rating_voice(session, known.engagement, rubric) if r.component == "data_life_cycle")
    assert (dlc.proposal_level, dlc.decided_level, dlc.decision_action) == (2, 2, "accept")
    assert dlc.proposal.people == 5 and dlc.decided is not None and dlc.decided.people == 5
    assert "decided level rests on only one department: Public Works" in dlc.flags
    assert "proposal rests on only one department: Public Works" in dlc.flags
    other = next(r for r in rating_voice(session, known.engagement, rubric) if r.component == "equity_lens")
    assert other.proposal.people == 0 and other.decided is None and other.flags == []


def test_voices_left_out(session, known, rubric):
    parks = known.by_group[("Parks", "frontline")][0]
    seg = known.segments[parks.id]
    seg.text = "Nobody asks us; write to jo.smith@city.gov or call 555-123-4567."
    session.add(seg)
    session.commit()
    gone = left_out(session, known.engagement, rubric)
    (other,) = gone.other
    assert other.component == "data_life_cycle" and other.segments == 2 and other.voice.people == 2
    assert "Nobody asks us; write to [email] or call [phone]." in other.texts  # readable, de-identified
    assert not any("jo.smith" in t or "555" in t for t in other.texts)
    assert all(r.suppressed for r in other.voice.by("department") if r.group == "Parks")
    # with words: PW 11 (cited: its 5 managers), Finance 5 (never cited), Parks 2 (never cited, too small to name);
    # roles as named (Finance and Parks pooled as "other role levels"): frontline (Public Works') 6 never
    # cited, manager cited, other role levels 7 (Finance 5, Parks 2) never cited
    named = {(n.grouping, n.group, n.voices) for n in gone.never_cited}
    expected = {("Department", "Finance", 5), ("Role level", "frontline", 6), ("Role level", "other role levels", 7)}
    assert named == expected
    assert gone.unnamed_never_cited == 1


def test_the_audit_file_has_the_issue_shape_and_no_identities(session, known, rubric):
    audit = build_audit(session, known.engagement, rubric)
    assert set(audit) >= {"participation", "themes", "ratings", "left_out"}
    keys = {"grouping", "group", "roster", "invited", "started", "submitted", "rate", "ratio", "flag", "suppressed"}
    keys.add("reasons")  # why each hidden figure is hidden: "small" (fewer than k) or "protects" (not shown)
    assert all(set(r) == keys for r in audit["participation"])
    hidden = [r for r in audit["participation"] if r["suppressed"]]
    assert hidden and all(None in (r["roster"], r["invited"], r["started"], r["submitted"]) for r in hidden)
    text = str(audit) + audit_csv(audit)
    people = [p for group in known.by_group.values() for p in group]
    assert SECRET_EMAIL not in text and "@example.org" not in text
    assert not any(p.public_label in text for p in people)
    assert "answer number" not in text  # no segment text in the export
