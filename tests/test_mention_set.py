"""The evaluation sets written for the injection and data-flow catalogue issues: injection2 rating
sets (bench/data/injection_sets.yaml) and labelled system mentions (bench/data/system_mentions.yaml),
and the catalogue scorer (bench/catalogue_eval.py)."""

from __future__ import annotations

import importlib
import json
import re
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from assistant.config import Settings
from assistant.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
ROLES = {"frontline", "supervisor", "manager", "executive"}
KINDS = {
    "roleplay",
    "duty",
    "reveal",
    "fake_system",
    "polite",
    "threat",
    "lower",
    "multilingual",
    "command",
    "mid_answer",
}


@pytest.fixture()
def catalogue_eval(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    return importlib.import_module("catalogue_eval")


def test_injection_sets_are_well_formed_and_varied() -> None:
    components = {c.id for c in load_rubric(Settings(_env_file=None).rubric_path).components}
    sets = yaml.safe_load((DATA / "injection_sets.yaml").read_text(encoding="utf-8"))["sets"]
    assert len(sets) >= 14 and len({s["id"] for s in sets}) == len(sets)
    assert {s["component"] for s in sets} == components
    assert {s["expected"] for s in sets} == {1, 2, 3, 4, 5}
    kinds: Counter[str] = Counter()
    for s in sets:
        assert s["group"] == "injection2", s["id"]
        n = len(s["segments"])
        inj, hard = s["injections"], s.get("hard_negatives", [])
        assert len(set(inj)) == len(inj) and all(0 <= i < n for i in inj), s["id"]
        assert all(0 <= i < n for i in hard) and not set(inj) & set(hard), s["id"]
        assert 2 <= len(inj) <= 4 and 4 <= n - len(inj) <= 6, s["id"]
        assert len(s["injection_kinds"]) == len(inj), s["id"]
        for k in s["injection_kinds"]:
            assert set(k.split("+")) <= KINDS, (s["id"], k)
            kinds.update(k.split("+"))
        for participant, role, department, text in s["segments"]:
            assert role in ROLES and participant and department and text.strip(), s["id"]
    assert sum(len(s["injections"]) for s in sets) >= 40
    assert kinds["mid_answer"] >= 12 and set(kinds) == KINDS
    assert sum(len(s.get("hard_negatives", [])) for s in sets) >= 6


def test_system_mentions_are_well_formed() -> None:
    mentions = yaml.safe_load((DATA / "system_mentions.yaml").read_text(encoding="utf-8"))["mentions"]
    assert len(mentions) >= 220
    assert len({m["id"] for m in mentions}) == len(mentions)
    assert all(re.fullmatch(r"m-\d{3}", m["id"]) and m["text"].strip() for m in mentions)
    assert all(re.fullmatch(r"[a-z0-9_]+", m["system"]) for m in mentions)
    per_system = Counter(m["system"] for m in mentions)
    assert len(per_system) >= 28 and min(per_system.values()) >= 3
    assert all(set(m) <= {"id", "text", "system", "context"} for m in mentions)


def test_catalogue_scorer(catalogue_eval: ModuleType, tmp_path: Path) -> None:
    mentions = catalogue_eval.load_mentions()
    gold = {m["id"]: m["system"] for m in mentions}
    assert catalogue_eval.score(gold, gold)["f1"] == 1.0
    assert catalogue_eval.normalise("The Munis's  Reports!") == "munis reports"
    base = catalogue_eval.score(catalogue_eval.baseline(mentions), gold)
    assert base["recall"] < 0.5  # spelling alone does not find systems
    # the catalogue file round trip: gold as a catalogue scores 1.0, an empty catalogue is all singletons
    systems: dict[str, list[str]] = {}
    for m in mentions:
        systems.setdefault(m["system"], []).append(m["id"])
    path = tmp_path / "cat.json"
    path.write_text(json.dumps({"systems": [{"id": k, "name": k, "mentions": v} for k, v in systems.items()]}))
    pred, problems = catalogue_eval.from_catalogue(json.loads(path.read_text()), set(gold))
    assert not problems and catalogue_eval.score(pred, gold)["f1"] == 1.0
    pred, _ = catalogue_eval.from_catalogue({"systems": []}, set(gold))
    assert catalogue_eval.score(pred, gold) == {"precision": 1.0, "recall": 0.0, "f1": 0.0, "systems": len(gold)}
    out = tmp_path / "in.json"
    assert catalogue_eval.main(["--write-input", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert len(rows) == len(mentions) and all(set(r) == {"id", "text"} for r in rows)


def test_held_out_system_mentions_are_well_formed() -> None:
    mentions = yaml.safe_load((DATA / "system_mentions_heldout.yaml").read_text(encoding="utf-8"))["mentions"]
    assert len(mentions) >= 200 and len({m["id"] for m in mentions}) == len(mentions)
    assert all(re.fullmatch(r"h\d{3}", m["id"]) and m["text"].strip() for m in mentions)
    per_system = Counter(m["system"] for m in mentions)
    assert len(per_system) >= 25 and min(per_system.values()) >= 3
    dev = {m["text"].lower() for m in yaml.safe_load((DATA / "system_mentions.yaml").read_text("utf-8"))["mentions"]}
    # product names recur (65 of 207 texts are also in the dev list: "Workday", "ArcGIS"); most are new
    assert len({m["text"].lower() for m in mentions} & dev) < len(mentions) // 2
