"""Issue 17's changes to how a level is read, each shown to fail under the rule it replaced.

1. A sentence without a signal takes the level of the closest level text; a similarity-weighted mean
   of the levels regressed to the middle of the scale (level-5 accounts read 4, level-1 read 2).
2. The rubric's rule is "at least half the indicators with evidence, and at least two, reach the
   level" (``level_share`` 0.5, ``min_indicators_at_level`` 2, rubric 2026.2); at 0.6 it took the
   second lowest of four indicators, so the same practice was rated lower when people spoke to four
   indicators than to three or five. Both engines apply it: the offline engine through
   ``RatingRule.level_for``, the LLM's reply through validation.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.rating.offline import similarity_level
from assistant.rating.schema import Citation, IndicatorResult, Proposal
from assistant.rating.validate import validate_proposal
from tests.rating.conftest import items


def test_the_closest_level_text_decides_not_a_weighted_mean_of_levels():
    # level 5 closest, level 4 and 3 close behind: the weighted mean of levels (scale 25) gave 4.34 -> 4
    assert similarity_level(np.array([0.2, 0.2, 0.5, 0.54, 0.55])) == 5
    # the mirror image at the bottom of the scale: the mean gave 1.66 -> 2
    assert similarity_level(np.array([0.55, 0.54, 0.5, 0.2, 0.2])) == 1
    assert similarity_level(np.array([0.1, 0.3, 0.6, 0.3, 0.1])) == 3


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([5, 5, 4, 4], 5),  # half reach 5 (0.6 gave 4)
        ([4, 2], 2),  # two indicators: both must reach a level, one never sets it alone
        ([5, 4, 2], 4),  # three: the middle one, as before
        ([4, 4, 3, 2], 4),  # four indicators: the middle pair decides, not the second lowest (0.6 gave 3)
        ([3, 3, 4, 2, None], 3),  # the README's example is unchanged
        ([5, 5, 5, 2, 2], 5),  # odd counts: the middle indicator, as before
        ([5, 2, 2], 2),
        ([3, None, None, None], None),  # fewer than two indicators with evidence: no level
    ],
)
def test_the_rubric_rule_gives_the_level_at_least_half_the_indicators_reach(rubric, levels, expected):
    assert (rubric.rule.level_share, rubric.rule.min_indicators_at_level) == (0.5, 2)
    assert rubric.rule.level_for(levels) == expected


def test_the_rule_does_not_depend_on_how_many_indicators_were_talked_about(rubric):
    """The same split of accounts (half at 5, half at 4) gives the same level with four or six indicators
    with evidence, and so does the mirror split at the bottom of the scale."""
    for n in (2, 3):
        assert rubric.rule.level_for([5] * n + [4] * n) == 5
        assert rubric.rule.level_for([2] * n + [1] * n) == 2


def _proposal(level: int) -> Proposal:
    evidence = _EVIDENCE
    rows = [("gov_policies", 5), ("gov_body", 5), ("gov_stewards", 4), ("gov_quality", 4)]
    indicators = [
        IndicatorResult(
            indicator_id=iid,
            evidence_level=lvl,
            judgment="met" if lvl >= level else "partly",
            segment_ids=[item.id],
            citations=[Citation(segment_id=item.id, quote=item.text[:40])],
        )
        for (iid, lvl), item in zip(rows, evidence, strict=True)
    ]
    indicators.append(IndicatorResult(indicator_id="gov_access", judgment="no_evidence"))
    return Proposal(
        component="governance_structures",
        status="proposed",
        level=level,
        indicators=indicators,
        citations=[c for i in indicators for c in i.citations],
        rationale="Policies [E-1], body [E-2], stewards [E-3], quality [E-4].",
        engine="llm-test",
    )


_EVIDENCE = items(
    [
        ("ana", "manager", "Every year we revise the data policies from compliance figures and residents' comments."),
        ("ben", "executive", "Two residents sit on the governance committee and it changed its own rules last year."),
        ("cy", "supervisor", "Stewards get half a day a week for it and we report the issues they close."),
        ("dee", "frontline", "Quality is audited every quarter and the time to fix is measured."),
    ]
)


def test_one_indicator_never_sets_the_level_alone(rubric):
    """With a share of one half alone, two indicators at 5 and 2 would give 5 on the strength of one."""
    assert rubric.rule.level_for([5, 2, None, None, None]) == 2
    assert rubric.rule.level_for([5, 5, 2, None]) == 5


def test_an_llm_reply_is_held_to_the_same_rule(rubric):
    """Validation (the LLM path) applies the rubric's rule: indicators at 5, 5, 4, 4 give 5, so a reply
    that says 5 passes and one that leans to 4 is refused with the rule's figure."""
    assert validate_proposal(_proposal(5), rubric, _EVIDENCE) == []
    errors = validate_proposal(_proposal(4), rubric, _EVIDENCE)
    assert any("disagrees with the rubric rule" in e and "gives 5" in e for e in errors), errors
