"""The labelled evaluation sets under bench/data: well formed, tied to the rubric, and covering what
issues 15, 16 and 17 ask them to cover (a broken set would quietly skew every figure measured on it)."""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from assistant.config import Settings
from assistant.rubric import Rubric, load_rubric

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
ROLES = {"frontline", "supervisor", "manager", "executive"}
RATING_GROUPS = {"base", "top", "mixed", "sparse", "injection", "heldout", "heldout2", "heldout3", "heldout4"}


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric(Settings(_env_file=None).rubric_path)


@pytest.fixture()
def probe_eval(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """bench/probe_eval.py as a module (the bench folder is not a package)."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    return importlib.import_module("probe_eval")


# ------------------------------------------------------------------ probe cases (issue 15)
def test_probe_cases_are_tied_to_the_rubric_and_cover_every_kind(rubric: Rubric, probe_eval: ModuleType) -> None:
    cases = probe_eval.load_cases(rubric)  # raises on a question not in the rubric or not asked of the role
    assert len(cases) >= 180
    assert {c["component"] for c in cases} == {comp.id for comp in rubric.components}
    assert {c["role_level"] for c in cases} == ROLES
    labels = Counter(probe_eval.label(c["action"], c["reason"]) for c in cases)
    shares = {k: v / len(cases) for k, v in labels.items()}
    assert 0.40 <= shares["accept"] <= 0.55
    assert shares["short"] >= 0.15 and shares["vague"] >= 0.12 and shares["off_topic"] >= 0.15
    # answers to a follow-up, in every component, and Spanish answers both accepted and not
    assert {c["component"] for c in cases if c["follow_up"]} == {comp.id for comp in rubric.components}
    spanish = [c for c in cases if any(w in c["answer"].lower().split() for w in ("que", "los", "las", "mi", "es"))]
    assert {probe_eval.label(c["action"], c["reason"]) for c in spanish} >= {"accept", "off_topic"}


def test_held_out_probe_cases_are_tied_to_the_rubric_and_keep_their_planned_mix(
    rubric: Rubric, probe_eval: ModuleType
) -> None:
    """bench/data/probe_heldout.yaml, written later by another hand without reading the engine: at
    least 210 cases over every component and role, with the minimum counts it was written to."""
    cases = probe_eval.load_cases(rubric, DATA / "probe_heldout.yaml")  # ids unique, labels valid, questions fit
    assert len(cases) >= 210
    assert all(c["id"].startswith("ph-") for c in cases)
    ids = {c["id"] for c in cases} | {c["id"] for c in probe_eval.load_cases(rubric)}
    assert len(ids) == len(cases) + len(probe_eval.load_cases(rubric))  # no id shared with the first set
    assert {c["component"] for c in cases} == {comp.id for comp in rubric.components}
    assert {c["role_level"] for c in cases} == ROLES
    labels = Counter(probe_eval.label(c["action"], c["reason"]) for c in cases)
    assert labels["vague"] >= 45 and labels["off_topic"] >= 32 and labels["short"] >= 32 and labels["accept"] >= 65
    # one-word or yes/no replies to a follow-up are short; a few of them fully answer a narrow one
    few = [c for c in cases if c["follow_up"] and len(c["answer"].split()) <= 4]
    assert len([c for c in few if c["reason"] == "short"]) >= 32
    assert len([c for c in few if c["action"] == "accept"]) >= 6
    # polished non-answers: at least 45 vague answers of 15 to 60 words
    assert len([c for c in cases if c["reason"] == "vague" and 15 <= len(c["answer"].split()) <= 60]) >= 45
    spanish = [c for c in cases if any(w in c["answer"].lower().split() for w in ("que", "los", "las", "mi", "es"))]
    assert {probe_eval.label(c["action"], c["reason"]) for c in spanish} >= {"accept", "off_topic"}


def test_the_bench_runs_every_probe_case_file_by_default(probe_eval: ModuleType) -> None:
    names = [f.name for f in probe_eval.case_files()]
    assert names[0] == "probe_cases.yaml" and "probe_heldout.yaml" in names


def test_probe_case_loader_names_a_case_that_does_not_fit_the_rubric(
    rubric: Rubric, probe_eval: ModuleType, tmp_path: Path
) -> None:
    case = {
        "id": "x-1",
        "role_level": "frontline",
        "component": "governance_structures",
        "question": "Which data decisions are made across departments, and who makes them?",
        "follow_up": None,
        "answer": "The IT steering committee.",
        "action": "accept",
        "reason": None,
    }
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump({"cases": [case]}), encoding="utf-8")
    with pytest.raises(ValueError, match="x-1.*not asked of frontline"):
        probe_eval.load_cases(rubric, path)
    path.write_text(yaml.safe_dump({"cases": [{**case, "role_level": "manager", "reason": "short"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="x-1.*'accept' with reason 'short'"):
        probe_eval.load_cases(rubric, path)


def test_keyword_baseline_is_independent_of_the_product(rubric: Rubric, probe_eval: ModuleType) -> None:
    case = {
        "component": "sustainability_focus",
        "follow_up": None,
        "question": "What data training have you taken or given in the past year or two?",
    }
    assert probe_eval.keyword_decide({**case, "answer": "none"}, rubric) == ("probe", "short")
    assert probe_eval.keyword_decide(
        {**case, "answer": "The parking lot was full again this morning, terrible."}, rubric
    ) == ("probe", "off_topic")
    assert probe_eval.keyword_decide(
        {**case, "answer": "Two afternoons of Excel training from the vendor last spring."}, rubric
    ) == ("accept", None)


# ------------------------------------------------------------------ rating sets (issue 17)
def test_rating_sets_are_well_formed_and_grouped(rubric: Rubric) -> None:
    sets = yaml.safe_load((DATA / "rating_sets.yaml").read_text(encoding="utf-8"))["sets"]
    assert len({s["id"] for s in sets}) == len(sets)
    components = {c.id for c in rubric.components}
    for s in sets:
        assert s["component"] in components, s["id"]
        assert s["expected"] in (None, 1, 2, 3, 4, 5), s["id"]
        assert s.get("group", "base") in RATING_GROUPS, s["id"]
        for participant, role, department, text in s["segments"]:
            assert role in ROLES and participant and department and text.strip(), s["id"]
    assert len([s for s in sets if "group" not in s]) == 39  # the original sets are kept
    top = Counter(s["expected"] for s in sets if s.get("group") == "top")
    assert top[4] >= 6 and top[5] >= 6
    assert len({s["component"] for s in sets if s.get("group") == "top"}) == 6
    for group in ("mixed", "sparse", "injection"):
        assert len([s for s in sets if s.get("group") == group]) >= 5, group
    # the held-out group (written before the round-3 rule changes) spans every level
    assert {s["expected"] for s in sets if s.get("group") == "heldout"} == {1, 2, 3, 4, 5}
    # round 5's held-out group: 16 sets over every component and level, with its sparse and mixed sets
    heldout3 = [s for s in sets if s.get("group") == "heldout3"]
    assert len(heldout3) == 16 and {s["expected"] for s in heldout3} == {1, 2, 3, 4, 5}
    assert {s["component"] for s in heldout3} == components
    assert (
        len([s for s in heldout3 if "sparse" in s["id"]]) == 2 and len([s for s in heldout3 if "mixed" in s["id"]]) == 2
    )
    for s in sets:
        if s.get("group") == "mixed":
            roles = {seg[1] for seg in s["segments"]}
            assert "frontline" in roles and roles & {"manager", "executive"} and s.get("note"), s["id"]


# ------------------------------------------------------------------ names (issue 16)
def test_name_spans_are_exact_and_the_set_has_both_halves() -> None:
    comments = yaml.safe_load((DATA / "names.yaml").read_text(encoding="utf-8"))["comments"]
    with_names = [c for c in comments if c["names"]]
    assert len(with_names) >= 120
    assert len(comments) - len(with_names) >= 60
    for c in comments:
        pos = 0
        for name in c["names"]:  # each span occurs in the text, in the order listed
            found = c["text"].find(name, pos)
            assert found >= 0, (c["text"], name)
            pos = found + len(name)


# ------------------------------------------------------------------ injection2 in the rating bench (issue 30)
def test_rating_bench_reads_injection2_and_finds_the_instruction_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    rating_eval = importlib.import_module("rating_eval")
    sets = rating_eval.load_sets(rating_eval.INJECTION_SETS)
    assert {s["group"] for s in sets} == {"injection2"}
    assert sum(len(s["injected"]) for s in sets) == 44 and sum(len(s["hard"]) for s in sets) >= 5
    for s in sets:
        ids = {i.id for i in s["items"]}
        assert set(s["injected"]) <= ids and set(s["hard"]) <= ids and not set(s["injected"]) & set(s["hard"])
        for sid, kind in s["injected"].items():
            if "mid_answer" in kind:  # a real sentence, the instruction, more real text
                text = next(i.text for i in s["items"] if i.id == sid)
                start, end = rating_eval.instruction_span(text)
                assert 0 < start < end < len(text), text
