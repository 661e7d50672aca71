"""The rating run hands the engagement's small-group threshold to the engine: a lead who set k to 7
gets ratings that break out no department under 7 people (the rule itself: test_aggregate_rule.py)."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.rating.run import propose_for_engagement
from assistant.rating.schema import EvidenceItem, Proposal
from tests.factories import make_engagement, set_min_cell


class Recording:
    """An engine that says every component lacks evidence, and remembers the k it was handed."""

    def __init__(self) -> None:
        self.k: list[int] = []

    def rate(self, component_id: str, items: Sequence[EvidenceItem], *, k: int) -> Proposal:
        self.k.append(k)
        return Proposal(component=component_id, status="insufficient_evidence", engine="recording")


def test_the_rating_run_rates_with_the_threshold_the_lead_set(engine, session):
    engagement = make_engagement(session)
    default = Recording()
    propose_for_engagement(engine, engagement.id, default, components=["data_life_cycle"])
    set_min_cell(session, engagement, 7)
    seven = Recording()
    propose_for_engagement(engine, engagement.id, seven, components=["data_life_cycle", "equity_lens"])
    assert default.k == [5] and seven.k == [7, 7]
