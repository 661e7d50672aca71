"""A readiness quote speaks to its signal (issue 28): the cue word "budget" finds a sentence about the
chief data officer's decision rights for the funding signal; the embedding check leaves it out and
keeps one about where the money comes from. Real embedding model, the rubric's readiness signals."""

from __future__ import annotations

from assistant.report.relevance import related

ON_FUNDING = (
    "Partly from the IT budget, partly from grants. The open data portal was a grant, and when it ended we had "
    "to find money."
)
IN_PASSING = (
    "The chief data officer has a budget and decision rights over data standards, and reports progress to the "
    "city manager every quarter."
)


def test_a_quote_is_kept_only_when_it_speaks_to_its_signal_more_than_to_another(embedder, rubric):
    topics = {k.id: f"{k.name}: {k.question}" for k in rubric.readiness}
    rivals = [t for k, t in topics.items() if k != "funding"]
    assert related(embedder, topics["funding"], [ON_FUNDING, IN_PASSING], rivals=rivals) == [True, False]
    assert related(None, topics["funding"], [ON_FUNDING]) == [False]  # nothing to check with: no quote
