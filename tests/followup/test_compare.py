"""A seeded organisation with two assessments a year apart: levels side by side, theme matches and
changes with hand-computed expectations, suppression with the engagement's k, and ``dm3 compare``."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from assistant.followup.compare import compare, correct_match
from assistant.views.followup import compare_json, over_time_page
from tests.factories import DLC, seed_groups, seed_organisation


@pytest.fixture
def organisation(session, rubric):
    return seed_organisation(session, rubric)


def test_levels_side_by_side_and_the_roadmap_between(session, rubric, organisation):
    first, second, _ = organisation
    comparison = compare(session, first, second, rubric)
    levels = {r.component: (r.a, r.b) for r in comparison.levels}
    assert levels[DLC] == (2, 3) and levels["governance_structures"] == (3, 3)
    assert levels["equity_lens"] == (None, None)
    assert comparison.comparable and not comparison.notes
    assert {(r.key, r.status) for r in comparison.roadmap} == {("inventory", "done"), ("register", "not_started")}


def test_theme_changes_match_the_hand_computed_ones(session, rubric, organisation):
    first, second, t = organisation
    changes = {c.change: (c.a, c.b) for c in compare(session, first, second, rubric).changes[DLC]}
    # heard on the component: 20 people in each assessment (10+6+4; 4+6+6+4)
    # spreadsheets: cos = 1/sqrt(1.01) = 0.995; share 50% -> 20%: shrank
    assert changes["shrank"] == ((t["a_sheets"].id,), (t["b_sheets"].id,))
    # paper forms: both later themes at cos 1/sqrt(1.2025) = 0.91 from it, each closest to it: split
    assert changes["split"] == ((t["a_paper"].id,), (t["b_scan"].id, t["b_eforms"].id))
    assert changes["gone"] == ((t["a_register"].id,), ())
    assert changes["appeared"] == ((), (t["b_portal"].id,))


def test_a_consultant_correction_is_kept(session, rubric, organisation):
    first, second, t = organisation
    correct_match(session, first, second, t["a_register"].id, t["b_portal"].id, t["lead"])
    session.commit()
    rows = {(c.a, c.b): c for c in compare(session, first, second, rubric).changes[DLC]}
    fixed = rows[((t["a_register"].id,), (t["b_portal"].id,))]
    assert fixed.corrected and fixed.change == "same"  # 4 of 20 on both sides


def test_the_json_suppresses_small_groups_with_the_engagements_k(session, rubric, organisation):
    first, second, t = organisation
    data = compare_json(session, compare(session, first, second, rubric), rubric)
    assert set(data) == {"levels", "themes", "roadmap", "questions"}
    rows = {(r["a_theme"], r["b_theme"]): r for r in data["themes"]}
    # k = 5: 4 people is hidden (null) on either side; 10 and 6 are shown
    assert rows[("Spreadsheets everywhere", "Spreadsheets, fewer")] | {} == {
        "component": DLC,
        "a_theme": "Spreadsheets everywhere",
        "b_theme": "Spreadsheets, fewer",
        "change": "shrank",
        "a_people": 10,
        "b_people": None,
    }
    assert rows[("Paper forms", "Scanning paper + Online forms")]["b_people"] == 12
    assert {r["change"] for r in data["themes"]} == {"shrank", "split", "gone", "appeared"}
    assert {"item": "Activity inventory", "status": "done"}.items() <= next(
        r for r in data["roadmap"] if r["item"] == "Activity inventory"
    ).items()


def test_participation_over_time_is_suppressed_on_every_wave_and_difference(session, organisation):
    first, second, _ = organisation
    seed_groups(session, first, {"Finance": 9, "Parks": 6, "Public Works": 5})
    seed_groups(session, second, {"Finance": 12, "Parks": 3, "Public Works": 12})
    session.commit()
    page = over_time_page(session, second)
    rows = {r.group: r for r in page.rows if r.grouping == "Department"}
    assert page.k == 5 and [w.id for w in page.waves] == [first.id, second.id]
    # the second wave: Parks (3) is hidden, and Finance with it (the smallest shown group, tied with
    # Public Works and first by name), so Parks cannot be worked out from the total; each difference
    # with a hidden side is hidden (Finance reads "not shown": hidden only to protect Parks)
    assert rows["Parks"].counts == [6, "fewer than 5"] and rows["Parks"].differences == [None]
    assert rows["Finance"].counts == [9, "not shown"] and rows["Finance"].differences == [None]
    # Public Works 5 -> 12: +7 is shown
    assert rows["Public Works"].counts == [5, 12] and rows["Public Works"].differences == [7]
    # by role level: everyone seeded is frontline, 20 then 27: shown, and the change of 7 too
    frontline = next(r for r in page.rows if r.grouping == "Role level" and r.group == "frontline")
    assert frontline.counts == [20, 27] and frontline.differences == [7]


def test_dm3_compare_writes_the_file(cli_env, rubric, tmp_path):
    from assistant.cli import app

    with Session(cli_env, expire_on_commit=False) as session:
        first, second, _ = seed_organisation(session, rubric)
    r = CliRunner().invoke(app, ["compare", str(first.id), str(second.id), "--out", "compare.json"])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "compare.json").read_text())
    assert [row["component"] for row in data["levels"]][:1] == [rubric.components[0].id]
    assert any(row["change"] == "split" for row in data["themes"])
    r = CliRunner().invoke(app, ["compare", str(first.id), str(first.id), "--out", "x.json"])
    assert r.exit_code == 1 and "not assessments of one organisation" in r.output
