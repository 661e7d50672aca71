"""Builders for roadmap tests: an engagement whose components have decided levels (through the real
review code) and a consultant (staff segments: ``seed_segments`` in tests/factories.py)."""

from __future__ import annotations

import pytest

from assistant.models import RatingProposal
from assistant.records.review import decide
from assistant.rubric import get_rubric
from tests.factories import make_consultant, make_engagement


def decide_levels(session, engagement, user, levels: dict[str, int | None]) -> None:
    """A proposal per component accepted at ``levels[component]``; None rejects (no decided level)."""
    rubric = get_rubric()
    for component, level in levels.items():
        proposal = RatingProposal(
            engagement_id=engagement.id,
            component=component,
            status="proposed",
            level=level or 2,
            rationale=f"Offline rationale for {component}.",
        )
        session.add(proposal)
        session.flush()
        if level is None:
            decide(session, rubric, proposal.id, user, "reject", rationale="the evidence is from one team only")
        else:
            decide(session, rubric, proposal.id, user, "accept")
    session.commit()


@pytest.fixture
def consultant(session):
    return make_consultant(session)


@pytest.fixture
def engagement(session):
    return make_engagement(session)
