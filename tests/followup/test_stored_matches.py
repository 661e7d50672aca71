"""The theme matches of a comparison are stored when first computed and read back, until either
assessment's themes are synthesised again (or a consultant corrects a match, which still wins)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from assistant.followup import compare as compare_module
from assistant.followup.compare import compare, correct_match
from assistant.jobs import track_run
from assistant.models import StoredMatch
from tests.factories import DLC, seed_organisation


@pytest.fixture
def counted(monkeypatch):
    """How often the matching ran (the real ``match``, counted)."""
    calls = []
    real = compare_module.match

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_module, "match", counting)
    return calls


def _stored(session, first, second):
    session.expire_all()
    return session.exec(
        select(StoredMatch)
        .where(StoredMatch.engagement_id == second.id, StoredMatch.previous_id == first.id)
        .order_by(col(StoredMatch.position))
    ).all()


def _changes(comparison):
    return sorted((c.a, c.b, c.change, c.corrected) for c in comparison.changes[DLC])


def test_reading_twice_matches_once_and_re_synthesis_matches_again(session, engine, rubric, counted):
    first, second, t = seed_organisation(session, rubric)
    once = compare(session, first, second, rubric)
    stored = _stored(session, first, second)
    stamp, ids = {r.stamp for r in stored}, [r.id for r in stored]
    assert len(counted) == 1  # one component has themes
    # the rows as matched: the pair's size change is decided on read ("pair"), the rest as matched
    assert sorted((r.a_themes, r.b_themes, r.change) for r in stored) == sorted(
        [
            ([t["a_sheets"].id], [t["b_sheets"].id], "pair"),
            ([t["a_paper"].id], [t["b_scan"].id, t["b_eforms"].id], "split"),
            ([t["a_register"].id], [], "gone"),
            ([], [t["b_portal"].id], "appeared"),
        ]
    )
    twice = compare(session, first, second, rubric)
    assert len(counted) == 1, "the second read matched again instead of reading the stored rows"
    assert _changes(twice) == _changes(once) and [r.id for r in _stored(session, first, second)] == ids
    assert ((t["a_sheets"].id,), (t["b_sheets"].id,), "shrank", False) in _changes(twice)  # 50% -> 20%
    # a wider margin decides the stored pair again without matching: 30 points moved is "same" under 0.35
    wider = compare(session, first, second, rubric, margin=0.35)
    assert len(counted) == 1 and ((t["a_sheets"].id,), (t["b_sheets"].id,), "same", False) in _changes(wider)

    # the later assessment's themes are synthesised again (a finished synthesis run)
    with track_run(engine, second.id, "synthesis"):
        pass
    compare(session, first, second, rubric)
    assert len(counted) == 2
    again = _stored(session, first, second)
    assert {r.stamp for r in again} != stamp and len({r.stamp for r in again}) == 1  # replaced, not added to
    assert len(again) == len(ids)
    compare(session, first, second, rubric)
    assert len(counted) == 2


def test_a_correction_invalidates_the_stored_matches_and_still_wins(session, rubric, counted):
    first, second, t = seed_organisation(session, rubric)
    compare(session, first, second, rubric)
    correct_match(session, first, second, t["a_register"].id, t["b_portal"].id, t["lead"])
    session.commit()
    fixed = compare(session, first, second, rubric)
    assert len(counted) == 2
    assert ((t["a_register"].id,), (t["b_portal"].id,), "same", True) in _changes(fixed)
    assert any(r.corrected for r in _stored(session, first, second))
    assert _changes(compare(session, first, second, rubric)) == _changes(fixed) and len(counted) == 2
