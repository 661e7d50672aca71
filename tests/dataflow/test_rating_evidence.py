"""The data-flow map's bottlenecks as rating evidence: the Data Life Cycle proposal cites a re-typed
hand-off several people describe like a segment, a hand-off fewer than k people describe is only ever
pooled, and a proposal citing a bottleneck that does not exist is refused."""

from __future__ import annotations

from assistant.llm.prompts import load_prompt
from assistant.rating.offline import OfflineRater
from assistant.rating.propose import LLMRater
from assistant.rating.run import load_evidence
from assistant.rating.schema import Citation
from assistant.rating.validate import validate_proposal
from assistant.records.handoffs import POOLED_BOTTLENECKS
from tests.factories import add_flow, make_engagement, make_person, seed_segments

DLC = [
    ("ana", "frontline", "We re-type every permit from Accela into the finance spreadsheet by hand."),
    ("ben", "frontline", "I copy and paste the permit fees into Munis every week, then email it around."),
    ("cy", "supervisor", "Our department has a list of our systems, but the list is out of date."),
    ("dee", "manager", "Everyone does it differently, and we have different names for the same thing."),
    ("eve", "frontline", "We share when asked, and some of it is on the website."),
    ("fay", "frontline", "Most of our data is still on paper forms that we enter twice."),
]


def _seeded(session):
    """Six people's Data Life Cycle answers; five people (Permits and Finance) describe re-typing permits
    from Accela for Finance, one person a paper hand-off nobody else describes."""
    e = make_engagement(session)
    seed_segments(session, e, "data_life_cycle", DLC)
    for department in ("Permits", "Permits", "Permits", "Finance", "Finance"):
        person = make_person(session, e, department)
        add_flow(session, e, person, "Accela", target="Finance", method="retyped", frequency="weekly", minutes=30)
    add_flow(session, e, make_person(session, e, "Parks"), "ParkRes", source="the public", method="paper")
    return e


def test_the_offline_data_life_cycle_proposal_cites_a_bottleneck_described_by_k_people(session, rubric, embedder):
    e = _seeded(session)
    items = load_evidence(session, e.id)["data_life_cycle"]
    flows = [i for i in items if i.kind == "bottleneck"]
    # 5 people x 50 runs a year x 30 minutes = 125 hours
    assert [i.text for i in flows][0] == (
        "Re-typed hand-off Accela -> Finance, described by 5 people in 2 departments, ~125 hours a year"
    )
    pooled = next(i for i in flows if i.id == POOLED_BOTTLENECKS)
    assert "ParkRes" not in pooled.text and "fewer than 5" in pooled.text  # one person's hand-off, never alone
    assert all("ParkRes" not in i.text for i in flows)
    retyped = flows[0].id
    assert retyped.startswith("B-") and load_evidence(session, e.id)["data_life_cycle"][len(DLC)].id == retyped

    proposal = OfflineRater(rubric, embedder).rate("data_life_cycle", items, k=5)
    assert proposal.status == "proposed", proposal.rationale
    flow_ind = next(i for i in proposal.indicators if i.indicator_id == "dlc_flow")
    assert retyped in {c.segment_id for c in flow_ind.citations}
    assert retyped in {c.segment_id for c in proposal.citations} and f"[{retyped}]" in proposal.rationale
    # the bottleneck counts nobody: the people behind the proposal are the six who answered at most
    assert proposal.voice_mix.participants <= len(DLC) and proposal.voice_mix.input_participants == len(DLC)
    assert validate_proposal(proposal, rubric, items) == []


def test_a_proposal_citing_a_bottleneck_that_does_not_exist_is_refused(session, rubric, embedder):
    e = _seeded(session)
    items = load_evidence(session, e.id)["data_life_cycle"]
    proposal = OfflineRater(rubric, embedder).rate("data_life_cycle", items, k=5)
    invented = "Re-typed hand-off Accela -> Finance, described by 9 people in 3 departments, ~900 hours a year"
    flow_ind = next(i for i in proposal.indicators if i.indicator_id == "dlc_flow")
    flow_ind.citations.append(Citation(segment_id="B-000000", quote=invented))
    errors = validate_proposal(proposal, rubric, items)
    assert any("bottleneck 'B-000000' does not exist" in err for err in errors), errors
    # a real bottleneck cited under an indicator it does not speak to is refused too
    flow_ind.citations.pop()
    real = next(i for i in items if i.kind == "bottleneck")
    other = next(i for i in proposal.indicators if i.indicator_id == "dlc_inventory")
    other.citations.append(Citation(segment_id=real.id, quote=real.text))
    assert any("speaks only to how data moves" in err for err in validate_proposal(proposal, rubric, items))


def test_the_llm_engine_is_shown_the_bottlenecks_as_data(session, rubric):
    e = _seeded(session)
    items = load_evidence(session, e.id)["data_life_cycle"]
    variables = LLMRater(None, rubric).variables("data_life_cycle", items)
    assert [b["id"] for b in variables["bottlenecks"]] == [i.id for i in items if i.kind == "bottleneck"]
    assert variables["bottleneck_indicators"] == ["dlc_flow"] and variables["participants"] == len(DLC)
    sent = "\n".join(m["content"] for m in load_prompt("rate_component").render(variables))
    retyped = next(i for i in items if i.kind == "bottleneck")
    assert f"Bottleneck {retyped.id}:\n<bottleneck>\n{retyped.text}\n</bottleneck>" in sent


def test_the_review_page_and_the_report_appendix_show_the_cited_bottleneck(engine, session, settings, rubric, embedder):

    from assistant.models import RatingProposal
    from assistant.rating.run import propose_for_engagement
    from assistant.records.review import decide
    from assistant.report.build import build_report
    from assistant.web.app import create_app
    from tests.factories import logged_in_client, make_consultant

    e = _seeded(session)
    rows = propose_for_engagement(engine, e.id, OfflineRater(rubric, embedder), components=["data_life_cycle"])
    proposal = session.get(RatingProposal, rows[0].id)
    ref = next(c["segment_id"] for c in proposal.citations if c["segment_id"].startswith("B-"))
    words = next(c["quote"] for c in proposal.citations if c["segment_id"] == ref)
    user = make_consultant(session)
    decide(session, rubric, proposal.id, user, "accept")
    session.commit()

    app = create_app(settings)
    try:
        page = logged_in_client(app).get(f"/engagements/{e.id}/review/data_life_cycle").text
    finally:
        app.state.jobs.shutdown()
    assert f'id="cite-{ref}"' in page and "a bottleneck on the data-flow map" in page
    assert "Re-typed hand-off Accela -&gt; Finance" in page

    report = build_report(session, e, rubric, embedder=embedder)
    row = next(entry for entry in report.evidence if entry.ref == ref)
    assert row.text == f"data-flow map: {words}" and row.indicator == "How data moves"
    section = next(c for c in report.components if c.id == "data_life_cycle")
    assert f"[{ref}]" in section.rationale
