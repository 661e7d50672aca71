"""The review page under the engagement's small-group threshold k, not a constant: a lead who set
k to 7 sees groups of 5 and 6 people never named (pooled, and no disagreement attributed to them)
where k = 5 shows them (HTTP, real database)."""

from __future__ import annotations

import re

from assistant.rating.run import store_proposal
from assistant.rating.schema import IndicatorResult, Proposal, Side, Split, VoiceMix
from tests.factories import make_engagement, seed_groups, set_min_cell

COMPONENT = "governance_structures"


def _side(label: str, level: int, people: int) -> Side:
    return Side(label=label, level=level, participants=people, segment_ids=[f"E-{900 + people}"])


def _proposal() -> Proposal:
    """A proposal as the offline rater stored it at k = 5: departments of 5 and 6 people in the voice
    mix, frontline (6) and leadership (5) two levels apart on one indicator, Parks (6) and Finance (6)
    on another."""
    front, lead = _side("frontline staff and supervisors", 1, 6), _side("managers", 3, 5)
    role = Split(kind="role", sides=[front, lead], followed=1, why="The two sides are 2 levels apart.")
    dept = Split(kind="department", sides=[_side("Parks", 1, 6), _side("Finance", 4, 6)], followed=2, why="Apart.")
    return Proposal(
        component=COMPONENT,
        status="proposed",
        level=2,
        indicators=[
            IndicatorResult(indicator_id="gov_stewards", judgment="met", evidence_level=1, split=role),
            IndicatorResult(indicator_id="gov_quality", judgment="met", evidence_level=2, split=dept),
        ],
        rationale="Rated offline.",
        confidence=0.6,
        voice_mix=VoiceMix(
            participants=11,
            departments={"Finance": 5, "Parks": 6},
            role_levels={"frontline": 6, "manager": 5},
            input_participants=11,
        ),
    )


def _page(client, session, engagement) -> str:
    return client.get(f"/engagements/{engagement.id}/review/{COMPONENT}").text


def test_review_page_hides_groups_of_5_and_6_when_the_lead_set_k_to_7(consultant_client, session):
    engagement = make_engagement(session)
    seed_groups(session, engagement, {"Finance": 5}, role_level="manager")  # the people the mix counts
    seed_groups(session, engagement, {"Parks": 6}, role_level="frontline")
    store_proposal(session, engagement.id, _proposal(), None)
    session.commit()

    page = _page(consultant_client, session, engagement)  # k = 5, the default: both groups shown
    assert "Departments: Finance 5, Parks 6" in page and "Role levels: frontline 6, manager 5" in page
    assert re.findall(r'class="small side-count">(\d+ people)', page) == [
        "6 people",
        "5 people",
        "6 people",
        "6 people",
    ]
    assert "Parks: level 1" in page

    set_min_cell(session, engagement, 7)
    page = _page(consultant_client, session, engagement)
    # groups of 5 and 6 are under 7: never named, pooled (11 people together)
    assert "Departments: other departments 11" in page and "Finance" not in page.split("Departments:")[1][:80]
    assert "Role levels: other role levels 11" in page
    # no disagreement is attributed to a side of fewer than 7: neither split is broken out
    assert re.findall(r'class="small side-count">', page) == []
    assert "Parks: level 1" not in page and "Finance: level 4" not in page
    assert not re.search(r"\b[56] people\b", page)
