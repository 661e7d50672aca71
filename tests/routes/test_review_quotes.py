"""The review page cites each quote once (issue 28): two people's near-identical words (``assistant.sameness``,
the vectors synthesis stored with the real model) are one quote, said by 2 people, cited for every
indicator either was cited for."""

from __future__ import annotations

import pytest

from assistant.embeddings import embed_cached, text_hash
from assistant.models import Participant, RatingProposal, Segment
from assistant.rubric import get_rubric
from tests.factories import make_engagement

pytestmark = pytest.mark.db

SAID = "There is no data dictionary, so everyone defines the fields their own way."
REWORDED = "There's no data dictionary, so everybody defines the fields their own way."  # cosine 0.997
OTHER = "It takes about six months to get a new report from the vendor."


def test_near_identical_citations_are_one_quote_said_by_two_people(consultant_client, session, embedder):
    engagement = make_engagement(session)
    refs = []
    for dept, text in (("Finance", SAID), ("Parks", REWORDED), ("Parks", OTHER)):
        person = Participant(engagement_id=engagement.id, department=dept, role_level=engagement.role_levels[0])
        session.add(person)
        session.flush()
        seg = Segment(
            engagement_id=engagement.id,
            participant_id=person.id,
            text=text,
            text_hash=text_hash(text),
            component="data_life_cycle",
            original_component="data_life_cycle",
        )
        session.add(seg)
        session.flush()
        refs.append(f"E-{seg.id}")
    embed_cached(session, embedder, [SAID, REWORDED, OTHER])  # as synthesis stores them
    first, second = get_rubric().component("data_life_cycle").indicators[:2]
    cites = [{"segment_id": r, "quote": t} for r, t in zip(refs, (SAID, REWORDED, OTHER), strict=True)]
    session.add(
        RatingProposal(
            engagement_id=engagement.id,
            component="data_life_cycle",
            status="proposed",
            level=2,
            rationale="Fields are defined differently everywhere.",
            indicators=[
                {"indicator_id": first.id, "judgment": "met", "evidence_level": 2, "citations": cites[:1]},
                {"indicator_id": second.id, "judgment": "met", "evidence_level": 2, "citations": cites[1:]},
            ],
            citations=cites,
        )
    )
    session.commit()
    page = consultant_client.get(f"/engagements/{engagement.id}/review/data_life_cycle").text
    cited = page[page.index('id="quotes"') : page.index('id="voice-mix"')]
    assert cited.count("no data dictionary") == 1 and "so everybody defines" not in cited
    assert "said by 2 people" in cited and cited.count("six months") == 1
    entry = cited[cited.index("no data dictionary") : cited.index("six months")]
    assert first.name in entry and second.name in entry  # cited for both indicators
