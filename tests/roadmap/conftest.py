"""Builders for roadmap tests: an engagement whose components have decided levels (through the real
review code), staff segments, and a consultant."""

from __future__ import annotations

import pytest

from assistant.embeddings import text_hash
from assistant.models import Participant, RatingProposal, Segment
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


def add_segments(
    session,
    engagement,
    rows: list[tuple[str, str, str]],
    people: dict | None = None,
    quote_consent: bool = True,
    department: str = "Finance",
) -> dict:
    """Active segments from (person, component, text) rows, one participant per person; returns them."""
    people = {} if people is None else people
    for name, component, text in rows:
        if name not in people:
            p = Participant(
                engagement_id=engagement.id, department=department, role_level="frontline", quote_consent=quote_consent
            )
            session.add(p)
            session.flush()
            people[name] = p
        session.add(
            Segment(
                engagement_id=engagement.id,
                participant_id=people[name].id,
                text=text,
                text_hash=text_hash(text),
                component=component,
                original_component=component,
                start=0,
                end=len(text),
            )
        )
    session.commit()
    return people


@pytest.fixture
def consultant(session):
    return make_consultant(session)


@pytest.fixture
def engagement(session):
    return make_engagement(session)
