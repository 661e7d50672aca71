"""The rating stage over the database: one proposal per component, superseding, Run rows."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assistant.models import Participant, RatingProposal, Run, Segment, utcnow
from assistant.rating.offline import OfflineRater
from assistant.rating.run import load_evidence, propose_for_engagement
from assistant.rating.schema import Proposal
from assistant.rating.validate import validate_proposal
from tests.factories import make_engagement, seed_segments
from tests.rating.conftest import DASHBOARD, DECISION_LOG, GOV_HIGH, GOV_LOW


def test_every_component_gets_a_proposal_and_thin_ones_say_so(engine, session, settings, rubric, embedder):
    eng = make_engagement(session)
    seed_segments(session, eng, "governance_structures", GOV_HIGH)
    rows = propose_for_engagement(engine, eng.id, OfflineRater(rubric, embedder))
    by_component = {r.component: r for r in rows}
    assert set(by_component) == {c.id for c in rubric.components}
    gov = by_component["governance_structures"]
    assert gov.status == "proposed" and gov.level >= 4 and gov.engine == "offline"
    assert all(
        r.status == "insufficient_evidence" and r.level is None
        for c, r in by_component.items()
        if c != "governance_structures"
    )
    # the stored proposal still passes validation against the stored evidence
    evidence = load_evidence(session, eng.id)["governance_structures"]
    stored = Proposal(
        component=gov.component,
        status=gov.status,
        level=gov.level,
        indicators=gov.indicators,
        citations=gov.citations,
        rationale=gov.rationale,
    )
    assert validate_proposal(stored, rubric, evidence) == []
    assert all(c["segment_id"].startswith("E-") for c in gov.citations)
    run = session.exec(select(Run).where(Run.engagement_id == eng.id)).one()
    assert run.kind == "rating" and run.status == "done" and run.progress == 1.0
    assert run.stats["components"]["governance_structures"]["level"] == gov.level


def test_a_rerun_supersedes_and_withdrawn_or_inactive_evidence_is_ignored(engine, session, settings, rubric, embedder):
    eng = make_engagement(session)
    people = seed_segments(session, eng, "governance_structures", GOV_LOW)
    first = {
        r.component: r
        for r in propose_for_engagement(
            engine, eng.id, OfflineRater(rubric, embedder), components=["governance_structures"]
        )
    }
    assert first["governance_structures"].level <= 2
    # two people withdraw and one segment is superseded: what is left is too thin to rate
    for name in ("ana", "ben", "cy"):
        people[name].withdrawn_at = utcnow()
        session.add(people[name])
    session.commit()
    second = propose_for_engagement(
        engine, eng.id, OfflineRater(rubric, embedder), components=["governance_structures"]
    )[0]
    assert second.status == "insufficient_evidence"
    session.expire_all()
    rows = session.exec(select(RatingProposal).where(RatingProposal.engagement_id == eng.id)).all()
    assert [(r.id == second.id, r.superseded) for r in rows] == [(False, True), (True, False)]
    assert len(session.exec(select(Run).where(Run.engagement_id == eng.id)).all()) == 2
    evidence = load_evidence(session, eng.id)
    assert {i.participant for i in evidence["governance_structures"]} == {people["dee"].public_label}
    seg = session.exec(select(Segment).where(Segment.participant_id == people["dee"].id)).first()
    seg.active = False
    session.add(seg)
    session.commit()
    assert load_evidence(session, eng.id) == {}
    assert session.get(Participant, people["dee"].id).withdrawn_at is None


def test_stored_themes_reach_the_citations_of_a_stored_proposal(engine, session, settings, rubric, embedder):
    from assistant.models import Theme, ThemeMember

    eng = make_engagement(session)
    seed_segments(session, eng, "governance_structures", DECISION_LOG + DASHBOARD)
    segments = session.exec(select(Segment).where(Segment.engagement_id == eng.id).order_by(Segment.id)).all()
    themes = {}
    for label, members in (("Decision log", segments[:5]), ("Governance dashboard", segments[5:])):
        themes[label] = Theme(engagement_id=eng.id, component="governance_structures", label=label)
        session.add(themes[label])
        session.flush()
        session.add_all([ThemeMember(theme_id=themes[label].id, segment_id=s.id) for s in members])
    session.commit()
    row = propose_for_engagement(engine, eng.id, OfflineRater(rubric, embedder), components=["governance_structures"])[
        0
    ]
    evidence = {i.id: i.theme for i in load_evidence(session, eng.id)["governance_structures"]}
    body = next(ind for ind in row.indicators if ind["indicator_id"] == "gov_body")
    assert {evidence[c["segment_id"]] for c in body["citations"]} == {"Decision log", "Governance dashboard"}


def test_a_rating_that_crashes_leaves_a_failed_run_that_says_why(engine, session, settings, rubric):
    eng = make_engagement(session)
    seed_segments(session, eng, "governance_structures", GOV_HIGH)

    class Broken:
        """An embedder whose model files went missing after start-up."""

        def encode(self, texts: list[str]) -> None:
            raise OSError("embedding model folder is missing")

    with pytest.raises(OSError):
        propose_for_engagement(engine, eng.id, OfflineRater(rubric, Broken()))
    run = session.exec(select(Run).where(Run.engagement_id == eng.id)).one()
    assert (run.status, run.message) == ("failed", "Rating failed: embedding model folder is missing")
    assert run.finished_at is not None
    assert session.exec(select(RatingProposal).where(RatingProposal.engagement_id == eng.id)).all() == []
