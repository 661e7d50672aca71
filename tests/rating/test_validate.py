"""Validation of a proposal against its evidence: the checks that stop an invented rating."""

from __future__ import annotations

import pytest

from assistant.rating.schema import Citation, IndicatorResult, Proposal
from assistant.rating.validate import validate_proposal
from tests.rating.conftest import items

EVIDENCE = items(
    [
        ("ana", "frontline", "We have a written data policy on retention and privacy, and it's on the intranet."),
        (
            "ben",
            "manager",
            "The governance committee has a charter and meets every month with a clear escalation route.",
        ),
        ("cy", "frontline", "Each main dataset has a named steward whose duties are written down."),
        ("ana", "frontline", "Nobody audits quality, we just log issues in the tracker."),
    ]
)


def good() -> Proposal:
    """A hand-built proposal that follows the rule: levels 3, 3, 3, 2 -> component level 3."""

    def ind(iid, lvl, judgment, sid, quote):
        return IndicatorResult(
            indicator_id=iid,
            judgment=judgment,
            evidence_level=lvl,
            segment_ids=[sid],
            citations=[Citation(segment_id=sid, quote=quote)],
        )

    return Proposal(
        component="governance_structures",
        status="proposed",
        level=3,
        indicators=[
            ind("gov_policies", 3, "met", "E-1", "written data policy on retention and privacy"),
            ind("gov_body", 3, "met", "E-2", "The governance committee has a charter"),
            ind("gov_stewards", 3, "met", "E-3", "Each main dataset has a named steward"),
            ind("gov_quality", 2, "partly", "E-4", "we just log issues in the tracker"),
            IndicatorResult(indicator_id="gov_access", judgment="no_evidence"),
        ],
        rationale="Policies [E-1], a chartered committee [E-2] and stewards [E-3]; quality is informal [E-4].",
    )


def test_a_faithful_proposal_passes(rubric):
    assert validate_proposal(good(), rubric, EVIDENCE) == []


def test_a_segment_id_that_does_not_exist_is_rejected(rubric):
    p = good()
    p.indicators[0].citations[0].segment_id = "E-99"
    errors = validate_proposal(p, rubric, EVIDENCE)
    assert any("E-99" in e and "does not exist" in e for e in errors)


def test_a_paraphrased_quote_is_rejected(rubric):
    p = good()
    p.indicators[1].citations[0].quote = "The governance board has a charter"  # close, but not what was said
    errors = validate_proposal(p, rubric, EVIDENCE)
    assert any("not a verbatim part of segment E-2" in e for e in errors)


@pytest.mark.parametrize("level", [0, 6, 7])
def test_a_level_outside_the_rubric_is_rejected(rubric, level):
    p = good()
    p.level = level
    errors = validate_proposal(p, rubric, EVIDENCE)
    assert any(f"level {level} is not a rubric level" in e for e in errors)


def test_a_level_that_disagrees_with_the_rule_is_rejected(rubric):
    p = good()
    p.level = 4  # the indicators (3, 3, 3, 2) give 3 under the rule (only one of four reaches 4)
    errors = validate_proposal(p, rubric, EVIDENCE)
    assert any("disagrees with the rubric rule" in e and "gives 3" in e for e in errors)


def test_judgments_must_follow_the_level(rubric):
    p = good()
    p.indicators[3].judgment = "met"  # evidence level 2 against level 3 is "partly"
    assert any("should be 'partly'" in e for e in validate_proposal(p, rubric, EVIDENCE))


def test_unknown_and_missing_indicators_are_rejected(rubric):
    p = good()
    p.indicators[4].indicator_id = "gov_budget"
    errors = validate_proposal(p, rubric, EVIDENCE)
    assert any("'gov_budget' is not in component" in e for e in errors)
    assert any("gov_access" in e and "missing" in e for e in errors)


def test_a_level_needs_enough_distinct_participants(rubric):
    p = good()
    for ind in p.indicators[1:4]:  # every citation from ana only
        ind.citations = [Citation(segment_id="E-1", quote="written data policy on retention and privacy")]
        ind.segment_ids = ["E-1"]
    errors = validate_proposal(p, rubric, EVIDENCE)
    assert any("1 participant(s)" in e and "at least 2" in e for e in errors)


def test_the_rationale_may_cite_only_real_segments(rubric):
    p = good()
    p.rationale += " Also [E-42]."
    assert any("[E-42]" in e for e in validate_proposal(p, rubric, EVIDENCE))


def test_no_level_with_thin_indicators_is_valid_as_insufficient(rubric):
    p = Proposal(
        component="governance_structures",
        status="insufficient_evidence",
        level=None,
        indicators=[
            IndicatorResult(indicator_id=i.id, judgment="no_evidence")
            for i in rubric.component("governance_structures").indicators
        ],
    )
    assert validate_proposal(p, rubric, EVIDENCE) == []
    p.status = "proposed"
    assert any("needs a level" in e for e in validate_proposal(p, rubric, EVIDENCE))


def test_declining_a_level_that_rests_on_too_few_people_is_valid(rubric):
    # the rule gives a level from the indicators, but one person is behind all of them: the engine
    # declines ("insufficient evidence", the rubric minimum is two people), and that is not a disagreement
    p = good()
    for ind in p.indicators[:4]:
        ind.citations = [Citation(segment_id="E-1", quote="written data policy on retention and privacy")]
        ind.segment_ids = ["E-1"]
        ind.judgment = "no_evidence"
    p.status, p.level = "insufficient_evidence", None
    p.rationale = "insufficient evidence: the matched evidence comes from 1 participant(s) [E-1]."
    assert not [e for e in validate_proposal(p, rubric, EVIDENCE) if "disagrees with the rubric rule" in e]
    assert not [e for e in validate_proposal(p, rubric, EVIDENCE) if "judgment" in e]
    p.indicators[1].segment_ids = ["E-2"]  # two people behind the evidence: the rule's level is owed
    assert any("disagrees with the rubric rule" in e for e in validate_proposal(p, rubric, EVIDENCE))


def test_a_cited_bottleneck_is_no_second_person_behind_the_evidence(rubric):
    """A data-flow bottleneck is cited like a segment but counts no person: one person plus the map is
    still one person, so declining stays valid (the map was counted as a participant)."""
    from assistant.rating.schema import EvidenceItem

    bottleneck = EvidenceItem(
        id="B-1", participant="data-flow map", text="Permits re-typed from Accela into Munis", kind="bottleneck"
    )
    p = good()
    for ind in p.indicators[:4]:
        ind.citations = [Citation(segment_id="E-1", quote="written data policy on retention and privacy")]
        ind.segment_ids = ["E-1"]
        ind.judgment = "no_evidence"
    p.indicators[1].segment_ids = ["E-1", "B-1"]
    p.status, p.level = "insufficient_evidence", None
    p.rationale = "insufficient evidence: the matched evidence comes from 1 participant(s) [E-1]."
    errors = validate_proposal(p, rubric, [*EVIDENCE, bottleneck])
    assert not [e for e in errors if "disagrees with the rubric rule" in e], errors
