"""Consultant decisions on rating proposals: rules, audit trail, decided levels and agreement."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assistant.models import AuditEvent, RatingProposal
from assistant.records.review import ReviewError, agreement, decide, decided_levels
from tests.factories import make_consultant, make_engagement


def proposal(session, engagement, component, level, status="proposed"):
    row = RatingProposal(
        engagement_id=engagement.id, component=component, status=status, level=level, rationale="test", engine="offline"
    )
    session.add(row)
    session.commit()
    return row


def test_accept_change_and_reject_are_recorded_and_audited(session, rubric):
    user = make_consultant(session)
    eng = make_engagement(session)
    p = proposal(session, eng, "equity_lens", 2)
    decide(session, rubric, p.id, user, "accept")
    session.commit()
    assert decided_levels(session, eng.id) == {"equity_lens": 2}
    decide(session, rubric, p.id, user, "change", level=3, rationale="Intake forms ask who is missing [E-4].")
    session.commit()
    assert decided_levels(session, eng.id) == {"equity_lens": 3}
    decide(session, rubric, p.id, user, "reject", rationale="Evidence is from one department only.")
    session.commit()
    assert decided_levels(session, eng.id) == {"equity_lens": None}
    events = session.exec(
        select(AuditEvent).where(AuditEvent.engagement_id == eng.id, AuditEvent.action.like("rating.%"))
    ).all()
    assert [e.action for e in events] == ["rating.accept", "rating.change", "rating.reject"]
    assert all(e.actor == "consultant consultant@example.org" and e.actor_user_id == user.id for e in events)
    assert events[0].before == {"decided": False} and events[0].after["level"] == 2
    assert events[1].before["level"] == 2 and events[1].after["level"] == 3
    assert events[2].before["level"] == 3 and events[2].after["level"] is None
    assert events[1].entity == f"rating_proposal:{p.id}" and events[1].created_at is not None


def test_decisions_that_break_the_rules_are_refused(session, rubric):
    user = make_consultant(session)
    eng = make_engagement(session)
    p = proposal(session, eng, "equity_lens", 2)
    thin = proposal(session, eng, "governance_structures", None, status="insufficient_evidence")
    with pytest.raises(ReviewError, match="needs a rationale"):
        decide(session, rubric, p.id, user, "change", level=3, rationale="  ")
    with pytest.raises(ReviewError, match="choose a level"):
        decide(session, rubric, p.id, user, "change", level=6, rationale="why not")
    with pytest.raises(ReviewError, match="needs a rationale"):
        decide(session, rubric, p.id, user, "reject")
    with pytest.raises(ReviewError, match="no proposed level to accept"):
        decide(session, rubric, thin.id, user, "accept")
    with pytest.raises(ReviewError, match="unknown action"):
        decide(session, rubric, p.id, user, "approve")
    p.superseded = True
    session.add(p)
    session.commit()
    with pytest.raises(ReviewError, match="newer rating run"):
        decide(session, rubric, p.id, user, "accept")
    session.rollback()
    assert decided_levels(session, eng.id) == {}
    assert session.exec(select(AuditEvent).where(AuditEvent.action.like("rating.%"))).all() == []
    # a thin component can still be given a level by a consultant, with a reason
    decide(session, rubric, thin.id, user, "change", level=1, rationale="Workshop notes show no governance body.")
    session.commit()
    assert decided_levels(session, eng.id) == {"governance_structures": 1}


def test_agreement_counts_exact_matches_and_quadratic_kappa(session, rubric):
    user = make_consultant(session)
    eng = make_engagement(session)
    assert agreement(session, eng.id).kappa is None
    plan = [
        ("data_life_cycle", 2, 2),
        ("equity_lens", 1, 1),
        ("leadership_alignment", 3, 4),
        ("partnership_leverage", 4, 4),
        ("sustainability_focus", 2, 3),
    ]
    for component, proposed, decided in plan:
        p = proposal(session, eng, component, proposed)
        if proposed == decided:
            decide(session, rubric, p.id, user, "accept")
        else:
            decide(session, rubric, p.id, user, "change", level=decided, rationale="evidence read differently")
    r = proposal(session, eng, "governance_structures", 3)
    decide(session, rubric, r.id, user, "reject", rationale="cites one team only")
    session.commit()
    stats = agreement(session, eng.id)
    assert stats.decided == 6 and stats.rejected == 1 and len(stats.pairs) == 5
    assert stats.exact == pytest.approx(3 / 5)
    from sklearn.metrics import cohen_kappa_score

    expected = cohen_kappa_score([2, 1, 3, 4, 2], [2, 1, 4, 4, 3], weights="quadratic")
    assert stats.kappa == pytest.approx(expected) and 0 < stats.kappa < 1


def test_kappa_is_undefined_not_invented_for_degenerate_cases(session, rubric):
    user = make_consultant(session)
    eng = make_engagement(session)
    p = proposal(session, eng, "data_life_cycle", 3)
    decide(session, rubric, p.id, user, "accept")
    session.commit()
    one = agreement(session, eng.id)
    assert one.exact == 1.0 and one.kappa is None and "at least two" in one.kappa_note
    q = proposal(session, eng, "equity_lens", 3)
    decide(session, rubric, q.id, user, "accept")
    session.commit()
    same = agreement(session, eng.id)
    assert same.exact == 1.0 and same.kappa is None and "same" in same.kappa_note
