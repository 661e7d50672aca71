"""Quotes cited under an indicator only when they speak to it, each once per proposal unless it is the
strongest evidence of two indicators; the validator holds the LLM to the same."""

from __future__ import annotations

from assistant.rating.aggregate import Vote, indicator_level, pick_citations
from assistant.rating.schema import Citation, EvidenceItem, IndicatorResult, Proposal
from assistant.rating.validate import validate_proposal
from tests.rating.conftest import items


def vote(pid: str, sentence: str, level: int, signal: bool = False, sim: float = 0.5, sid: str | None = None) -> Vote:
    item = EvidenceItem(id=sid or f"E-{pid}", participant=pid, role_level="frontline", text=sentence)
    return Vote(item, sentence, level, signal, sim)


def test_a_quote_is_cited_once_unless_it_is_the_strongest_evidence_of_two_indicators():
    shared = vote("ana", "The stewards run the weekly quality audit.", 4, signal=True, sim=0.8)
    second = vote("ben", "Audits are timed and reported every quarter.", 4, sim=0.6)
    body_only = vote("cy", "The committee reviews the audit figures.", 4, sim=0.7)
    found = {
        # ana's sentence is the strongest evidence of both indicators: cited under both
        "gov_stewards": indicator_level([shared, second], k=5),
        "gov_quality": indicator_level([shared, vote("dee", "Quality rules are written.", 4, sim=0.4)], k=5),
        # ben's sentence is strongest for nothing here and already cited under stewards: not again
        "gov_body": indicator_level([body_only, second], k=5),
    }
    quotes = pick_citations(found)
    assert [c.quote for c in quotes["gov_stewards"]] == [shared.sentence, second.sentence]
    assert quotes["gov_quality"][0].quote == shared.sentence
    assert [c.quote for c in quotes["gov_body"]] == [body_only.sentence]
    everywhere = [c.quote for cs in quotes.values() for c in cs]
    assert everywhere.count(second.sentence) == 1 and everywhere.count(shared.sentence) == 2


def test_offline_cites_each_sentence_under_the_indicator_it_speaks_to(rater):
    # Each sentence written about one indicator (the hand label); two people per indicator.
    labelled = [
        ("ana", "frontline", "We keep one list of every dataset in the city, with an owner for each.", "dlc_inventory"),
        ("ben", "manager", "There is a catalogue of all our datasets and who looks after them.", "dlc_inventory"),
        (
            "cy",
            "frontline",
            "Every department writes addresses and dates to the same written standard.",
            "dlc_standards",
        ),
        ("dee", "supervisor", "We all follow the city glossary and the address standard.", "dlc_standards"),
        ("eve", "frontline", "I still re-type the work orders from paper into the billing system.", "dlc_flow"),
        ("fay", "frontline", "Records are copied by hand between the two systems every day.", "dlc_flow"),
        (
            "gus",
            "manager",
            "Managers look at the performance dashboard before deciding where the budget goes.",
            "dlc_use",
        ),
        ("hal", "executive", "The dashboard numbers decided where we sent the crews last winter.", "dlc_use"),
    ]
    evidence = items([(p, r, t) for p, r, t, _ in labelled])
    label = {i.id: lab for i, (_, _, _, lab) in zip(evidence, labelled, strict=False)}
    proposal = rater.rate("data_life_cycle", evidence, k=5)
    assert proposal.status == "proposed", proposal.rationale
    cited = [(ind.indicator_id, c) for ind in proposal.indicators for c in ind.citations]
    assert cited
    for indicator, citation in cited:
        assert label[citation.segment_id] == indicator, (indicator, citation.quote)
    assert {i.indicator_id for i in proposal.indicators if i.citations} == set(label.values())


def test_the_validator_refuses_a_quote_cited_under_three_indicators(rubric):
    evidence = items(
        [
            ("ana", "frontline", "We have a written data policy on retention and privacy."),
            ("ben", "manager", "The governance committee has a charter and meets every month."),
        ]
    )
    quote = Citation(segment_id="E-1", quote="We have a written data policy")
    other = Citation(segment_id="E-2", quote="The governance committee has a charter")
    ids = ["gov_policies", "gov_body", "gov_stewards", "gov_quality", "gov_access"]
    indicators = [
        IndicatorResult(
            indicator_id=i,
            judgment="met",
            evidence_level=3,
            segment_ids=["E-1", "E-2"],
            citations=[quote, other] if n == 0 else [quote],
        )
        for n, i in enumerate(ids[:3])
    ]
    indicators += [IndicatorResult(indicator_id=i, judgment="no_evidence") for i in ids[3:]]
    proposal = Proposal(
        component="governance_structures",
        status="proposed",
        level=3,
        indicators=indicators,
        rationale="Policy [E-1] and committee [E-2].",
    )
    errors = validate_proposal(proposal, rubric, evidence)
    assert any("cited under 3 indicators" in e for e in errors), errors
    two = proposal.model_copy(
        update={
            "indicators": [
                indicators[0],
                indicators[1].model_copy(update={"citations": [quote]}),
                indicators[2].model_copy(update={"citations": [other]}),
                *indicators[3:],
            ]
        }
    )
    assert validate_proposal(two, rubric, evidence) == []
