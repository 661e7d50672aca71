"""Counts that add up: each number defined once (an indicator's evidence ids) and derived everywhere else,
checked against values computed by hand, for a hand-made proposal, an LLM reply and an offline proposal."""

from __future__ import annotations

import re

from assistant.rating.counts import explain_confidence, finish_counts, tally
from assistant.rating.propose import to_proposal
from assistant.rating.schema import Citation, EvidenceItem, IndicatorResult, LLMRating, Proposal, Side, Split
from tests.rating.conftest import items

# Six segments from four people in three departments; ana has two segments, cy two.
EVIDENCE = [
    EvidenceItem(id="E-1", participant="ana", department="Finance", role_level="frontline", text="a" * 20),
    EvidenceItem(id="E-2", participant="ana", department="Finance", role_level="frontline", text="b" * 20),
    EvidenceItem(id="E-3", participant="ben", department="Parks", role_level="manager", text="c" * 20),
    EvidenceItem(id="E-4", participant="cy", department="Parks", role_level="supervisor", text="d" * 20),
    EvidenceItem(id="E-5", participant="cy", department="Parks", role_level="supervisor", text="e" * 20),
    EvidenceItem(id="E-6", participant="dee", department="IT", role_level="executive", text="f" * 20),
]


def hand_made() -> list[IndicatorResult]:
    def ind(iid: str, level: int | None, ids: list[str], quoted: list[str]) -> IndicatorResult:
        return IndicatorResult(
            indicator_id=iid,
            judgment="met" if level else "no_evidence",
            evidence_level=level,
            segment_ids=ids,
            citations=[Citation(segment_id=i, quote="x" * 12) for i in quoted],
        )

    return [
        ind("gov_policies", 3, ["E-1", "E-2", "E-3"], ["E-1"]),  # ana (2 segments), ben: 2 people, 3 segments
        ind("gov_body", 3, ["E-4", "E-5"], ["E-4"]),  # cy: 1 person, 2 segments
        ind("gov_stewards", 2, ["E-2", "E-4"], ["E-2"]),  # ana, cy: 2 people, 2 segments
        ind("gov_quality", None, [], []),
        ind("gov_access", None, [], []),
    ]


def test_counts_of_a_hand_made_proposal_match_the_hand_computed_values():
    indicators = hand_made()
    mix = finish_counts(indicators, EVIDENCE)
    assert [(i.participants, i.segments) for i in indicators] == [(2, 3), (1, 2), (2, 2), (0, 0), (0, 0)]
    # headline: the union E-1..E-5 is ana, ben, cy (dee's E-6 is not evidence of any indicator)
    assert mix.participants == 3 and mix.quoted == 2  # E-1/E-2 are ana's, E-4 is cy's
    assert mix.departments == {"Finance": 1, "Parks": 2} and mix.role_levels == {
        "frontline": 1,
        "manager": 1,
        "supervisor": 1,
    }
    assert sum(mix.departments.values()) == sum(mix.role_levels.values()) == mix.participants
    assert all(i.participants <= mix.participants for i in indicators)
    assert (mix.input_participants, mix.input_segments) == (4, 6)
    proposal = Proposal(
        component="governance_structures", status="proposed", level=3, indicators=indicators, voice_mix=mix
    )
    assert explain_confidence(proposal) == "3 of 5 indicators, 3 people, 2 departments, frontline and leadership agree"


def test_a_split_and_a_one_sided_voice_mix_are_said_in_words():
    indicators = hand_made()
    indicators[0].split = Split(
        kind="role",
        followed=2,
        why="",
        sides=[
            Side(label="frontline staff and supervisors", level=2, participants=1),
            Side(label="managers and executives", level=4, participants=1),
        ],
    )
    mix = finish_counts(indicators, EVIDENCE)
    proposal = Proposal(
        component="governance_structures", status="proposed", level=3, indicators=indicators, voice_mix=mix
    )
    assert explain_confidence(proposal).endswith("frontline and leadership disagree on 1 indicator")
    frontline_only = [i for i in EVIDENCE if i.role_level in ("frontline", "supervisor")]
    only = finish_counts(hand_made(), frontline_only)
    assert explain_confidence(
        Proposal(component="governance_structures", status="proposed", level=2, indicators=hand_made(), voice_mix=only)
    ).endswith("frontline and supervisor voices only")


