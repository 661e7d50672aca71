"""Generating, editing and re-generating a stored roadmap; readiness from evidence; all on the real database."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assistant.models import AuditEvent, RoadmapItem
from assistant.records.review import ReviewError
from assistant.roadmap import edits, readiness
from assistant.roadmap.generate import generate, items_of
from assistant.roadmap.targets import phases_for, save_plan, target_rows
from tests.factories import decide_levels, seed_segments

PHASES = phases_for(36)


def _by_key(session, engagement) -> dict[str, RoadmapItem]:
    return {r.key: r for r in items_of(session, engagement.id)}


def test_targets_default_to_one_step_up_and_awaiting_review_has_none(session, engagement, consultant, rubric):
    decide_levels(
        session, engagement, {"data_life_cycle": 2, "equity_lens": 5, "governance_structures": None}, consultant
    )
    rows = {r.component: r for r in target_rows(session, engagement, rubric)}
    assert (rows["data_life_cycle"].decided, rows["data_life_cycle"].target) == (2, 3)
    assert rows["equity_lens"].target == 5  # capped at the top level
    assert rows["governance_structures"].awaiting_review and rows["governance_structures"].target is None
    assert rows["leadership_alignment"].awaiting_review
    with pytest.raises(ReviewError, match="below its decided level"):
        save_plan(session, engagement, {"data_life_cycle": 1}, 36, consultant, rubric)
    with pytest.raises(ReviewError, match="awaiting review"):
        save_plan(session, engagement, {"governance_structures": 3}, 36, consultant, rubric)
    with pytest.raises(ReviewError, match="horizon"):
        save_plan(session, engagement, {}, 7, consultant, rubric)
    session.rollback()
    save_plan(session, engagement, {"data_life_cycle": 4}, 24, consultant, rubric)
    session.commit()
    assert engagement.settings["roadmap_horizon_months"] == 24
    assert [p.label for p in phases_for(24)][:3] == ["0-4 months", "4-12 months", "12-24 months"]
    assert [p.label for p in PHASES][:3] == ["0-6 months", "6-18 months", "18-36 months"]
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.engagement_id == engagement.id)).all()
    assert "targets.set" in actions and "roadmap.horizon" in actions


def test_generate_with_nothing_decided_says_so(session, engagement, consultant, rubric):
    result = generate(session, engagement, rubric, consultant)
    session.commit()
    assert result.plan.items == [] and items_of(session, engagement.id) == []
    assert "No component has a decided level" in engagement.settings["roadmap"]["notes"][0]
    generate(session, engagement, rubric, consultant)
    session.commit()
    # the log keeps what a generation found (its counts), not the whole stored roadmap before it
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "roadmap.generate")).all()
    assert len(events) == 2 and all(e.before == {} and "roadmap" not in e.after for e in events)


def test_readiness_from_levels_and_staff_words_then_confirmed(session, engagement, consultant, rubric):
    decide_levels(session, engagement, {"leadership_alignment": 4, "sustainability_focus": 1}, consultant)
    seed_segments(
        session,
        engagement,
        None,
        [
            (
                "ana",
                "frontline",
                "Honestly nobody has time for data cleanup, we are short-staffed all year.",
                "sustainability_focus",
            ),
            ("ben", "frontline", "We don't have time to document anything.", "sustainability_focus"),
            ("cy", "frontline", "The executive sponsor chairs the data board every month.", "leadership_alignment"),
            ("dee", "frontline", "There is no budget for a new system and the grant funding ended.", "data_life_cycle"),
            ("eve", "frontline", "Our budget line for data covers two analysts.", "data_life_cycle"),
        ],
        quote_consent=True,
    )
    rows = {s.kind: s for s in readiness.refresh(session, engagement, rubric)}
    session.commit()
    assert rows["staff_time"].derived == "low"  # level 1 and two people saying there is no time
    assert rows["staff_time"].evidence["people"] == {"for": 0, "against": 2}
    assert len(rows["staff_time"].evidence["segments"]["against"]) == 2
    assert rows["leadership_commitment"].derived in ("medium", "high")
    assert rows["funding"].evidence["people"] == {"for": 1, "against": 1}
    with pytest.raises(ReviewError, match="add a note"):
        readiness.confirm(session, engagement, "staff_time", "high", "", consultant, rubric)
    with pytest.raises(ReviewError, match="low, medium or high"):
        readiness.confirm(session, engagement, "staff_time", "very", "", consultant, rubric)
    session.rollback()
    readiness.confirm(
        session, engagement, "staff_time", "medium", "Council approved two new posts in May.", consultant, rubric
    )
    session.commit()
    again = {s.kind: s for s in readiness.refresh(session, engagement, rubric)}
    assert readiness.effective(again["staff_time"]) == "medium" and again["staff_time"].note.startswith("Council")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "readiness.adjust")).one()
    assert event.before["value"] is None and event.after["value"] == "medium"


def test_moves_that_break_a_dependency_are_refused_naming_it(session, engagement, consultant, rubric):
    decide_levels(session, engagement, {c.id: 1 for c in rubric.components}, consultant)
    save_plan(session, engagement, {"data_life_cycle": 3}, 36, consultant, rubric)
    generate(session, engagement, rubric, consultant)
    session.commit()
    items = _by_key(session, engagement)
    first, second = items["dlc_a12a"], items["dlc_a23a"]  # the inventory needs the first list
    assert "dlc_a12a" in second.depends_on and (first.phase, second.phase) == (0, 1)
    # the prerequisite cannot move after what needs it
    with pytest.raises(edits.RoadmapEditError) as err:
        edits.move(session, engagement, first, 2, consultant, PHASES)
    assert (
        "“Maintain an organisation-wide inventory and data standards” depends on “List your most-used datasets”"
        in str(err.value)
        and "6-18 months" in str(err.value)
    )
    # what needs it cannot move before it (across components: governance's owners come first)
    owners = items["gov_a12a"]
    assert owners.key in second.depends_on and owners.phase == 0
    edits.move(session, engagement, owners, 1, consultant, PHASES)  # same phase as its dependent: allowed
    with pytest.raises(edits.RoadmapEditError) as err:
        edits.move(session, engagement, second, 0, consultant, PHASES)
    assert f"depends on “{owners.title}”, planned for 6-18 months" in str(err.value)
    session.rollback()
    assert session.get(RoadmapItem, second.id).phase == 1
    publish = items["dlc_a23b"]  # needs the inventory: the inventory may move up to its phase
    moved = edits.move(session, engagement, second, publish.phase, consultant, PHASES)
    session.commit()
    assert moved.phase == publish.phase > 1 and moved.pinned
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "roadmap.move").order_by(AuditEvent.id.desc())
    ).first()
    assert (
        event.entity == "roadmap_item:dlc_a23a" and event.before["phase"] == 1 and event.after["phase"] == publish.phase
    )


def test_edits_survive_regeneration(session, engagement, consultant, rubric):
    decide_levels(session, engagement, {c.id: 2 for c in rubric.components}, consultant)
    save_plan(session, engagement, {"data_life_cycle": 3, "leadership_alignment": 3}, 36, consultant, rubric)
    generate(session, engagement, rubric, consultant)
    session.commit()
    items = _by_key(session, engagement)
    needed_by = {d for r in items.values() for d in r.depends_on}
    moved = next(
        r
        for r in items.values()
        if r.key not in needed_by and r.phase < 2 and r.key not in ("lead_a23c", "dlc_a23a", "dlc_a23b")
    )
    target_phase = 2
    edits.move(session, engagement, moved, target_phase, consultant, PHASES)
    edits.set_owner(session, items["dlc_a23a"], "IT manager", consultant)
    edits.set_owner(session, items["dlc_a23b"], "Communications", consultant)
    edits.remove(session, items["lead_a23c"], "The city manager already holds monthly reviews.", consultant)
    activity = edits.CustomActivity(
        title=" Hire a  data analyst ", component="data_life_cycle", phase="1", owner="HR", depends_on=["dlc_a23a"] * 2
    )
    custom = edits.add_custom(session, engagement, consultant, rubric, PHASES, activity)
    with pytest.raises(edits.RoadmapEditError, match="say why"):
        edits.remove(session, items["dlc_a23b"], "  ", consultant)
    session.commit()
    # a higher target adds new activities; everything edited is kept
    save_plan(
        session, engagement, {"data_life_cycle": 3, "leadership_alignment": 3, "equity_lens": 4}, 36, consultant, rubric
    )
    result = generate(session, engagement, rubric, consultant)
    session.commit()
    after = _by_key(session, engagement)
    assert {"eq_a34a", "eq_a34b"} <= set(result.added)
    assert after[moved.key].phase == target_phase and after[moved.key].pinned
    assert after["dlc_a23a"].owner == "IT manager"
    assert after["lead_a23c"].status == "removed" and after["lead_a23c"].removed_reason.startswith("The city manager")
    assert after[custom.key].title == "Hire a data analyst" and after[custom.key].phase == 1
    assert after[custom.key].depends_on == ["dlc_a23a"] and after[custom.key].origin == "custom"
    # lowering a target drops untouched items but keeps edited ones, marked no longer needed
    save_plan(
        session,
        engagement,
        {"data_life_cycle": 2, "leadership_alignment": 3, "equity_lens": 4, "partnership_leverage": 2},
        36,
        consultant,
        rubric,
    )
    result = generate(session, engagement, rubric, consultant)
    session.commit()
    after = _by_key(session, engagement)
    assert result.dropped and all(k.startswith("part_") for k in result.dropped)
    assert not set(result.dropped) & set(after)
    assert after["dlc_a23b"].needed is False and after["dlc_a23b"].owner == "Communications"
    assert after["dlc_a23a"].needed is True  # still a prerequisite of equity work and the custom activity
    actions = [
        e.action for e in session.exec(select(AuditEvent).where(AuditEvent.engagement_id == engagement.id)).all()
    ]
    for action in ("roadmap.generate", "roadmap.move", "roadmap.owner", "roadmap.remove", "roadmap.add"):
        assert action in actions
    restored = edits.restore(session, after["lead_a23c"], consultant)
    session.commit()
    generate(session, engagement, rubric, consultant)
    session.commit()
    assert _by_key(session, engagement)["lead_a23c"].status == "planned" and restored.removed_reason == ""


def test_an_equity_finding_raises_its_components_activities_and_says_so(session, engagement, consultant, rubric):
    from assistant.equity.findings import finding_counts
    from assistant.models import EquityFinding, User

    decide_levels(session, engagement, {"data_life_cycle": 2, "equity_lens": 2}, consultant)
    generate(session, engagement, rubric, consultant, equity=finding_counts(session, engagement.id))
    session.commit()
    before = {k: r.priority for k, r in _by_key(session, engagement).items()}
    reviewer = session.exec(select(User)).first()
    session.add(
        EquityFinding(
            engagement_id=engagement.id,
            reviewer_id=reviewer.id,
            component="equity_lens",
            text="Frontline Parks staff are absent from every equity theme.",
            severity="high",
        )
    )
    session.commit()
    assert finding_counts(session, engagement.id) == {"equity_lens": 1}
    generate(session, engagement, rubric, consultant, equity=finding_counts(session, engagement.id))
    session.commit()
    after = _by_key(session, engagement)
    raised = [k for k, r in after.items() if r.component == "equity_lens"]
    assert raised and all(after[k].priority > before[k] for k in raised)
    assert all(after[k].why.get("equity_findings") == 1 for k in raised)
    # elsewhere only what the raised activities wait on may rise (a prerequisite is at least as urgent)
    waited_on, todo = set(), [d for k in raised for d in after[k].depends_on]
    while todo:
        key = todo.pop()
        if key not in waited_on and key in after:
            waited_on.add(key)
            todo.extend(after[key].depends_on)
    changed = {k for k, r in after.items() if r.component != "equity_lens" and r.priority != before[k]}
    assert changed <= waited_on
