"""The shipped DM3 rubric (rubric/dm3.yaml), the level rule, and how broken rubric files are reported."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from assistant.rubric import COMPONENT_IDS, DEFAULT_RUBRIC, RatingRule, Rubric, RubricError, load_rubric

ROLES = ("frontline", "supervisor", "manager", "executive")
PREFIX = {
    "data_life_cycle": "dlc_",
    "equity_lens": "eq_",
    "leadership_alignment": "lead_",
    "partnership_leverage": "part_",
    "sustainability_focus": "sus_",
    "governance_structures": "gov_",
}


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric()


# --- the shipped rubric ----------------------------------------------------------------


def test_shipped_rubric_loads_with_fixed_scale_and_settings(rubric: Rubric) -> None:
    assert rubric.version == "2026.2"
    assert [(lvl.level, lvl.name) for lvl in rubric.levels] == [
        (1, "Initial"),
        (2, "Developing"),
        (3, "Defined"),
        (4, "Managed"),
        (5, "Optimizing"),
    ]
    assert all(lvl.description.strip() for lvl in rubric.levels)
    assert [r.id for r in rubric.role_levels] == list(ROLES)
    assert all(r.name and r.description for r in rubric.role_levels)
    assert rubric.questions_per_component == 2
    assert (rubric.minimum_evidence.segments, rubric.minimum_evidence.participants) == (3, 2)
    assert (rubric.rule.level_share, rubric.rule.min_indicators_with_evidence) == (0.5, 2)
    # No component overrides the organisation-wide rule, so every component is rated alike.
    for cid in COMPONENT_IDS:
        assert rubric.rule_for(cid) == rubric.rule
        assert rubric.minimum_for(cid) == rubric.minimum_evidence


def test_six_components_in_order(rubric: Rubric) -> None:
    assert [c.id for c in rubric.components] == [
        "data_life_cycle",
        "equity_lens",
        "leadership_alignment",
        "partnership_leverage",
        "sustainability_focus",
        "governance_structures",
    ]
    for comp in rubric.components:
        assert comp.name and comp.description


def test_every_role_has_at_least_two_questions_per_component_each_with_two_probes(rubric: Rubric) -> None:
    for comp in rubric.components:
        assert 6 <= len(comp.questions) <= 8, comp.id
        for role in ROLES:
            fitting = [q.id for q in comp.questions if role in q.roles]
            # The plan picks questions_per_component questions per role, so each role needs that many.
            assert len(fitting) >= rubric.questions_per_component, (comp.id, role, fitting)
        for q in comp.questions:
            assert q.id.startswith(PREFIX[comp.id]), q.id
            assert len(q.probes) == 2, q.id
            assert q.indicators, q.id
            assert 2 <= len(q.topic.split()) <= 5, (q.id, q.topic)
            # One open question each, so the interviewer never asks two things at once.
            for text in q.probes:
                assert text.strip().endswith("?") and text.count("?") == 1, (q.id, text)


def test_every_indicator_is_asked_about(rubric: Rubric) -> None:
    for comp in rubric.components:
        asked = {i for q in comp.questions for i in q.indicators}
        assert asked == {ind.id for ind in comp.indicators}, comp.id


def test_indicators_describe_five_levels_with_discriminative_signals(rubric: Rubric) -> None:
    for comp in rubric.components:
        assert 4 <= len(comp.indicators) <= 6, comp.id
        for ind in comp.indicators:
            assert ind.id.startswith(PREFIX[comp.id]), ind.id
            assert sorted(ind.levels) == [1, 2, 3, 4, 5], ind.id
            assert sorted(ind.signals) == ["1", "2", "3", "4", "5"], ind.id
            phrases = [(lvl, s.lower()) for lvl, cues in ind.signals.items() for s in cues]
            for lvl, cues in ind.signals.items():
                assert 3 <= len(cues) <= 8, (ind.id, lvl)
            # A cue contained in a cue of another level would fire for both levels.
            for lvl_a, a in phrases:
                for lvl_b, b in phrases:
                    assert lvl_a == lvl_b or a not in b, (ind.id, lvl_a, a, lvl_b, b)


def test_generic_probes(rubric: Rubric) -> None:
    probes = rubric.probes
    assert len(probes.short) >= 3 and len(probes.vague) >= 3 and len(probes.off_topic) >= 3
    assert len(probes.acknowledgements) >= 6
    for text in probes.off_topic:
        assert "{topic}" in text
        assert "how your data moves" in text.format(topic="how your data moves")
    for text in probes.off_topic + probes.instruction:
        # named as a topic, never after "to": "coming back to help with data" reads as a verb
        assert "our topic, {topic}" in text and not re.search(r"\bto \{topic\}", text), text
    for text in probes.short + probes.vague + [t.format(topic="x") for t in probes.off_topic]:
        assert text.strip().endswith("?") and text.count("?") == 1, text
    for text in probes.acknowledgements:
        assert "?" not in text and len(text) <= 40, text


def test_roadmap_covers_every_step_and_dependencies_form_no_cycle(rubric: Rubric) -> None:
    acts = {a.id: a for c in rubric.components for a in c.activities}
    assert len(acts) == sum(len(c.activities) for c in rubric.components), "activity ids must be unique"
    for comp in rubric.components:
        assert {a.from_level for a in comp.activities} == {1, 2, 3, 4}, comp.id
        for act in comp.activities:
            assert act.id.startswith(PREFIX[comp.id] + f"a{act.from_level}{act.to_level}"), act.id
            # A prerequisite never sits at a later step than the activity that needs it.
            for dep in act.depends_on:
                assert acts[dep].from_level <= act.from_level, (act.id, dep)

    done: set[str] = set()

    def visit(aid: str, path: tuple[str, ...]) -> None:
        assert aid not in path, f"dependency cycle: {' -> '.join(path + (aid,))}"
        if aid in done:
            return
        for dep in acts[aid].depends_on:
            visit(dep, path + (aid,))
        done.add(aid)

    for aid in acts:
        visit(aid, ())


def test_cross_component_dependencies_from_the_research(rubric: Rubric) -> None:
    acts = {a.id: a for c in rubric.components for a in c.activities}
    # Owners come before the portal and before agreement templates.
    assert "gov_a12a" in acts["dlc_a23b"].depends_on
    assert "gov_a12a" in acts["part_a23a"].depends_on
    # Classification and privacy rules come before sharing sensitive data.
    assert "gov_a23b" in acts["dlc_a34a"].depends_on
    assert "gov_a23b" in acts["part_a34b"].depends_on
    # Harm review comes before predictive tools; contract clauses before system replacement.
    assert "eq_a34a" in acts["dlc_a45b"].depends_on
    assert "part_a23a" in acts["sus_a34a"].depends_on


# --- the level rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([3, 3, 4, 2, None], 3),  # 3 of 4 judged at >= 3 (75%), only 1 of 4 at >= 4
        ([3, 3, 3, 1, 1], 3),  # exactly 60% at >= 3 is enough
        ([3, 3, 2, 1, 1], 2),  # 40% at >= 3 is not; 60% at >= 2 is
        ([5, 5, 5, 1], 5),
        ([2, 4], 2),  # 50% at >= 3 falls short of 60%
        ([4, 4, 4, 4, 4], 4),
        ([1, 1], 1),
        ([4, None], None),  # one indicator with evidence is too thin
        ([None, None, None, None, None], None),
        ([], None),
    ],
)
def test_level_for_hand_worked_examples(levels: list[int | None], expected: int | None) -> None:
    assert RatingRule(level_share=0.6, min_indicators_with_evidence=2).level_for(levels) == expected


def test_level_for_respects_the_rule_settings() -> None:
    assert RatingRule(level_share=1.0, min_indicators_with_evidence=2).level_for([3, 4, 5]) == 3
    assert RatingRule(level_share=0.3, min_indicators_with_evidence=2).level_for([3, 4, 5]) == 5
    assert RatingRule(level_share=0.6, min_indicators_with_evidence=3).level_for([3, 4, None]) is None


@pytest.mark.parametrize(
    ("evidence", "component", "expected"),
    [
        (4, 3, "met"),
        (3, 3, "met"),
        (2, 3, "partly"),
        (1, 3, "not_met"),
        (None, 3, "no_evidence"),
        (3, None, "no_evidence"),
    ],
)
def test_judgment_against_component_level(evidence: int | None, component: int | None, expected: str) -> None:
    assert RatingRule.judgment(evidence, component) == expected


# --- broken rubric files -----------------------------------------------------------------


def _shipped() -> dict:
    return yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))


def _write(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    data = _shipped()
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_unchanged_copy_loads(tmp_path: Path) -> None:
    # Guards the tests below: each breaks exactly one thing in an otherwise valid copy.
    assert load_rubric(_write(tmp_path, lambda d: None)).version == "2026.2"


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="not found") as err:
        load_rubric(tmp_path / "absent.yaml")
    assert str(tmp_path / "absent.yaml") in str(err.value)


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text('version: "2026.1"\nlevels:\n  - level: 1\n    name: [Initial\n', encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert str(path) in message and "not valid YAML" in message and "line" in message


def test_missing_component_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["components"].pop(1))
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert str(path) in message and "components must be" in message and "equity_lens" in message


def test_question_with_unknown_role_is_reported(tmp_path: Path) -> None:
    def change(d: dict) -> None:
        d["components"][2]["questions"][0]["roles"].append("clerk")

    path = _write(tmp_path, change)
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert str(path) in message
    assert "leadership_alignment" in message and "lead_q1" in message and "clerk" in message


def test_indicator_missing_level_4_is_reported(tmp_path: Path) -> None:
    def change(d: dict) -> None:
        del d["components"][5]["indicators"][2]["levels"][4]

    path = _write(tmp_path, change)
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert str(path) in message
    assert "components.5.indicators.2" in message and "gov_stewards" in message and "[4]" in message


def test_activity_with_unknown_dependency_is_reported(tmp_path: Path) -> None:
    def change(d: dict) -> None:
        d["components"][0]["activities"][1]["depends_on"].append("dlc_a99")

    path = _write(tmp_path, change)
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert str(path) in message and "dlc_a12b" in message and "dlc_a99" in message