def test_tally_counts_people_once_and_ignores_unknown_ids():
    counted = tally(EVIDENCE, ["E-4", "E-5", "E-5", "nope"])
    assert (counted.participants, counted.segments, counted.departments) == (1, 2, {"Parks": 1})


def test_an_llm_reply_gets_its_counts_from_its_citations_not_from_the_model():
    reply = LLMRating.model_validate(
        {
            "indicators": [
                {
                    "indicator_id": "gov_policies",
                    "evidence_level": 3,
                    "judgment": "met",
                    "citations": [{"segment_id": "E-1", "quote": "a" * 12}, {"segment_id": "E-3", "quote": "c" * 12}],
                },
                {
                    "indicator_id": "gov_body",
                    "evidence_level": 3,
                    "judgment": "met",
                    "citations": [{"segment_id": "E-4", "quote": "d" * 12}, {"segment_id": "E-5", "quote": "e" * 12}],
                },
                {"indicator_id": "gov_stewards", "evidence_level": None, "judgment": "no_evidence", "citations": []},
                {"indicator_id": "gov_quality", "evidence_level": None, "judgment": "no_evidence", "citations": []},
                {"indicator_id": "gov_access", "evidence_level": None, "judgment": "no_evidence", "citations": []},
            ],
            "level": 3,
            "rationale": "[E-1] [E-4]",
            "confidence": 0.9,
        }
    )
    proposal = to_proposal(reply, "governance_structures", EVIDENCE, "model", "v1", [])
    assert [(i.participants, i.segments) for i in proposal.indicators[:2]] == [(2, 2), (1, 2)]
    assert proposal.voice_mix.participants == 3 and proposal.voice_mix.quoted == 3
    assert proposal.voice_mix.departments == {"Finance": 1, "Parks": 2}


def test_an_offline_proposal_says_the_same_numbers_in_its_headline_indicators_and_voice_mix(rater, rubric):
    evidence = items(
        [
            (
                "ana",
                "frontline",
                "Policy compliance is measured and we get a yearly compliance report; breaches are followed up.",
            ),
            (
                "ben",
                "executive",
                "The governance committee keeps a decision log and reviews quality and risk measures.",
            ),
            ("cy", "manager", "Our stewards have protected time each week and their quality work is measured."),
            (
                "dee",
                "frontline",
                "We run a quality audit every quarter, time to fix is tracked, errors traced to the root cause.",
            ),
            (
                "cy",
                "manager",
                "Access to sensitive records is reviewed every six months and each release gets a privacy review.",
            ),
            ("eve", "supervisor", "Quality problems are logged and the time to fix them is reported to the committee."),
        ]
    )
    proposal = rater.rate("governance_structures", evidence, k=5)
    assert proposal.status == "proposed"
    mix = proposal.voice_mix
    by_id = {i.id: i for i in evidence}
    union = {by_id[s].participant for ind in proposal.indicators for s in ind.segment_ids}
    assert mix.participants == len(union) == sum(mix.departments.values()) == sum(mix.role_levels.values())
    for ind in proposal.indicators:
        assert ind.participants == len({by_id[s].participant for s in ind.segment_ids}) <= mix.participants
        assert ind.segments == len(ind.segment_ids)
        assert {c.segment_id for c in ind.citations} <= set(ind.segment_ids)  # a quote is part of the evidence
    headline = re.search(r"(\d+) of (\d+) indicators have evidence, from (\d+) (?:people|person)", proposal.rationale)
    rated = [i for i in proposal.indicators if i.evidence_level is not None]
    assert headline and [int(g) for g in headline.groups()] == [len(rated), 5, mix.participants]
    comp = rubric.component("governance_structures")
    for ind in rated:
        name = re.escape(comp.indicator(ind.indicator_id).name)
        said = re.search(
            rf"{name}: evidence at level {ind.evidence_level} from (\d+) (?:people|person)", proposal.rationale
        )
        assert said and int(said.group(1)) == ind.participants
    assert explain_confidence(proposal).startswith(f"{len(rated)} of 5 indicators, {mix.participants} people")
