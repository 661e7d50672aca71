"""Sequencing rules on the shipped rubric: decided levels only, dependencies across components,
phases by dependency order, readiness pacing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.roadmap.sequence import CAPS, PHASES, Fixed, PlanInput, ThemeInfo, match_themes, plan
from assistant.rubric import DEFAULT_RUBRIC, RubricError, load_rubric

ALL = (
    "data_life_cycle",
    "equity_lens",
    "leadership_alignment",
    "partnership_leverage",
    "sustainability_focus",
    "governance_structures",
)


def _phase_of(result) -> dict[str, int]:
    return {i.key: i.phase for i in result.items}


def _assert_dependencies_hold(result) -> None:
    phase = _phase_of(result)
    for item in result.items:
        for dep in item.depends_on:
            assert phase[dep] <= item.phase, (item.key, dep)


def test_activities_cover_every_step_from_decided_to_target(rubric):
    result = plan(PlanInput(rubric, decided={"data_life_cycle": 1}, targets={"data_life_cycle": 3}))
    dlc = {i.key for i in result.items if i.component == "data_life_cycle"}
    expected = {a.id for a in rubric.component("data_life_cycle").activities if a.from_level in (1, 2)}
    assert dlc == expected
    # dlc_a23a needs gov_a12a; governance has no decided level, so the prerequisite is pulled in and says why
    gov = next(i for i in result.items if i.key == "gov_a12a")
    assert gov.origin == "prerequisite" and "dlc_a23a" in gov.why["prerequisite_for"]
    assert "awaiting review" in gov.why["note"]
    _assert_dependencies_hold(result)


def test_cross_component_dependency_orders_phases(rubric):
    # data life cycle 3 -> 4 needs governance's classification rules (gov_a23b), governance is at 2
    decided = {c: 3 for c in ALL} | {"governance_structures": 2}
    targets = {"data_life_cycle": 4, "governance_structures": 3}
    result = plan(PlanInput(rubric, decided=decided, targets=targets, readiness={"funding": "high"}))
    phase = _phase_of(result)
    assert phase["gov_a23b"] <= phase["dlc_a34a"]
    assert "gov_a23b" in next(i for i in result.items if i.key == "dlc_a34a").depends_on
    _assert_dependencies_hold(result)


def test_prerequisite_already_in_place_is_not_added(rubric):
    decided = {c: 3 for c in ALL}
    result = plan(PlanInput(rubric, decided=decided, targets={"data_life_cycle": 4}))
    keys = {i.key for i in result.items}
    assert "gov_a23b" not in keys  # governance decided at 3: its 2 -> 3 step is done
    assert "gov_a23b" in next(i for i in result.items if i.key == "dlc_a34a").why["in_place"]


def test_next_step_of_a_component_lands_a_phase_later(rubric):
    decided = {c: 1 for c in ALL}
    targets = {"leadership_alignment": 4}
    result = plan(PlanInput(rubric, decided=decided, targets=targets, readiness={"funding": "high"}))
    lead = [i for i in result.items if i.component == "leadership_alignment"]
    by_step = {}
    for i in lead:
        by_step.setdefault(i.from_level, set()).add(i.phase)
    assert max(by_step[1]) < min(by_step[2])
    assert max(by_step[2]) < min(by_step[3])
    _assert_dependencies_hold(result)


def test_awaiting_review_is_never_guessed(rubric):
    result = plan(PlanInput(rubric, decided={}, targets={}))
    assert result.items == []
    assert "No component has a decided level" in result.notes[0]
    some = plan(PlanInput(rubric, decided={"equity_lens": 2, "data_life_cycle": None}, targets={"equity_lens": 3}))
    assert "data_life_cycle" in some.awaiting_review
    assert not [i for i in some.items if i.component == "data_life_cycle" and i.origin == "rubric"]


def test_low_readiness_caps_phases_and_puts_foundation_first(rubric):
    decided = {c: 2 for c in ALL}
    targets = {c: 4 for c in ALL}
    high = plan(
        PlanInput(
            rubric,
            decided,
            targets,
            readiness={k: "high" for k in ("leadership_commitment", "funding", "staff_time", "change_capacity")},
        )
    )
    low = plan(
        PlanInput(
            rubric,
            decided,
            targets,
            readiness={
                "leadership_commitment": "medium",
                "funding": "low",
                "staff_time": "medium",
                "change_capacity": "medium",
            },
        )
    )
    assert high.cap is None and low.cap == CAPS["low"]
    for p in range(PHASES):
        assert sum(1 for i in low.items if i.phase == p) <= CAPS["low"]
    assert any(i.phase == PHASES for i in low.items) and "do not fit inside the horizon" in " ".join(low.notes)
    # sustainability (the enabler of funding) is boosted and says why
    sus = [i for i in low.items if i.component == "sustainability_focus" and i.from_level == 2]
    assert sus and all("Funding is low" in " ".join(i.why.get("readiness", [])) for i in sus)
    first_low = [i for i in low.items if i.phase == 0]
    assert any(i.component == "sustainability_focus" for i in first_low)
    # foundation first: no step above level 2 starts in the first phase unless it is an enabler
    assert all(i.from_level <= 2 or i.component == "sustainability_focus" for i in first_low)
    _assert_dependencies_hold(low)
    _assert_dependencies_hold(high)
    assert sum(1 for i in high.items if i.phase == 0) > CAPS["low"]


def test_pinned_removed_and_custom_items_are_respected(rubric):
    decided = {c: 2 for c in ALL}
    targets = {"leadership_alignment": 3, "data_life_cycle": 3}
    base = plan(PlanInput(rubric, decided, targets))
    assert "lead_a23c" in _phase_of(base)
    result = plan(
        PlanInput(
            rubric,
            decided,
            targets,
            fixed=[
                Fixed("lead_a23b", 2),
                Fixed("custom-1", 1, "data_life_cycle", "Hire a data analyst", ("dlc_a23a",), custom=True),
            ],
            removed=frozenset({"lead_a23c"}),
        )
    )
    phase = _phase_of(result)
    assert phase["lead_a23b"] == 2 and phase["custom-1"] == 1
    assert "lead_a23c" not in phase
    assert phase["dlc_a23a"] <= 1  # what a pinned item needs is pulled in before it


def test_themes_point_at_activities_and_raise_priority(rubric):
    themes = {
        "data_life_cycle": [
            ThemeInfo(1, "Automating data flows between systems", ("automate", "pipelines"), 6, (11, 12)),
            ThemeInfo(2, "Printing forms", ("paper",), 3, (13,)),
        ]
    }
    matched = match_themes("Automate data flows between systems", themes["data_life_cycle"])
    assert matched[0][0].id == 1 and matched[0][1]
    decided = {c: 3 for c in ALL}
    result = plan(
        PlanInput(rubric, decided, {"data_life_cycle": 4}, themes=themes, component_people={"data_life_cycle": 8})
    )
    auto = next(i for i in result.items if i.key == "dlc_a34a")
    other = next(i for i in result.items if i.key == "dlc_a34c")
    assert auto.why["themes"][0]["label"].startswith("Automating") and auto.why["quotes"] == [11, 12]
    assert auto.priority > other.priority


def test_dependency_cycle_in_an_edited_rubric_is_reported_at_load(tmp_path: Path):
    data = yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))
    gov = next(c for c in data["components"] if c["id"] == "governance_structures")
    act = next(a for a in gov["activities"] if a["id"] == "gov_a12a")
    act["depends_on"] = ["dlc_a23a"]  # dlc_a23a already depends on gov_a12a
    path = tmp_path / "cycle.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert str(path) in message and "loop" in message
    assert "gov_a12a" in message and "dlc_a23a" in message


def test_manual_hand_offs_on_the_data_flow_map_raise_the_activities_that_remove_them(rubric):
    decided, targets = {"data_life_cycle": 3}, {"data_life_cycle": 4}
    base = {i.key: i for i in plan(PlanInput(rubric, decided, targets)).items}
    raised = {i.key: i for i in plan(PlanInput(rubric, decided, targets, handoff_people=4)).items}
    addressing = {a.id for a in rubric.component("data_life_cycle").activities if a.addresses_handoffs}
    assert "dlc_a34a" in addressing and "dlc_a34a" in base
    for key in base:
        if key in addressing:
            assert raised[key].priority == pytest.approx(base[key].priority + 0.8)
            assert raised[key].why["bottlenecks"] == {"people": 4}
        else:  # a prerequisite may inherit the raise; nothing else names the map
            assert raised[key].priority >= base[key].priority and "bottlenecks" not in raised[key].why
